/**
 * The template tools under the guards the rest of the server has: a client with forms (the lookup
 * choice and the confirmation asked of the person, not the assistant), --read-only (every writer
 * hidden), and hosted mode (the cycle scope beside cyclr:write, pinning, audit lines naming the
 * cycle), against the built CLI and the sandbox over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { SignJWT } from "jose";
import { approveOAuthLink, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { rawRequest, sandboxEnv, spawnHttpServer, spawnServer, structured, text, type HttpServerUnderTest, type ServerUnderTest } from "../helpers.js";

const SALESFORCE_TO_MAILCHIMP = "7ad2265e-2ff0-477b-b913-cae1dfde2ea8";
const ZENDESK_TO_SLACK = "b52e7c04-91d3-4f6a-8e2b-6a7c0d9e1f33";
const SECRET = "partner-shared-secret-0123456789abcdef";
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox?.close());

describe("a client with forms", () => {
  let server: ServerUnderTest;
  const asked: ElicitRequest["params"][] = [];
  let answer: (params: ElicitRequest["params"]) => Record<string, string> | undefined = () => undefined;
  beforeAll(async () => {
    server = await spawnServer({
      env: sandboxEnv(sandbox, { CYCLR_ACCOUNT_ID: "acme-widgets-17" }),
      capabilities: { elicitation: { form: {} } },
      prepare: (client) =>
        client.setRequestHandler(ElicitRequestSchema, async (request) => {
          asked.push(request.params);
          const content = answer(request.params);
          return content ? { action: "accept", content } : { action: "decline" };
        }),
    });
  });
  afterAll(() => server?.close());

  it("asks the person to pick the lookup's choice in a form, and to confirm the start: whatever the assistant passed", async () => {
    const installed = structured(await server.call("install_template", { templateId: ZENDESK_TO_SLACK }));
    const zendesk = installed.setup.connectors[0].accountConnectorId;
    const slack = installed.setup.connectors[1].accountConnectorId;
    await server.call("set_connector_properties", { accountConnectorId: zendesk, properties: [{ name: "Subdomain", value: "acme" }] });
    await server.call("authenticate_connector", { accountConnectorId: zendesk, username: "ana@acme.test", password: "zd-0001" });
    const record = sandbox.cycle("acme-widgets-17", installed.cycleId)!;
    // Slack is OAuth: the person approves on the consent page.
    await approveOAuthLink(structured(await server.call("create_oauth_link", { accountConnectorId: slack })).url, "approve");
    const ready = structured(await server.call("get_cycle", { cycleId: installed.cycleId }));
    expect(ready.setup).toMatchObject({ state: "needs_values", nextStep: { tool: "set_step_value" } });

    answer = (params) => ("requestedSchema" in params && params.requestedSchema.properties.choice ? { choice: "#support" } : undefined);
    const chosen = structured(await server.call("set_step_value", ready.setup.nextStep.arguments));
    expect(chosen).toMatchObject({ outcome: "set", setup: { state: "ready_to_activate" } });
    const form = asked.at(-1);
    expect(form && "requestedSchema" in form && form.requestedSchema.properties.choice).toMatchObject({ type: "string", enum: ["#general", "#support", "#sales"] });
    expect(record.steps[1]?.parameters[0]?.Value).toBe("C0SUPPORT1");

    // The assistant passes confirm: true, but the form asks the person, who says no.
    answer = () => ({ decision: "no" });
    const declined = structured(await server.call("activate_cycle", { cycleId: installed.cycleId, confirm: true }));
    expect(declined.outcome).toBe("cancelled");
    expect(record.Status).toBe("Paused");
    expect((asked.at(-1) as { message: string }).message).toMatch(/^Start "Zendesk urgent tickets to Slack" in account acme-widgets-17\? It will run every 15 minutes, from now, moving data between Zendesk and Slack\.$/);
    answer = () => ({ decision: "yes" });
    expect(structured(await server.call("activate_cycle", { cycleId: installed.cycleId, interval: 30 }))).toMatchObject({ outcome: "activated", schedule: { intervalMinutes: 30 } });
    expect(record).toMatchObject({ Status: "Active", Interval: 30 });
  });

  it("a person who closes the lookup's form changes nothing", async () => {
    const installed = structured(await server.call("install_template", { templateId: SALESFORCE_TO_MAILCHIMP }));
    const mailchimp = installed.setup.connectors[1].accountConnectorId;
    await server.call("authenticate_connector", { accountConnectorId: mailchimp, apiKey: "mc-0001" });
    const step = sandbox.cycle("acme-widgets-17", installed.cycleId)!.steps[1]!;
    answer = () => undefined;
    const closed = structured(await server.call("set_step_value", { cycleId: installed.cycleId, stepId: step.Id, parameter: "List" }));
    expect(closed.outcome).toBe("declined");
    expect(step.parameters[0]?.Value).toBeNull();
  });
});

describe("--read-only", () => {
  it("offers the template and cycle readers, and none of their writers", async () => {
    const server = await spawnServer({ env: sandboxEnv(sandbox), args: ["--read-only"] });
    try {
      const names = (await server.client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["list_templates", "get_cycle"]));
      for (const writer of ["install_template", "set_step_value", "activate_cycle", "pause_cycle"]) expect(names).not.toContain(writer);
      expect((await server.call("install_template", { templateId: SALESFORCE_TO_MAILCHIMP })).isError).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe("hosted", () => {
  let server: HttpServerUnderTest;
  beforeAll(async () => {
    server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_JWT_SECRET: SECRET, CYCLR_LOG_FORMAT: "json" }) });
  });
  afterAll(() => server?.stop());

  const mint = (scope: string, account = "umbrella-9001") =>
    new SignJWT({ scope, cyclr_account: account, azp: "acme-app" }).setProtectedHeader({ alg: "HS256" }).setSubject("integrator-1").setAudience(server.url).setExpirationTime("10m").sign(new TextEncoder().encode(SECRET));
  const connect = async (token: string) => {
    const client = new Client({ name: "templates-hosted", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

  it("changing a cycle needs cyclr:cycles beside cyclr:write, and each such call's audit line names the cycle", async () => {
    const writer = await mint("cyclr:read cyclr:write");
    const writerClient = await connect(writer);
    const offered = (await writerClient.listTools()).tools.map((t) => t.name);
    expect(offered).toEqual(expect.arrayContaining(["install_connector", "list_templates", "get_cycle"]));
    expect(offered).not.toContain("install_template");
    await writerClient.close();
    const refused = await rawRequest(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${writer}`, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "install_template", arguments: { templateId: SALESFORCE_TO_MAILCHIMP } } }),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:cycles"');
    expect(sandbox.cycles("umbrella-9001")).toHaveLength(0);

    const integrator = await connect(await mint("cyclr:read cyclr:write cyclr:cycles"));
    const installed = structured(await call(integrator, "install_template", { templateId: SALESFORCE_TO_MAILCHIMP }));
    const cycleId: string = installed.cycleId;
    await call(integrator, "authenticate_connector", { accountConnectorId: installed.setup.connectors[1].accountConnectorId, apiKey: "k-0002" });
    const step = sandbox.cycle("umbrella-9001", cycleId)!.steps[1]!;
    // Salesforce is OAuth: the person approves on the consent page.
    await approveOAuthLink(structured(await call(integrator, "create_oauth_link", { accountConnectorId: installed.setup.connectors[0].accountConnectorId })).url, "approve");
    expect(structured(await call(integrator, "set_step_value", { cycleId, stepId: step.Id, parameter: "List", choice: "Customers" })).outcome).toBe("set");
    expect(structured(await call(integrator, "activate_cycle", { cycleId, confirm: true })).outcome).toBe("activated");
    expect(structured(await call(integrator, "pause_cycle", { cycleId, confirm: true })).outcome).toBe("paused");
    // Pinned to its account: another account's cycle is out of reach, whatever the arguments say.
    const elsewhere = await call(integrator, "get_cycle", { cycleId, accountId: "acme-sandbox" });
    expect(text(elsewhere)).toContain("pinned to account umbrella-9001");
    await integrator.close();

    const audit = server
      .stderr()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "audit" && line.subject === "integrator-1");
    const cycleLines = audit.filter((line) => ["install_template", "set_step_value", "activate_cycle", "pause_cycle"].includes(line.tool as string));
    expect(cycleLines.map((line) => [line.tool, line.outcome, line.cycle])).toEqual([
      ["install_template", "insufficient_scope", undefined],
      ["install_template", "ok", cycleId],
      ["set_step_value", "ok", cycleId],
      ["activate_cycle", "ok", cycleId],
      ["pause_cycle", "ok", cycleId],
    ]);
    for (const line of cycleLines) expect(line).toMatchObject({ account: "umbrella-9001", client: "acme-app" });
  });
});
