/**
 * The whole surface, as a 2025-11-25 client (the v1 SDK's Client: initialize, a session) and as a
 * 2026-07-28 client (the v2 SDK's Client pinned to that revision: server/discover, per-request _meta,
 * no session) see it, over stdio and over HTTP, against the built server and the sandbox: tools,
 * resources, templates, prompts, completions, the cards, logging, progress, and a whole connector
 * setup with a settings form, a URL the client opens, a wait and a confirmation form.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink, fillCredentialPage } from "../../src/sandbox/consent-driver.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { openClient, REVISIONS, type Elicit, type OpenOptions, type Revision, type TestClient, type ToolCallResult } from "../clients.js";
import { sandboxEnv, spawnHttpServer, TOOL_NAMES, type HttpServerUnderTest } from "../helpers.js";
import { walk } from "../walk.js";

const CARDS = { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } } };
const PIPEDRIVE = 1001;
const XERO = 1007;

let sandbox: Sandbox;
let http: HttpServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox();
  http = await spawnHttpServer({ env: sandboxEnv(sandbox) });
});
afterAll(async () => {
  await http?.stop();
  await sandbox?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read structuredContent freely
const structured = (result: ToolCallResult): any => {
  if (result.isError) throw new Error(`tool failed: ${result.content.map((c) => c.text).join("\n")}`);
  return result.structuredContent;
};

const cases = REVISIONS.flatMap((revision) => (["stdio", "http"] as const).map((transport) => [revision, transport] as [Revision, "stdio" | "http"]));

describe.each(cases)("a %s client over %s", (revision, transport) => {
  const opened: TestClient[] = [];
  const open = async (options: Omit<OpenOptions, "revision" | "over"> = {}) => {
    const over: OpenOptions["over"] = transport === "stdio" ? { stdio: { env: sandboxEnv(sandbox) } } : { http: { url: http.url } };
    const client = await openClient({ revision, over, ...options });
    opened.push(client);
    return client;
  };
  afterAll(async () => {
    await Promise.allSettled(opened.splice(0).map((client) => client.close()));
  });

  it("lists the tools in the order of a setup, and the resources, templates and prompt", async () => {
    const client = await open();
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["cyclr://connectors", "cyclr://reference/auth-types", "cyclr://templates"]);
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      expect.arrayContaining(["cyclr://connectors/{connectorId}", "cyclr://accounts/{accountId}/connectors/{accountConnectorId}"]),
    );
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(["setup_connector"]);
  });

  it("reads resources, gets the prompt and completes its arguments", async () => {
    const client = await open();
    const catalog = JSON.parse((await client.readResource("cyclr://connectors")).contents[0]?.text ?? "{}");
    expect(catalog.connectors.length).toBeGreaterThan(40);
    const connector = JSON.parse((await client.readResource(`cyclr://connectors/${PIPEDRIVE}`)).contents[0]?.text ?? "{}");
    expect(connector).toMatchObject({ id: PIPEDRIVE, name: "Pipedrive" });
    await expect(client.readResource("cyclr://no/such/resource")).rejects.toMatchObject({ code: -32602, data: { uri: "cyclr://no/such/resource" } });
    const prompt = await client.getPrompt("setup_connector", { connector: "pipedrve" });
    expect(prompt.messages[0]?.content.text).toContain("Pipedrive");
    expect(await client.complete({ type: "ref/prompt", name: "setup_connector" }, { name: "connector", value: "hubs" })).toEqual(["HubSpot"]);
    expect(await client.complete({ type: "ref/resource", uri: "cyclr://connectors/{connectorId}" }, { name: "connectorId", value: "100" })).toContain(String(PIPEDRIVE));
  });

  it("shows the cards only to a client that names io.modelcontextprotocol/ui", async () => {
    const plain = await open();
    expect((await plain.listTools()).tools.filter((t) => t._meta !== undefined)).toEqual([]);
    expect((await plain.listResources()).resources.filter((r) => r.uri.startsWith("ui://"))).toEqual([]);
    expect((await plain.call("refresh_setup_card", { accountConnectorId: 1 })).isError).toBe(true);

    const host = await open({ capabilities: CARDS });
    const { tools } = await host.listTools();
    expect(tools.find((t) => t.name === "install_connector")?._meta).toMatchObject({ ui: { resourceUri: "ui://cyclr/setup-card.html" } });
    expect(tools.find((t) => t.name === "list_connectors")?._meta).toMatchObject({ ui: { resourceUri: "ui://cyclr/catalog-picker.html" } });
    expect(tools.map((t) => t.name)).toEqual([...TOOL_NAMES, "refresh_setup_card", "refresh_cycle_card", "get_connector_icons"]);
    const card = await host.readResource("ui://cyclr/setup-card.html");
    expect(card.contents[0]).toMatchObject({ mimeType: "text/html;profile=mcp-app" });
    expect(card.contents[0]?.text).toContain("<html");
    const icons = structured(await host.call("get_connector_icons", { connectorIds: [PIPEDRIVE] }));
    expect(icons.icons).toHaveLength(1);
  });

  it("takes a template to an active integration, the lookup choice and the activation asked in forms", async () => {
    const forms: string[] = [];
    const client = await open({
      capabilities: { elicitation: { form: {} } },
      elicit: async ({ message, requestedSchema }) => {
        const fields = Object.entries(requestedSchema?.properties ?? {});
        forms.push(fields.map(([name]) => name).join(","));
        // The person picks a list where one is asked for, and says yes to starting the integration.
        const content = Object.fromEntries(fields.map(([name, field]) => [name, field.enum?.includes("Customers") ? "Customers" : field.enum?.includes("yes") ? "yes" : (field.enum?.[0] ?? "")]));
        return message ? { action: "accept", content } : { action: "decline" };
      },
    });
    // An account of its own for each revision and transport: each walk installs the template anew.
    const accountId = `both-${revision}-${transport}`;
    structured(await client.call("create_account", { id: accountId, name: `Both revisions ${revision} ${transport}` }));
    const { calls, last } = await walk(
      async (tool, args) => structured(await client.call(tool, args)),
      { tool: "list_templates", arguments: { query: "salesfroce to malchimp", accountId } },
      { properties: { isSandbox: "false" }, apiKey: `mc-key-${revision}-${transport}`, confirm: true },
    );
    expect(calls).toContain("activate_cycle");
    expect(last).toMatchObject({ outcome: "activated", status: "Active", setup: { state: "active" } });
    // The choice and the confirmation came as forms, whichever revision carried them.
    expect(forms).toEqual(expect.arrayContaining([expect.stringMatching(/./), "decision"]));
    expect(forms.length).toBeGreaterThanOrEqual(2);
    const cycle = sandbox.cycle(accountId, last.cycleId);
    expect(cycle?.Status).toBe("Active");
    expect(cycle?.steps[1]?.parameters[0]).toMatchObject({ MappingType: "StaticValue", Value: "c41d09b2e5" });
  });

  it("sends a failure as a log message to a client that asked for that level", async () => {
    const logs: { level: string; data: unknown }[] = [];
    const client = await open({ onLog: (params) => logs.push(params) });
    await client.setLoggingLevel("warning");
    const failed = await client.call("get_account_connector", { accountConnectorId: 987_654 });
    expect(failed.isError).toBe(true);
    await expect.poll(() => logs.length).toBeGreaterThan(0);
    expect(logs[0]).toMatchObject({ level: "warning", data: { tool: "get_account_connector" } });
    if (revision === "2026-07-28") {
      // On 2026-07-28 the level travels with each request: none asked, none sent.
      const before = logs.length;
      expect((await client.call("get_account_connector", { accountConnectorId: 987_654 }, { logLevel: "emergency" })).isError).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(logs.length).toBe(before);
    }
  });

  it("sets up a connector with the person: a settings form, the credential page the client opens, the wait", async () => {
    const asked: string[] = [];
    const elicit: Elicit = async (params) => {
      asked.push(`${params.mode ?? "form"}: ${params.message}`);
      if (params.mode === "url" && params.url) {
        // The person types the key on the page, a moment after the client opened it.
        const url = params.url;
        setTimeout(() => void fillCredentialPage(url, { apiKey: `pd-key-${revision}-${transport}` }), 300);
        return { action: "accept" };
      }
      return { action: "accept", content: { CompanyDomain: "acme" } };
    };
    const client = await open({ capabilities: { elicitation: { form: {}, url: {} } }, elicit });
    const installed = structured(await client.call("install_connector", { connectorId: PIPEDRIVE, allowDuplicate: true }));
    expect(installed).toMatchObject({ form: { outcome: "filled", results: [{ name: "CompanyDomain", outcome: "set" }] }, setup: { nextStep: { tool: "create_credential_link" } } });
    const link = structured(await client.call("create_credential_link", { accountConnectorId: installed.accountConnectorId }));
    expect(link).toMatchObject({ openedByClient: "accepted" });
    expect(link.url).toBeUndefined();
    const progress: number[] = [];
    const waited = structured(await client.call("get_account_connector", link.setup.nextStep.arguments, { onprogress: (p) => progress.push(p.progress) }));
    expect(waited).toMatchObject({ waited: { outcome: "done" }, setup: { state: "ready" }, authenticated: true });
    expect(asked).toEqual([expect.stringMatching(/^form: Pipedrive needs this setting/), expect.stringMatching(/^url: Enter API key for Pipedrive/)]);
    // One install, whatever the rounds.
    expect(sandbox.requests.filter((r) => r.method === "POST" && r.path === `/v1.0/connectors/${PIPEDRIVE}/install` && JSON.stringify(r.json).includes(installed.name)).length).toBe(1);
  });

  it("signs in to an OAuth connector through a URL the client opens, waits with progress, and reconnects after a confirmation form", async () => {
    const asked: string[] = [];
    const elicit: Elicit = async (params) => {
      asked.push(`${params.mode ?? "form"}: ${params.message}`);
      if (params.mode === "url" && params.url) {
        const url = params.url;
        setTimeout(() => void approveOAuthLink(url, "approve"), 1_200);
        return { action: "accept" };
      }
      return { action: "accept", content: { decision: "yes" } };
    };
    const client = await open({ capabilities: { elicitation: { form: {}, url: {} } }, elicit });
    const installed = structured(await client.call("install_connector", { connectorId: XERO, allowDuplicate: true }));
    const link = structured(await client.call("create_oauth_link", { accountConnectorId: installed.accountConnectorId }));
    expect(link).toMatchObject({ openedByClient: "accepted", singleUse: true });
    const progress: number[] = [];
    const waited = structured(await client.call("get_account_connector", link.setup.nextStep.arguments, { onprogress: (p) => progress.push(p.progress) }));
    expect(waited).toMatchObject({ waited: { outcome: "done" }, setup: { state: "ready" } });
    expect(progress.length).toBeGreaterThan(0);
    // The assistant passed confirm: true; the person is asked all the same, where the client shows forms.
    const reconnected = structured(await client.call("reconnect_connector", { accountConnectorId: installed.accountConnectorId, confirm: true }));
    expect(reconnected).toMatchObject({ outcome: "deauthenticated", setup: { nextStep: { tool: "create_oauth_link" } } });
    expect(asked).toEqual([expect.stringMatching(/^url: Sign in to Xero/), expect.stringMatching(/^form: Reconnect Xero/)]);
  });
});
