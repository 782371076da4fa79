/**
 * Asking the person on 2026-07-28, over HTTP against the built server: the call answers
 * input_required, and the client calls again with the answer and the requestState it was given.
 * The state is checked before any handler runs; one tampered with, replayed, given to another
 * caller or carried to another call is refused, and nothing reaches Cyclr.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, modernRequest, sandboxEnv, spawnHttpServer, type HttpServerUnderTest } from "../helpers.js";

const TOKEN_A = "tenant-a-token-0123456789abcdef";
const TOKEN_B = "tenant-b-token-0123456789abcdef";
const asA = { headers: { authorization: `Bearer ${TOKEN_A}` } };
const asB = { headers: { authorization: `Bearer ${TOKEN_B}` } };
const FORMS = { elicitation: { form: {} } };
const XERO = 1007;
const SALESFORCE = 1003;

let sandbox: Sandbox;
let server: HttpServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_TOKENS: `${TOKEN_A},${TOKEN_B}` }) });
});
afterAll(async () => {
  await server?.stop();
  await sandbox?.close();
});

const callTool = (name: string, args: Record<string, unknown>, options: Parameters<typeof modernRequest>[3] = asA) =>
  modernRequest(server.url, "tools/call", { name, arguments: args }, { capabilities: FORMS, ...options });

async function install(connectorId: number): Promise<number> {
  const { message } = await callTool("install_connector", { connectorId, allowDuplicate: true }, { ...asA, capabilities: {} });
  return (message.result?.structuredContent as { accountConnectorId: number }).accountConnectorId;
}

/** The removals Cyclr was asked for. */
const deletes = (accountConnectorId: number) => sandbox.requests.filter((r) => r.method === "DELETE" && r.path.endsWith(`/account/connectors/${accountConnectorId}`)).length;

/** Round one of remove_account_connector: the form, and the state to carry back. */
async function askToRemove(accountConnectorId: number, options = asA) {
  const { status, message } = await callTool("remove_account_connector", { accountConnectorId, confirm: true }, options);
  expect(status).toBe(200);
  expect(message.result).toMatchObject({ resultType: "input_required", inputRequests: { "ask-1": { method: "elicitation/create", params: { mode: "form" } } } });
  return message.result?.requestState as string;
}

const yes = { "ask-1": { action: "accept", content: { decision: "yes" } } };
const no = { "ask-1": { action: "accept", content: { decision: "no" } } };

describe("a confirmation on 2026-07-28", () => {
  it("is asked in a form even when the assistant passed confirm: true, and the retry with the person's yes removes", async () => {
    const id = await install(XERO);
    const state = await askToRemove(id);
    expect(deletes(id)).toBe(0);
    const { message } = await callTool("remove_account_connector", { accountConnectorId: id, confirm: true }, { ...asA, inputResponses: yes, requestState: state });
    expect(message.result).toMatchObject({ resultType: "complete", structuredContent: { outcome: "removed" } });
    expect(deletes(id)).toBe(1);
  });

  it("a declined confirmation changes nothing, and its state cannot be replayed with a yes", async () => {
    const id = await install(XERO);
    const state = await askToRemove(id);
    const declined = await callTool("remove_account_connector", { accountConnectorId: id, confirm: true }, { ...asA, inputResponses: no, requestState: state });
    expect(declined.message.result).toMatchObject({ structuredContent: { outcome: "cancelled" } });
    const replayed = await callTool("remove_account_connector", { accountConnectorId: id, confirm: true }, { ...asA, inputResponses: yes, requestState: state });
    expect(replayed.message.error).toMatchObject({ code: -32602, message: "Invalid or expired requestState" });
    expect(deletes(id)).toBe(0);
    expect(server.stderr()).toMatch(/already used \(a replay\)/);
  });

  it("a tampered state is refused before anything runs", async () => {
    const id = await install(XERO);
    const state = await askToRemove(id);
    // Change the signed payload (its caller, say) and keep the signature.
    const [version, payload, mac] = state.split(".");
    const decoded = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8"));
    decoded.p.args = "someone-else";
    const forged = `${version}.${Buffer.from(JSON.stringify(decoded)).toString("base64url")}.${mac}`;
    for (const requestState of [forged, `${state}x`, "v1.e30.AAAA", "not a state"]) {
      const { status, message } = await callTool("remove_account_connector", { accountConnectorId: id, confirm: true }, { ...asA, inputResponses: yes, requestState });
      expect(status, requestState).toBe(200);
      expect(message.error, requestState).toMatchObject({ code: -32602 });
    }
    expect(deletes(id)).toBe(0);
  });

  it("a state given to one caller is refused for another", async () => {
    const id = await install(XERO);
    const state = await askToRemove(id, asA);
    const { message } = await callTool("remove_account_connector", { accountConnectorId: id, confirm: true }, { ...asB, inputResponses: yes, requestState: state });
    expect(message.error).toMatchObject({ code: -32602 });
    expect(deletes(id)).toBe(0);
    expect(server.stderr()).toMatch(/minted for another caller/);
  });

  it("a state carried to another call (other arguments, another tool) confirms nothing there", async () => {
    const asked = await install(XERO);
    const other = await install(XERO);
    const toOther = await callTool("remove_account_connector", { accountConnectorId: other, confirm: true }, { ...asA, inputResponses: yes, requestState: await askToRemove(asked) });
    expect(toOther.message.result).toMatchObject({ isError: true });
    expect(JSON.stringify(toOther.message.result)).toMatch(/belongs to another call \(other arguments\)/);
    const toReconnect = await callTool("reconnect_connector", { accountConnectorId: asked, confirm: true }, { ...asA, inputResponses: yes, requestState: await askToRemove(asked) });
    expect(JSON.stringify(toReconnect.message.result)).toMatch(/belongs to another call \(the tool remove_account_connector\)/);
    expect(deletes(asked) + deletes(other)).toBe(0);
    expect(sandbox.requests.filter((r) => r.method === "PUT" && r.path.endsWith(`/${asked}/deauthenticate`))).toEqual([]);
  });

  it("an answer the server never asked for is not taken: without a state the person is asked", async () => {
    const id = await install(XERO);
    const { message } = await callTool("remove_account_connector", { accountConnectorId: id }, { ...asA, inputResponses: yes });
    expect(message.result).toMatchObject({ resultType: "input_required" });
    expect(deletes(id)).toBe(0);
  });
});

describe("a write before the question", () => {
  it("install_connector installs once: the round after the settings form carries the install", async () => {
    const installs = () => sandbox.requests.filter((r) => r.method === "POST" && r.path === `/v1.0/connectors/${SALESFORCE}/install`).length;
    const before = installs();
    const first = await callTool("install_connector", { connectorId: SALESFORCE, allowDuplicate: true });
    expect(first.message.result).toMatchObject({ resultType: "input_required", inputRequests: { "ask-1": { params: { mode: "form" } } } });
    const retried = await callTool(
      "install_connector",
      { connectorId: SALESFORCE, allowDuplicate: true },
      { ...asA, inputResponses: { "ask-1": { action: "accept", content: { isSandbox: "false" } } }, requestState: first.message.result?.requestState as string },
    );
    expect(retried.message.result).toMatchObject({ resultType: "complete", structuredContent: { form: { outcome: "filled", results: [{ name: "isSandbox", outcome: "set" }] } } });
    expect(retried.message.result?.structuredContent).not.toHaveProperty("existing");
    expect(installs() - before).toBe(1);
    // What travels through the client is signed, not sealed: it holds no secret.
    const payload = Buffer.from((first.message.result?.requestState as string).split(".")[1] ?? "", "base64url").toString("utf8");
    expect(payload).not.toContain(sandbox.clientSecret);
  });
});

describe("a wait for the person on 2026-07-28", () => {
  it("goes on in short rounds of the call (input_required with a state alone), and the round after the person finished answers done", async () => {
    const found = await callTool("list_connectors", { query: "mailchimp", pageSize: 1 });
    const connectorId = (found.message.result?.structuredContent as { connectors: { id: number }[] }).connectors[0]?.id as number;
    const accountConnectorId = await install(connectorId);
    // A client without URL elicitation: the link comes in the result, for the person to open.
    const link = await callTool("create_credential_link", { accountConnectorId }, { ...asA, capabilities: {} });
    const url = (link.message.result?.structuredContent as { url: string }).url;

    const started = Date.now();
    const first = await callTool("get_account_connector", { accountConnectorId, waitForAuthentication: 40 });
    // The first round held the request for a short while only, and asks for nothing: call again.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(first.message.result).toMatchObject({ resultType: "input_required" });
    expect(first.message.result?.inputRequests).toBeUndefined();
    const state = first.message.result?.requestState as string;
    expect(state).toEqual(expect.any(String));

    expect((await fillCredentialPage(url, { apiKey: "mc-key-typed-between-rounds" })).status).toBe(200);
    const second = await callTool("get_account_connector", { accountConnectorId, waitForAuthentication: 40 }, { ...asA, requestState: state });
    expect(second.message.result).toMatchObject({ resultType: "complete", structuredContent: { authenticated: true, waited: { outcome: "done" } } });
    // The rounds' time adds up: the second round knows how long the first one waited.
    expect((second.message.result?.structuredContent as { waited: { seconds: number } }).waited.seconds).toBeGreaterThanOrEqual(10);

    // The state was spent by the second round: a replay is refused before anything runs.
    const replay = await callTool("get_account_connector", { accountConnectorId, waitForAuthentication: 40 }, { ...asA, requestState: state });
    expect(replay.message.error?.code).toBe(-32602);
  }, 60_000);
});
