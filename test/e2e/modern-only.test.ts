/**
 * A client that speaks only 2026-07-28, written without the SDK: server/discover first, never
 * initialize, the _meta envelope on every request, no session. It gets the whole surface, over HTTP
 * and over stdio; hosted, the same guards apply to it as to a 2025-11-25 client.
 */
import { spawn } from "node:child_process";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { CLI, MODERN_REVISION, modernRequest, rawRequest, sandboxEnv, spawnHttpServer, TOOL_NAMES, type HttpServerUnderTest } from "../helpers.js";

const SECRET = "a-partner-backend-secret-of-32-bytes-or-more";

let sandbox: Sandbox;
let server: HttpServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_JWT_SECRET: SECRET, CYCLR_LOG_FORMAT: "json" }) });
});
afterAll(async () => {
  await server?.stop();
  await sandbox?.close();
});

/** A partner backend's token for one of its customers (as the README shows). */
function token(scope: string): Promise<string> {
  return new SignJWT({ scope, cyclr_account: sandbox.accountId, azp: "acme-app" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject("user-2026")
    .setAudience(server.url)
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(new TextEncoder().encode(SECRET));
}

describe("a 2026-07-28-only client over HTTP", () => {
  let auth: { headers: Record<string, string> };
  beforeAll(async () => {
    auth = { headers: { authorization: `Bearer ${await token("cyclr:read cyclr:write cyclr:cycles")}` } };
  });

  it("discovers the server, then lists and uses the whole surface with no initialize and no session", async () => {
    const discovered = await modernRequest(server.url, "server/discover", {}, auth);
    expect(discovered.status).toBe(200);
    expect(discovered.message.result).toMatchObject({
      supportedVersions: expect.arrayContaining([MODERN_REVISION]),
      capabilities: { tools: {}, resources: {}, prompts: {}, completions: {}, logging: {} },
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "cyclr-mcp" } },
    });

    const tools = await modernRequest(server.url, "tools/list", {}, auth);
    expect((tools.message.result?.tools as { name: string }[]).map((t) => t.name)).toEqual(TOOL_NAMES);
    const resources = await modernRequest(server.url, "resources/list", {}, auth);
    expect((resources.message.result?.resources as { uri: string }[]).map((r) => r.uri)).toEqual(["cyclr://connectors", "cyclr://reference/auth-types", "cyclr://templates"]);
    const templates = await modernRequest(server.url, "resources/templates/list", {}, auth);
    expect((templates.message.result?.resourceTemplates as unknown[]).length).toBe(5);
    const prompts = await modernRequest(server.url, "prompts/list", {}, auth);
    expect(prompts.message.result?.prompts).toMatchObject([{ name: "setup_connector" }]);
    const read = await modernRequest(server.url, "resources/read", { uri: "cyclr://reference/auth-types" }, auth);
    expect((read.message.result?.contents as { text: string }[])[0]?.text).toContain("OAuth2");
    const prompt = await modernRequest(server.url, "prompts/get", { name: "setup_connector", arguments: { connector: "xero" } }, auth);
    expect(JSON.stringify(prompt.message.result)).toContain("create_oauth_link");
    const completed = await modernRequest(server.url, "completion/complete", { ref: { type: "ref/prompt", name: "setup_connector" }, argument: { name: "connector", value: "xer" } }, auth);
    expect(completed.message.result).toMatchObject({ completion: { values: ["Xero"] } });
    const called = await modernRequest(server.url, "tools/call", { name: "list_connectors", arguments: { query: "xero", pageSize: 1 } }, auth);
    expect(called.message.result).toMatchObject({ resultType: "complete", structuredContent: { connectors: [{ name: "Xero" }] } });

    // No session: nothing to carry from one request to the next, so any replica may answer.
    const raw = await rawRequest(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": MODERN_REVISION, "mcp-method": "tools/list", ...auth.headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": MODERN_REVISION, "io.modelcontextprotocol/clientCapabilities": {} } } }),
    });
    expect(raw.status).toBe(200);
    expect(raw.headers["mcp-session-id"]).toBeUndefined();
  });

  it("is told truthfully how long it may keep each list, and for whom", async () => {
    const hint = async (method: string, params: Record<string, unknown> = {}) => {
      const { message } = await modernRequest(server.url, method, params, auth);
      return { ttlMs: message.result?.ttlMs, cacheScope: message.result?.cacheScope };
    };
    // The tools follow the caller's scope and the client's extensions; the resources the extensions: never shared.
    expect(await hint("tools/list")).toMatchObject({ cacheScope: "private", ttlMs: expect.any(Number) });
    expect(await hint("resources/list")).toMatchObject({ cacheScope: "private" });
    expect(await hint("server/discover")).toMatchObject({ cacheScope: "private" });
    // The prompt and the templates are the same for every caller of this server.
    expect(await hint("prompts/list")).toMatchObject({ cacheScope: "public" });
    expect(await hint("resources/templates/list")).toMatchObject({ cacheScope: "public" });
    // What is read changes while the person works: never kept.
    expect(await hint("resources/read", { uri: "cyclr://connectors" })).toMatchObject({ ttlMs: 0, cacheScope: "private" });
  });

  it("is held to the revision's headers: the protocol version, and a method and name that agree with the body", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "list_accounts", arguments: {}, _meta: { "io.modelcontextprotocol/protocolVersion": MODERN_REVISION, "io.modelcontextprotocol/clientCapabilities": {} } },
    });
    const base = { "content-type": "application/json", accept: "application/json, text/event-stream", ...auth.headers };
    const withoutVersion = await rawRequest(server.url, { method: "POST", headers: { ...base, "mcp-method": "tools/call", "mcp-name": "list_accounts" }, body });
    expect(withoutVersion.status).toBe(400);
    const mismatched = await rawRequest(server.url, { method: "POST", headers: { ...base, "mcp-protocol-version": MODERN_REVISION, "mcp-method": "tools/call", "mcp-name": "create_account" }, body });
    expect(mismatched.status).toBe(400);
    expect(JSON.parse(mismatched.body)).toMatchObject({ id: 7, error: { code: -32020 } });
  });

  it("gets the same guards as a 2025-11-25 client: no token, another Host, a read-only scope; each refusal audited", async () => {
    expect((await modernRequest(server.url, "tools/list", {})).status).toBe(401);
    expect((await modernRequest(server.url, "tools/list", {}, { headers: { ...auth.headers, host: "evil.example:80" } })).status).toBe(403);
    const reader = { headers: { authorization: `Bearer ${await token("cyclr:read")}` } };
    const listed = await modernRequest(server.url, "tools/list", {}, reader);
    const names = (listed.message.result?.tools as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(["list_accounts", "list_connectors", "list_account_connectors", "get_account_connector", "list_templates", "get_cycle", "list_cycles", "get_cycle_activity"]);
    const refused = await modernRequest(server.url, "tools/call", { name: "install_connector", arguments: { connectorId: 1007 } }, reader);
    expect(refused.status).toBe(403);
    expect(refused.message.error).toMatchObject({ code: -32002, message: expect.stringMatching(/cyclr:write/) });
    await expect.poll(() => server.stderr()).toMatch(/"audit".*"subject":"user-2026".*"tool":"install_connector".*"outcome":"insufficient_scope"/);
    const read = await modernRequest(server.url, "tools/call", { name: "list_accounts", arguments: {} }, reader);
    expect(read.message.result).toMatchObject({ resultType: "complete" });
    await expect.poll(() => server.stderr()).toMatch(/"audit".*"subject":"user-2026".*"tool":"list_accounts".*"outcome":"ok"/);
  });
});

describe("a 2026-07-28-only client over stdio", () => {
  it("discovers the server first and is served without initialize", async () => {
    const child = spawn(process.execPath, [CLI], { env: { ...process.env, ...sandboxEnv(sandbox) }, stdio: ["pipe", "pipe", "pipe"] });
    const lines: Record<string, unknown>[] = [];
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      for (let at = buffer.indexOf("\n"); at >= 0; at = buffer.indexOf("\n")) {
        lines.push(JSON.parse(buffer.slice(0, at)));
        buffer = buffer.slice(at + 1);
      }
    });
    const meta = { "io.modelcontextprotocol/protocolVersion": MODERN_REVISION, "io.modelcontextprotocol/clientCapabilities": {} };
    const send = (id: number, method: string, params: Record<string, unknown> = {}) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params: { ...params, _meta: meta } })}\n`);
    const answer = async (id: number) => {
      await expect.poll(() => lines.find((line) => line.id === id), { timeout: 10_000 }).toBeDefined();
      return lines.find((line) => line.id === id) as { result?: Record<string, unknown>; error?: unknown };
    };
    try {
      send(1, "server/discover");
      expect((await answer(1)).result).toMatchObject({ supportedVersions: expect.arrayContaining([MODERN_REVISION]) });
      send(2, "tools/list");
      expect(((await answer(2)).result?.tools as { name: string }[]).map((t) => t.name)).toEqual(TOOL_NAMES);
      send(3, "tools/call", { name: "list_connectors", arguments: { query: "pipedrive", pageSize: 1 } });
      expect((await answer(3)).result).toMatchObject({ structuredContent: { connectors: [{ name: "Pipedrive" }] } });
      send(4, "prompts/list");
      expect((await answer(4)).result).toMatchObject({ prompts: [{ name: "setup_connector" }] });
      // Every answer names the server (the revision's serverInfo in _meta); none came from an initialize.
      expect(lines.every((line) => (line.result as { _meta?: Record<string, unknown> } | undefined)?._meta?.["io.modelcontextprotocol/serverInfo"])).toBe(true);
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
});
