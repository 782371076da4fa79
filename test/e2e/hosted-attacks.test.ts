/**
 * Hosted mode under attack: each fault found when it was attacked on loopback, as the attacker
 * tried it, against the built server over HTTP (and over stdio where the fault was not only
 * hosted). Each test failed before its fix.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink } from "../../src/sandbox/consent-driver.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, rawRequest, sandboxEnv, spawnHttpServer, spawnServer, structured, text, type HttpServerUnderTest } from "../helpers.js";

const TOKEN_A = "tenant-a-token-0123456789abcdef";
const TOKEN_B = "tenant-b-token-0123456789abcdef";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const initialize = (id: number | string = 1) =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
const ping = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, method: "ping" });

let sandbox: Sandbox;
const servers: HttpServerUnderTest[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  sandbox.clearFaults();
  await Promise.allSettled(servers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await sandbox?.close();
});

async function hosted(env: Record<string, string> = {}): Promise<HttpServerUnderTest> {
  const server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_TOKENS: `${TOKEN_A},${TOKEN_B}`, ...env }) });
  servers.push(server);
  return server;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A raw session: initialize, and nothing else (no event stream). */
async function rawSession(server: HttpServerUnderTest, token: string): Promise<{ status: number; sessionId?: string; body: string; retryAfter?: string }> {
  const opened = await rawRequest(server.url, { method: "POST", headers: { ...mcpHeaders, ...bearer(token) }, body: initialize(7) });
  const sessionId = opened.headers["mcp-session-id"];
  const retryAfter = opened.headers["retry-after"];
  return { status: opened.status, body: opened.body, ...(typeof sessionId === "string" && { sessionId }), ...(typeof retryAfter === "string" && { retryAfter }) };
}

async function pingSession(server: HttpServerUnderTest, token: string, sessionId: string): Promise<number> {
  return (await rawRequest(server.url, { method: "POST", headers: { ...mcpHeaders, ...bearer(token), "mcp-session-id": sessionId }, body: ping(2) })).status;
}

describe("one tenant cannot change another's results through the redactor", () => {
  it("a 'secret' that is a word of the protocol, in a failed call, poisons nothing (hosted)", async () => {
    const server = await hosted();
    const attacker = await server.connect(bearer(TOKEN_A));
    const victim = await server.connect(bearer(TOKEN_B));
    const installed = structured(await call(victim, "install_connector", { allowDuplicate: true, connectorId: 1001 }));

    for (const word of ["needs_authentication", "needs_properties", "Pipedrive", "create_credential_link"]) {
      const poison = await call(attacker, "authenticate_connector", { accountConnectorId: 999999, apiKey: word });
      expect(poison.isError).toBe(true);
    }
    // The SDK client checks structuredContent against the output schema: a broken shape would throw here.
    const seen = await call(victim, "get_account_connector", { accountConnectorId: installed.accountConnectorId });
    expect(structured(seen).setup.state).toBe("needs_properties");
    expect(text(seen)).not.toContain("[redacted]");
    const catalog = await call(victim, "list_connectors", { query: "pipedrive" });
    expect(text(catalog)).toMatch(/Pipedrive \(id 1001/);
    // The attacker's own later results are unharmed too: a failed call registers nothing.
    expect(structured(await call(attacker, "get_account_connector", { accountConnectorId: installed.accountConnectorId })).setup.state).toBe("needs_properties");
  });

  it("a key the caller really used is hidden from its own session only, and results keep their shape", async () => {
    const server = await hosted();
    const attacker = await server.connect(bearer(TOKEN_A));
    const victim = await server.connect(bearer(TOKEN_B));
    const target = structured(await call(attacker, "install_connector", { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] }));
    // Cyclr accepts any key: "ready" and "Pipedrive" become secrets of the attacker's session.
    expect((await call(attacker, "authenticate_connector", { accountConnectorId: target.accountConnectorId, apiKey: "ready" })).isError).toBeFalsy();
    expect((await call(attacker, "authenticate_connector", { accountConnectorId: target.accountConnectorId, apiKey: "Pipedrive" })).isError).toBeFalsy();
    const own = structured(await call(attacker, "get_account_connector", { accountConnectorId: target.accountConnectorId }));
    expect(own.setup.state).toBe("ready");
    expect(structured(await call(victim, "get_account_connector", { accountConnectorId: target.accountConnectorId })).setup.state).toBe("ready");
    expect(text(await call(victim, "list_connectors", { query: "pipedrive" }))).toMatch(/Pipedrive \(id 1001/);
  });

  it("over stdio, a failed call's 'secret' does not poison the session's later results", async () => {
    const stdio = await spawnServer({ env: sandboxEnv(sandbox) });
    try {
      expect((await stdio.call("authenticate_connector", { accountConnectorId: 999999, apiKey: "needs_properties" })).isError).toBe(true);
      const installed = structured(await stdio.call("install_connector", { allowDuplicate: true, connectorId: 1001 }));
      expect(installed.setup.state).toBe("needs_properties");
      expect(text(await stdio.call("get_account_connector", { accountConnectorId: installed.accountConnectorId }))).toContain("needs_properties");
    } finally {
      await stdio.close();
    }
  });
});

describe("secrets quoted upstream in other encodings", () => {
  const KEY = 'enc key+/&<"é>=0001';
  const quoted = [
    Buffer.from(KEY).toString("base64"),
    Buffer.from(KEY).toString("base64url"),
    new URLSearchParams({ k: KEY }).toString().slice(2),
    encodeURIComponent(KEY),
    KEY.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"),
    Buffer.from(`user:${KEY}`).toString("base64"),
  ];

  it("never reach a result, the person's page or the log", async () => {
    const server = await hosted({ CYCLR_LOG_LEVEL: "debug" });
    const client = await server.connect(bearer(TOKEN_A));
    const installed = structured(await call(client, "install_connector", { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] }));
    const echo = JSON.stringify({ Message: `Key rejected: ${quoted.join(" | ")}` });
    sandbox.failRoute({ method: "PUT", path: `/v1.0/account/connectors/${installed.accountConnectorId}`, status: 400, body: echo, times: 2 });

    const refused = await call(client, "authenticate_connector", { accountConnectorId: installed.accountConnectorId, apiKey: KEY });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("[redacted]");

    const link = structured(await call(client, "create_credential_link", { accountConnectorId: installed.accountConnectorId }));
    const page = await fillCredentialPage(link.url, { apiKey: KEY });
    expect(page.status).toBe(400);
    expect(page.html).toContain("[redacted]");

    for (const form of [KEY, ...quoted]) {
      expect(JSON.stringify(refused), "the tool result").not.toContain(form);
      expect(page.html, "the person's page").not.toContain(form.replace(/&/g, "&amp;"));
      expect(page.html, "the person's page").not.toContain(form);
      expect(server.stderr(), "the log").not.toContain(form);
    }
  });
});

describe("the session cap", () => {
  it("closes the least recently used idle session of a token to make room", async () => {
    const server = await hosted({ MCP_HTTP_MAX_SESSIONS_PER_TOKEN: "3" });
    const first = await rawSession(server, TOKEN_A);
    const second = await rawSession(server, TOKEN_A);
    const third = await rawSession(server, TOKEN_A);
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect(await pingSession(server, TOKEN_A, first.sessionId ?? "")).toBe(200); // now second is the least recently used
    const fourth = await rawSession(server, TOKEN_A);
    expect(fourth.status).toBe(200);
    expect(await pingSession(server, TOKEN_A, second.sessionId ?? "")).toBe(404);
    expect(await pingSession(server, TOKEN_A, first.sessionId ?? "")).toBe(200);
    // Another token's sessions are not touched by this one's.
    expect((await rawSession(server, TOKEN_B)).status).toBe(200);
  });

  it("answers 429 with Retry-After when every session is in use, and 2,000 attempts leave it bounded", async () => {
    const server = await hosted({ MCP_HTTP_MAX_SESSIONS_PER_TOKEN: "2", MCP_HTTP_MAX_SESSIONS: "3" });
    // The SDK client keeps an event stream open: its session is in use, never closed to make room.
    const clients = [await server.connect(bearer(TOKEN_A)), await server.connect(bearer(TOKEN_A))];
    const refused = await rawSession(server, TOKEN_A);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toMatch(/^\d+$/);
    expect(JSON.parse(refused.body)).toMatchObject({ id: 7, error: { message: expect.stringContaining("MCP_HTTP_MAX_SESSIONS_PER_TOKEN") } });
    // The whole server's cap: one more for B fits, then none.
    await server.connect(bearer(TOKEN_B));
    const full = await rawSession(server, TOKEN_B);
    expect(full.status).toBe(429);
    expect(full.body).toContain("MCP_HTTP_MAX_SESSIONS");

    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => rawSession(server, batch % 2 ? TOKEN_A : TOKEN_B)));
      for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 429: 2000 });
    // The sessions in use still work.
    for (const client of clients) expect(structured(await call(client, "list_connectors", { query: "hubspot" })).connectors.length).toBeGreaterThan(0);
  }, 60_000);
});

describe("the credential pages' rate limit", () => {
  async function link(server: HttpServerUnderTest): Promise<string> {
    const client = await server.connect(bearer(TOKEN_A));
    const installed = structured(await call(client, "install_connector", { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] }));
    return structured(await call(client, "create_credential_link", { accountConnectorId: installed.accountConnectorId })).url;
  }

  it("never refuses a valid link, whatever others guessed from the same address", async () => {
    const server = await hosted();
    const url = await link(server);
    const bogus = `${server.origin}/credentials/${"x".repeat(43)}`;
    const guesses = await Promise.all(Array.from({ length: 30 }, () => rawRequest(bogus)));
    expect(guesses.map((g) => g.status)).toContain(429);
    expect((await rawRequest(url)).status).toBe(200);
    expect((await fillCredentialPage(url, { apiKey: "rate-limit-key-0001" })).status).toBe(200);
  });

  it("behind a trusted proxy, one client's guesses do not limit another", async () => {
    const server = await hosted({ MCP_HTTP_TRUST_PROXY: "1" });
    const bogus = `${server.origin}/credentials/${"y".repeat(43)}`;
    const guess = (client: string) => rawRequest(bogus, { headers: { "x-forwarded-for": `203.0.113.9, ${client}` } });
    const fromOne = await Promise.all(Array.from({ length: 25 }, () => guess("198.51.100.1")));
    expect(fromOne.map((g) => g.status)).toContain(429);
    expect((await guess("198.51.100.2")).status).toBe(404);
  });
});

describe("limits on calls in flight", () => {
  it("past the per-session and per-token limits a call gets a clear error, and the others go on", async () => {
    const server = await hosted({ MCP_HTTP_MAX_CALLS_PER_SESSION: "3", MCP_HTTP_MAX_CALLS_PER_TOKEN: "4" });
    const one = await server.connect(bearer(TOKEN_A));
    const two = await server.connect(bearer(TOKEN_A));
    const installed = structured(await call(one, "install_connector", { allowDuplicate: true, connectorId: 1007 }));
    const oauth = structured(await call(one, "create_oauth_link", { accountConnectorId: installed.accountConnectorId }));
    const wait = (client: Client) =>
      call(client, "get_account_connector", { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 20 }).then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error: String(error) }),
      );
    const first = [wait(one), wait(one), wait(one)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const overSession = await wait(one);
    expect(overSession).toMatchObject({ ok: false, error: expect.stringMatching(/Too many requests in flight for this session.*MCP_HTTP_MAX_CALLS_PER_SESSION/s) });
    const fourth = wait(two);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const overToken = await wait(two);
    expect(overToken).toMatchObject({ ok: false, error: expect.stringMatching(/Too many requests in flight for this token.*MCP_HTTP_MAX_CALLS_PER_TOKEN/s) });
    // Another token is not held back by this one.
    const other = await server.connect(bearer(TOKEN_B));
    expect(structured(await call(other, "list_connectors", { query: "xero" })).connectors.length).toBeGreaterThan(0);

    await approveOAuthLink(oauth.url, "approve");
    for (const waited of await Promise.all([...first, fourth])) {
      expect(waited.ok && structured(waited.result).waited.outcome).toBe("done");
    }
  }, 40_000);
});

describe("shutdown", () => {
  it("answers a long wait in flight that the server is restarting, serves 503 meanwhile, and lets a write finish", async () => {
    const server = await hosted();
    const client = await server.connect(bearer(TOKEN_A));
    const installed = structured(await call(client, "install_connector", { allowDuplicate: true, connectorId: 1007 }));
    await call(client, "create_oauth_link", { accountConnectorId: installed.accountConnectorId });
    const waiting = call(client, "get_account_connector", { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 60 });
    sandbox.injectFault({ method: "POST", path: "/v1.0/connectors/1009/install", delayMs: 2_000 });
    const writing = call(client, "install_connector", { allowDuplicate: true, connectorId: 1009 });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const signalled = Date.now();
    const exited = server.kill("SIGTERM");
    const waited = await waiting;
    expect(waited.isError).toBe(true);
    expect(text(waited)).toMatch(/server is restarting.*call it again/is);
    expect(Date.now() - signalled).toBeLessThan(5_000);

    const meanwhile = await rawRequest(server.url, { method: "POST", headers: { ...mcpHeaders, ...bearer(TOKEN_A) }, body: initialize() });
    expect(meanwhile.status).toBe(503);
    expect(meanwhile.headers["retry-after"]).toBe("5");
    expect(JSON.parse(meanwhile.body)).toMatchObject({ id: 1, error: { message: expect.stringContaining("restarting") } });
    expect((await rawRequest(`${server.origin}/readyz`)).status).toBe(503);

    expect(structured(await writing).connector.id).toBe(1009);
    expect(await exited).toBe(0);
  });
});
