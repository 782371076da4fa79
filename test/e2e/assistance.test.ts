/**
 * How the server helps beyond tool results: the setup_connector prompt, completions, the installed
 * connector resource, asking the person through the client (form and URL elicitation), and waiting
 * for a sign-in with progress and cancellation. Built server over stdio, sandbox over loopback.
 */
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink } from "../../src/sandbox/consent-driver.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, sandboxEnv, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;
const SALESFORCE = 1003;
const SUGARCRM = 1005;
const XERO = 1007;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

function promptText(result: { messages: { content: { type: string; text?: string } }[] }): string {
  return result.messages.map((m) => m.content.text ?? "").join("\n");
}

describe("the setup_connector prompt", () => {
  it("is listed with its arguments", async () => {
    const { prompts } = await server.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["setup_connector"]);
    expect(prompts[0]?.arguments).toEqual([
      expect.objectContaining({ name: "connector", required: true }),
      expect.objectContaining({ name: "accountId", required: false }),
    ]);
  });

  it("walks through a connector found from a misspelled name: properties, their allowed values, the calls in order", async () => {
    const text = promptText(await server.client.getPrompt({ name: "setup_connector", arguments: { connector: "salesforse" } }));
    expect(text).toContain(`Salesforce connector (id ${SALESFORCE})`);
    expect(text).toContain("isSandbox");
    expect(text).toMatch(/One of: true, false/);
    const order = ["list_account_connectors", "install_connector", "set_connector_properties", "create_oauth_link", "get_account_connector"].map((tool) =>
      text.indexOf(tool),
    );
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("marks secrets and explains a password-credentials sign-in", async () => {
    const text = promptText(await server.client.getPrompt({ name: "setup_connector", arguments: { connector: String(SUGARCRM) } }));
    expect(text).toMatch(/Password.*Secret: the person types it on a credential link.s page, never in the chat/);
    expect(text).toContain("PasswordCredentials");
    expect(text).toContain("sent straight back");
  });

  it("offers a choice between several authentication methods", async () => {
    const text = promptText(await server.client.getPrompt({ name: "setup_connector", arguments: { connector: "hubspot" } }));
    expect(text).toMatch(/authenticationId "[^"]+"/);
    expect(text).toContain("authenticate_connector");
    expect(text).toContain("create_oauth_link");
  });

  it("says when nothing matches", async () => {
    await expect(server.client.getPrompt({ name: "setup_connector", arguments: { connector: "qqqqqqqq" } })).rejects.toThrow(/No connector .* matches "qqqqqqqq".*list_connectors/);
  });
});

describe("completions", () => {
  it("completes the prompt's connector from catalog names", async () => {
    const { completion } = await server.client.complete({ ref: { type: "ref/prompt", name: "setup_connector" }, argument: { name: "connector", value: "hubs" } });
    expect(completion.values[0]).toBe("HubSpot");
    const typo = await server.client.complete({ ref: { type: "ref/prompt", name: "setup_connector" }, argument: { name: "connector", value: "zendsk" } });
    expect(typo.completion.values).toContain("Zendesk");
  });

  it("completes a connector id from a name or from digits", async () => {
    const ref = { type: "ref/resource" as const, uri: "cyclr://connectors/{connectorId}" };
    const byName = await server.client.complete({ ref, argument: { name: "connectorId", value: "sales force" } });
    expect(byName.completion.values[0]).toBe(String(SALESFORCE));
    const byDigits = await server.client.complete({ ref, argument: { name: "connectorId", value: "100" } });
    expect(byDigits.completion.values).toContain(String(SALESFORCE));
    expect(byDigits.completion.values.every((id) => id.startsWith("100"))).toBe(true);
  });

  it("completes installed account connector ids in the account named", async () => {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: XERO, name: "Xero for completions" }));
    const ref = { type: "ref/resource" as const, uri: "cyclr://accounts/{accountId}/connectors/{accountConnectorId}" };
    const account = await server.client.complete({ ref, argument: { name: "accountId", value: "acme" } });
    expect(account.completion.values).toEqual([sandbox.accountId]);
    const byName = await server.client.complete({
      ref,
      argument: { name: "accountConnectorId", value: "completions" },
      context: { arguments: { accountId: sandbox.accountId } },
    });
    expect(byName.completion.values).toEqual([String(installed.accountConnectorId)]);
  });
});

describe("the installed connector resource", () => {
  it("reads an account connector with its setup state", async () => {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: SALESFORCE }));
    const uri = `cyclr://accounts/${sandbox.accountId}/connectors/${installed.accountConnectorId}`;
    const read = await server.client.readResource({ uri });
    const content = read.contents[0];
    const body = JSON.parse(content && "text" in content ? content.text : "");
    expect(body).toMatchObject({ accountConnectorId: installed.accountConnectorId, connector: { id: SALESFORCE }, setup: { state: "needs_properties" } });
    const missing = `cyclr://accounts/${sandbox.accountId}/connectors/999999`;
    await expect(server.client.readResource({ uri: missing })).rejects.toMatchObject({ code: -32602, data: { uri: missing }, message: expect.stringMatching(/Account connector 999999 was not found/) });
  });
});

describe("waiting for the person to authenticate", () => {
  async function oauthLink(): Promise<{ accountConnectorId: number; url: string }> {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: XERO }));
    const link = structured(await server.call("create_oauth_link", { accountConnectorId: installed.accountConnectorId }));
    expect(link.setup.nextStep).toMatchObject({ tool: "get_account_connector", arguments: { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 45 } });
    return { accountConnectorId: installed.accountConnectorId, url: link.url };
  }

  it("returns once the person has approved, with progress on the way", async () => {
    const { accountConnectorId, url } = await oauthLink();
    const progress: { progress: number; total?: number; message?: string }[] = [];
    setTimeout(() => void approveOAuthLink(url, "approve"), 1_500);
    const started = Date.now();
    const result = await server.client.callTool({ name: "get_account_connector", arguments: { accountConnectorId, waitForAuthentication: 60 } }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    const done = structured(result as never);
    expect(done.waited.outcome).toBe("done");
    expect(done.setup.state).toBe("ready");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatchObject({ total: 60, message: expect.stringContaining("Waiting for the person") });
  });

  it("gives up when the time is up, and says what to do", async () => {
    const { accountConnectorId } = await oauthLink();
    const result = await server.call("get_account_connector", { accountConnectorId, waitForAuthentication: 2 });
    const body = structured(result);
    expect(body.waited.outcome).toBe("timed_out");
    expect(body.setup.state).toBe("needs_authentication");
    expect(text(result)).toMatch(/Not finished after .* follow setup.nextStep/i);
    // The person's link is still valid: the next step is another wait, not a new link.
    expect(body.setup.nextStep).toMatchObject({ tool: "get_account_connector", arguments: { accountConnectorId, waitForAuthentication: 45 } });
  });

  it("does not wait when the missing step is not authentication", async () => {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: SALESFORCE }));
    const body = structured(await server.call("get_account_connector", { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 60 }));
    expect(body.waited).toMatchObject({ outcome: "not_waiting" });
    expect(body.waited.seconds).toBeLessThan(5);
  });

  it("stops polling Cyclr when the caller cancels", async () => {
    const { accountConnectorId } = await oauthLink();
    const path = `/v1.0/account/connectors/${accountConnectorId}`;
    const polls = () => sandbox.requests.filter((r) => r.path === path && r.method === "GET").length;
    const controller = new AbortController();
    const call = server.client.callTool({ name: "get_account_connector", arguments: { accountConnectorId, waitForAuthentication: 120 } }, undefined, {
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    controller.abort();
    await expect(call).rejects.toThrow();
    const afterCancel = polls();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(polls()).toBe(afterCancel);
    expect(server.stderr()).toContain("tool call cancelled");
    expect(server.stderr()).not.toContain("failed unexpectedly");
    // Still serving.
    expect(structured(await server.call("get_account_connector", { accountConnectorId })).setup.state).toBe("needs_authentication");
  });

  it("30 concurrent waits on one account connector share one poll, and all see the person finish", async () => {
    const { accountConnectorId, url } = await oauthLink();
    const path = `/v1.0/account/connectors/${accountConnectorId}`;
    const mark = sandbox.requests.length;
    const calls = Array.from({ length: 30 }, () => server.call("get_account_connector", { accountConnectorId, waitForAuthentication: 60 }));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Alone, each would have looked 3 times by now: 90 requests.
    expect(sandbox.requests.slice(mark).filter((r) => r.method === "GET" && r.path === path).length).toBeLessThan(10);
    await approveOAuthLink(url, "approve");
    const results = await Promise.all(calls);
    expect(results.map((r) => structured(r).waited.outcome)).toEqual(Array(30).fill("done"));
  }, 20_000);
});

describe("asking the person through the client", () => {
  it("form elicitation: missing settings are asked with allowed values as choices, never secrets", async () => {
    const asked: ElicitRequest["params"][] = [];
    const withForms = await spawnServer({
      env: sandboxEnv(sandbox),
      capabilities: { elicitation: { form: {} } },
      prepare: (client) =>
        client.setRequestHandler(ElicitRequestSchema, async (request) => {
          asked.push(request.params);
          const fields = Object.keys((request.params as { requestedSchema: { properties: object } }).requestedSchema.properties);
          const answers: Record<string, string> = { isSandbox: "true", Domain: "acme.sugarcrm.eu", Username: "ana" };
          return { action: "accept", content: Object.fromEntries(fields.map((f) => [f, answers[f] ?? "x"])) };
        }),
    });
    try {
      const salesforce = structured(await withForms.call("install_connector", { allowDuplicate: true, connectorId: SALESFORCE }));
      expect(asked[0]).toMatchObject({
        mode: "form",
        requestedSchema: { properties: { isSandbox: { type: "string", enum: ["true", "false"] } }, required: ["isSandbox"] },
      });
      expect(salesforce.form).toEqual({ outcome: "filled", results: [{ name: "isSandbox", outcome: "set" }] });
      expect(salesforce.setup.nextStep.tool).toBe("create_oauth_link");

      const sugar = structured(await withForms.call("install_connector", { allowDuplicate: true, connectorId: SUGARCRM }));
      const fields = Object.keys((asked[1] as { requestedSchema: { properties: object } }).requestedSchema.properties);
      expect(fields).toEqual(["Domain", "Username"]); // Password is sensitive: never in a form
      expect(sugar.setup).toMatchObject({ state: "needs_properties", missingProperties: [{ name: "Password", sensitive: true }] });

      // Left with only a secret to set, a form has nothing to ask, and the result says which secret is left.
      const rest = await withForms.call("set_connector_properties", { accountConnectorId: sugar.accountConnectorId });
      expect(structured(rest).form).toBe("nothing_to_ask");
      expect(text(rest)).toMatch(/Secret values are never asked for in a form: Password/);
      expect(asked).toHaveLength(2);
    } finally {
      await withForms.close();
    }
  });

  it("form elicitation: a declined form changes nothing and the result says so", async () => {
    const declining = await spawnServer({
      env: sandboxEnv(sandbox),
      capabilities: { elicitation: {} }, // the older declaration: form only
      prepare: (client) => client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "decline" })),
    });
    try {
      const installed = structured(await declining.call("install_connector", { allowDuplicate: true, connectorId: SALESFORCE }));
      expect(installed.form).toEqual({ outcome: "declined", results: [] });
      expect(installed.setup.state).toBe("needs_properties");
      const set = await declining.call("set_connector_properties", { accountConnectorId: installed.accountConnectorId });
      expect(structured(set).form).toBe("declined");
      expect(text(set)).toContain("declined");
    } finally {
      await declining.close();
    }
  });

  it("without elicitation, set_connector_properties asks the assistant for the values instead", async () => {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: SALESFORCE }));
    expect(installed).not.toHaveProperty("form");
    const result = await server.call("set_connector_properties", { accountConnectorId: installed.accountConnectorId });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/ask the person for isSandbox/);
  });

  /**
   * A server whose client has URL elicitation and opens every link it is asked to, keeping what it
   * was asked (opened) and the completions it was told of; `person` does at the link what the person
   * does there, a moment after agreeing to open it.
   */
  async function openingLinks(person: (url: string) => Promise<unknown>) {
    const opened: { mode: string; url: string; elicitationId: string; message: string }[] = [];
    const completed: string[] = [];
    const withUrls = await spawnServer({
      env: sandboxEnv(sandbox),
      capabilities: { elicitation: { url: {} } },
      prepare: (client) => {
        client.setRequestHandler(ElicitRequestSchema, async (request) => {
          const params = request.params as { mode: string; url: string; elicitationId: string; message: string };
          opened.push(params);
          setTimeout(() => void person(params.url), 300);
          return { action: "accept" };
        });
        client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => void completed.push(notification.params.elicitationId));
      },
    });
    return { withUrls, opened, completed };
  }

  it("URL elicitation: the client is asked to open the link, and told when the sign-in completed", async () => {
    // The person approves in the browser.
    const { withUrls, opened, completed } = await openingLinks((url) => approveOAuthLink(url, "approve"));
    try {
      const installed = structured(await withUrls.call("install_connector", { allowDuplicate: true, connectorId: XERO }));
      const link = structured(await withUrls.call("create_oauth_link", { accountConnectorId: installed.accountConnectorId }));
      expect(link.openedByClient).toBe("accepted");
      expect(opened).toEqual([expect.objectContaining({ mode: "url", url: expect.stringContaining("/connectorauth/updateaccountconnectoroauth?id=") })]);
      // The client has the link: its one-time token does not pass through the model.
      expect(link).not.toHaveProperty("url");
      expect(JSON.stringify(link)).not.toContain(new URL(opened[0]?.url ?? "").searchParams.get("token"));
      await expect.poll(() => completed.length, { timeout: 10_000 }).toBe(1);
      expect(completed).toEqual([opened[0]?.elicitationId]);
      expect(structured(await withUrls.call("get_account_connector", { accountConnectorId: installed.accountConnectorId })).setup.state).toBe("ready");
    } finally {
      await withUrls.close();
    }
  });

  it("URL elicitation: the credential page is opened by the client, and the client is told when the person submitted", async () => {
    const { withUrls, opened, completed } = await openingLinks((url) => fillCredentialPage(url, { apiKey: "elicited-key-0001" }));
    try {
      const installed = structured(await withUrls.call("install_connector", { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] }));
      const link = structured(await withUrls.call("create_credential_link", { accountConnectorId: installed.accountConnectorId }));
      expect(link).toMatchObject({ openedByClient: "accepted", asksFor: ["API key"] });
      expect(link).not.toHaveProperty("url");
      expect(opened[0]?.message).toContain("Pipedrive");
      await expect.poll(() => completed.length, { timeout: 10_000 }).toBe(1);
      expect(completed).toEqual([opened[0]?.elicitationId]);
      const done = structured(await withUrls.call("get_account_connector", { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 5 }));
      expect(done).toMatchObject({ authenticated: true, setup: { state: "ready" }, waited: { outcome: "done" } });
      expect(withUrls.stderr()).not.toContain("elicited-key-0001");
    } finally {
      await withUrls.close();
    }
  });
});
