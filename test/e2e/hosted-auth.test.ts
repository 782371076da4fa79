/**
 * Hosted mode's JWT access tokens end to end, over HTTP against the built CLI: tokens from an
 * issuer (a test issuer on loopback whose keys the test holds) refused for each failed check with
 * the check named; an unreachable JWKS (503, never 500; /readyz fails); HS256 tokens minted by a
 * partner's backend as the README shows; tokens without the account claim; and the audit trail of a
 * whole session, one line per call and no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { SignJWT, UnsecuredJWT } from "jose";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { startTokenIssuer, type TokenIssuer } from "../token-issuer.js";
import { rawRequest, sandboxEnv, spawnHttpServer, structured, type HttpServerUnderTest } from "../helpers.js";

const SECRET = "partner-shared-secret-0123456789abcdef";
const STATIC_TOKEN = "static-backend-token-0123456789";
let sandbox: Sandbox;
let issuer: TokenIssuer;

beforeAll(async () => {
  sandbox = await startSandbox();
  issuer = await startTokenIssuer();
});
afterAll(async () => {
  await issuer?.close();
  await sandbox?.close();
});

const initialize = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "hosted-auth-tests", version: "0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}
const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;

/** The README's example of a partner backend minting a customer's token (jose's SignJWT). */
async function mintCustomerToken(customer: { userId: string; cyclrAccountId: string }, options: { audience: string; scope?: string; secret?: string }): Promise<string> {
  return new SignJWT({ scope: options.scope ?? "cyclr:read cyclr:write", cyclr_account: customer.cyclrAccountId, azp: "acme-app" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(customer.userId)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

describe("tokens from an issuer", () => {
  let server: HttpServerUnderTest;
  beforeAll(async () => {
    server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_ISSUER: issuer.issuer, CYCLR_LOG_FORMAT: "json" }) });
  });
  afterAll(() => server?.stop());

  it("picks up a rotated key without a restart: a token with an unknown kid refetches the keys, at most once per 30 s", async () => {
    const claims = { sub: "rotation", cyclr_account: sandbox.accountId, scope: "cyclr:read" };
    const status = async (token: string) =>
      (await rawRequest(server.url, { method: "POST", headers: { ...mcpHeaders, authorization: `Bearer ${token}` }, body: initialize })).status;
    expect(await status(await issuer.mint(claims, server.url))).toBe(200);
    await issuer.rotate();
    const rotated = await issuer.mint(claims, server.url);
    // jose refetches for an unknown kid once its 30 s cooldown since the last fetch has passed.
    await new Promise((resolve) => setTimeout(resolve, 31_000));
    const fetchesBefore = issuer.jwksFetches();
    expect(await status(rotated)).toBe(200);
    expect(await status(rotated)).toBe(200);
    expect(issuer.jwksFetches() - fetchesBefore).toBe(1);
  }, 60_000);

  it("refuses each failed check with 401 invalid_token naming it, and never echoes or logs the token", async () => {
    const aud = server.url;
    const claims = { sub: "alice", cyclr_account: sandbox.accountId };
    const cases: [Promise<string> | string, string][] = [
      ["eyJub3QiOiJhIHRva2VuIn0.e30.x", "is malformed"],
      [issuer.mint(claims, aud, { expires: "-5m" }), "has expired (exp)"],
      [issuer.mint(claims, aud, { notBefore: "10m" }), "is not yet valid (nbf)"],
      [issuer.mint(claims, "https://other.example.com/mcp"), "was issued for another audience (aud)"],
      [issuer.mint(claims, aud, { issuer: "https://evil.example.com" }), "is from another issuer (iss)"],
      [issuer.mint(claims, aud, { key: issuer.strangerKey, kid: "not-published" }), "unknown kid"],
      [new UnsecuredJWT(claims).setIssuer(issuer.issuer).setAudience(aud).setExpirationTime("5m").encode(), "is unsigned (alg none)"],
      [issuer.mint(claims, aud, { alg: "HS256", kid: "r1", key: new TextEncoder().encode(issuer.rsaPublicPem) }), "is signed with HS256, a shared-secret algorithm"],
    ];
    for (const [pending, named] of cases) {
      const token = await pending;
      const refused = await rawRequest(server.url, { method: "POST", headers: { ...mcpHeaders, authorization: `Bearer ${token}` }, body: initialize });
      expect(refused.status, named).toBe(401);
      expect(refused.headers["www-authenticate"]).toMatch(new RegExp(`^Bearer error="invalid_token", error_description="The access token [^"]*${named.replace(/[()]/g, "\\$&")}`));
      expect(refused.body + refused.headers["www-authenticate"]).not.toContain(token);
      expect(server.stderr()).not.toContain(token);
    }
  });

  it("accepts a good one, refuses neither scope with 403, and serves its metadata", async () => {
    const client = await connect(server.url, await issuer.mint({ sub: "alice", cyclr_account: sandbox.accountId }, server.url));
    expect(structured(await call(client, "list_account_connectors"))).toMatchObject({ accountId: sandbox.accountId });
    await client.close();
    const noScope = await rawRequest(server.url, {
      method: "POST",
      headers: { ...mcpHeaders, authorization: `Bearer ${await issuer.mint({ sub: "alice", scope: "openid", cyclr_account: sandbox.accountId }, server.url)}` },
      body: initialize,
    });
    expect(noScope.status).toBe(403);
    expect(noScope.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:read cyclr:write cyclr:cycles"');
    expect((await rawRequest(`${server.origin}/.well-known/oauth-protected-resource/mcp`)).status).toBe(200);
  });
});

describe("an issuer whose keys cannot be had", () => {
  it("makes /readyz fail and calls answer 503, never 500", async () => {
    const dead = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_ISSUER: "http://127.0.0.1:9" }) });
    try {
      const ready = await rawRequest(`${dead.origin}/readyz`);
      expect(ready.status).toBe(503);
      const token = await issuer.mint({ sub: "alice", cyclr_account: sandbox.accountId }, dead.url, { issuer: "http://127.0.0.1:9" });
      const refused = await rawRequest(dead.url, { method: "POST", headers: { ...mcpHeaders, authorization: `Bearer ${token}` }, body: initialize });
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("5");
      expect(JSON.parse(refused.body)).toMatchObject({ id: 7, error: { code: -32000 } });
    } finally {
      await dead.stop();
    }
  });
});

describe("HS256 tokens minted by a partner's backend (MCP_HTTP_AUTH_JWT_SECRET)", () => {
  let server: HttpServerUnderTest;
  beforeAll(async () => {
    server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_JWT_SECRET: SECRET, MCP_HTTP_TOKENS: STATIC_TOKEN, CYCLR_LOG_FORMAT: "json" }) });
  });
  afterAll(() => server?.stop());

  it("pin each customer's session to their account; there is no metadata (404)", async () => {
    const client = await connect(server.url, await mintCustomerToken({ userId: "customer-42", cyclrAccountId: sandbox.otherAccountId }, { audience: server.url }));
    expect(structured(await call(client, "list_account_connectors"))).toMatchObject({ accountId: sandbox.otherAccountId });
    const elsewhere = await call(client, "list_account_connectors", { accountId: sandbox.accountId });
    expect(elsewhere.isError).toBe(true);
    await client.close();
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) expect((await rawRequest(`${server.origin}${path}`)).status).toBe(404);
  });

  it("refuse another algorithm, another secret, and a token without the account claim (no allow-list)", async () => {
    const es256 = await issuer.mint({ sub: "customer-42", cyclr_account: sandbox.accountId }, server.url);
    const wrongSecret = await mintCustomerToken({ userId: "customer-42", cyclrAccountId: sandbox.accountId }, { audience: server.url, secret: "not-the-shared-secret-0123456789abcdef" });
    const noAccount = await new SignJWT({ scope: "cyclr:write" }).setProtectedHeader({ alg: "HS256" }).setSubject("customer-42").setAudience(server.url).setExpirationTime("5m").sign(new TextEncoder().encode(SECRET));
    const answers = await Promise.all(
      [es256, wrongSecret, noAccount].map((token) => rawRequest(server.url, { method: "POST", headers: { ...mcpHeaders, authorization: `Bearer ${token}` }, body: initialize })),
    );
    expect(answers.map((a) => a.status)).toEqual([401, 401, 403]);
    expect(answers[0]?.headers["www-authenticate"]).toMatch(/is signed with ES256: this server accepts only HS256/);
    expect(answers[1]?.headers["www-authenticate"]).toMatch(/signature that does not verify/);
    expect(JSON.parse(answers[2]?.body ?? "{}").error.message).toMatch(/names no Cyclr account/);
  });

  it("writes one audit line per tool call of a whole session, with who, which client, account, tool, outcome and time, and no secret", async () => {
    const token = await mintCustomerToken({ userId: "customer-7", cyclrAccountId: sandbox.accountId }, { audience: server.url });
    const client = await connect(server.url, token);
    const needle = "zq-needle-argument-value";
    await call(client, "list_connectors", { query: needle });
    await call(client, "list_account_connectors");
    const missing = await call(client, "get_account_connector", { accountConnectorId: 987654 });
    expect(missing.isError).toBe(true);
    // Turned away by the SDK before any tool runs: arguments that do not fit, a tool that does not exist.
    expect((await call(client, "get_account_connector", { accountConnectorId: needle })).isError).toBe(true);
    await client.callTool({ name: "no_such_tool", arguments: { note: needle } }).catch(() => undefined);
    await client.close();
    // A read-only customer, refused a write before MCP sees it: that call is in the trail too.
    const reader = await mintCustomerToken({ userId: "customer-7", cyclrAccountId: sandbox.accountId }, { audience: server.url, scope: "cyclr:read" });
    const readerClient = await connect(server.url, reader);
    expect((await readerClient.listTools()).tools.map((t) => t.name)).not.toContain("install_connector");
    await readerClient.close();
    const refused = await rawRequest(server.url, {
      method: "POST",
      headers: { ...mcpHeaders, authorization: `Bearer ${reader}`, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "install_connector", arguments: { connectorId: 1, name: needle } } }),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:write"');
    // The static token beside the JWTs: labelled by its hash.
    const backend = await connect(server.url, STATIC_TOKEN);
    await call(backend, "list_account_connectors");
    await backend.close();

    const lines = server.stderr().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const audit = lines.filter((line) => line.msg === "audit");
    const customer = audit.filter((line) => line.subject === "customer-7");
    expect(customer.map((line) => [line.tool, line.outcome])).toEqual([
      ["list_connectors", "ok"],
      ["list_account_connectors", "ok"],
      ["get_account_connector", "CYCLR_HTTP_ERROR"],
      ["get_account_connector", "rejected"],
      ["no_such_tool", "rejected"],
      ["install_connector", "insufficient_scope"],
    ]);
    for (const line of customer) {
      expect(line).toMatchObject({ level: "info", client: "acme-app", account: sandbox.accountId, subject: "customer-7" });
      expect(Object.keys(line).sort()).toEqual(["account", "client", "level", "ms", "msg", "outcome", "requestId", "subject", "time", "tool"]);
      expect(typeof line.requestId).toBe("string");
      expect(typeof line.ms).toBe("number");
    }
    expect(audit.filter((line) => typeof line.subject === "string" && /^token:[0-9a-f]{8}$/.test(line.subject))).toHaveLength(1);
    const log = server.stderr();
    for (const secret of [token, reader, SECRET, STATIC_TOKEN, sandbox.clientSecret, needle]) expect(log).not.toContain(secret);
  });
});

describe("tokens without the account claim", () => {
  it("act on the accounts CYCLR_ACCOUNT_ALLOWLIST allows, and no other", async () => {
    const server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_JWT_SECRET: SECRET, CYCLR_ACCOUNT_ALLOWLIST: sandbox.accountId }) });
    try {
      const token = await new SignJWT({ scope: "cyclr:read" }).setProtectedHeader({ alg: "HS256" }).setSubject("support-1").setAudience(server.url).setExpirationTime("5m").sign(new TextEncoder().encode(SECRET));
      const client = await connect(server.url, token);
      expect(structured(await call(client, "list_account_connectors", { accountId: sandbox.accountId }))).toMatchObject({ accountId: sandbox.accountId });
      expect((await call(client, "list_account_connectors", { accountId: sandbox.otherAccountId })).isError).toBe(true);
      await client.close();
    } finally {
      await server.stop();
    }
  });
});
