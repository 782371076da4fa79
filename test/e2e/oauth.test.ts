/**
 * Hosted mode as an OAuth 2.1 protected resource (MCP authorization, 2025-11-25), end to end: the
 * built CLI with MCP_HTTP_AUTH_ISSUER, a real authorization server (oidc-provider) on loopback, and the
 * SDK's own client OAuth code (discovery from the 401, dynamic registration, PKCE, the resource
 * indicator, the step-up on 403 insufficient_scope), the person's login and consent driven over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { decodeJwt } from "jose";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { startAuthorizationServer, type AuthorizationServer } from "../authorization-server.js";
import { rawRequest, sandboxEnv, spawnHttpServer, structured, text, type HttpServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let as: AuthorizationServer;
let server: HttpServerUnderTest;
const readOnly = new Set<string>(["bob", "carol"]);

beforeAll(async () => {
  sandbox = await startSandbox();
  as = await startAuthorizationServer({ accounts: { alice: sandbox.accountId, bob: sandbox.accountId, carol: sandbox.accountId, mallory: sandbox.otherAccountId }, readOnly });
  server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_ISSUER: as.issuer, CYCLR_LOG_FORMAT: "json" }) });
});
afterAll(async () => {
  await server?.stop();
  await as?.close();
  await sandbox?.close();
});

/** The SDK's client-side OAuth provider, in memory: "redirecting" the person is the test driving the authorization server. */
class PersonAtTheKeyboard implements OAuthClientProvider {
  private information?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier = "";
  /** The code the last sign-in came back with. */
  signedIn?: Promise<string>;

  constructor(private readonly person: string) {}

  get redirectUrl(): string {
    return "http://127.0.0.1:9/callback";
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: "cyclr-mcp tests", redirect_uris: [this.redirectUrl], grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.signedIn = as.signIn(url, this.person).then((back) => {
      const code = back.searchParams.get("code");
      if (!code) throw new Error(`no code in ${back.href}`);
      return code;
    });
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  accessToken(): string {
    if (!this.saved) throw new Error("no token yet");
    return this.saved.access_token;
  }
}

/** Connects as the person: the first attempt is sent to sign in, the code is exchanged, the second connects. */
async function connectAs(person: string, url = server.url): Promise<{ client: Client; provider: PersonAtTheKeyboard; transport: StreamableHTTPClientTransport }> {
  const provider = new PersonAtTheKeyboard(person);
  const first = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  await expect(new Client({ name: "oauth-tests", version: "0" }).connect(first)).rejects.toThrow(UnauthorizedError);
  await first.finishAuth(await provider.signedIn!);
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: "oauth-tests", version: "0" });
  await client.connect(transport);
  return { client, provider, transport };
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const initialize = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("discovery", () => {
  it("answers 401 naming its metadata and scopes, and serves the metadata without a token", async () => {
    const refused = await rawRequest(server.url, { method: "POST", headers: mcpHeaders, body: initialize });
    expect(refused.status).toBe(401);
    const metadataUrl = `${server.origin}/.well-known/oauth-protected-resource/mcp`;
    expect(refused.headers["www-authenticate"]).toBe(`Bearer resource_metadata="${metadataUrl}", scope="cyclr:read cyclr:write cyclr:cycles"`);
    expect(JSON.parse(refused.body)).toMatchObject({ id: 7, error: { code: -32001 } });
    for (const url of [metadataUrl, `${server.origin}/.well-known/oauth-protected-resource`]) {
      const metadata = await rawRequest(url);
      expect(metadata.status).toBe(200);
      expect(JSON.parse(metadata.body)).toEqual({
        resource: server.url,
        authorization_servers: [as.issuer],
        scopes_supported: ["cyclr:read", "cyclr:write", "cyclr:cycles"],
        bearer_methods_supported: ["header"],
        resource_name: "Cyclr connector setup",
      });
    }
  });
});

describe("a person signed in through the authorization server", () => {
  it("gets a token for this server only (audience, PKCE, registration) and every tool, on their own account, which Cyclr sees restricted", async () => {
    const { client, provider } = await connectAs("alice");
    const mark = sandbox.requests.length;
    const claims = decodeJwt(provider.accessToken());
    expect(claims).toMatchObject({ aud: server.url, iss: as.issuer, sub: "alice", scope: "cyclr:read cyclr:write cyclr:cycles", cyclr_account: sandbox.accountId });
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("install_connector");
    expect(structured(await call(client, "list_account_connectors"))).toMatchObject({ accountId: sandbox.accountId });
    // Pinned to the token's account, whatever a prompt injection asks.
    const elsewhere = await call(client, "list_account_connectors", { accountId: sandbox.otherAccountId });
    expect(elsewhere.isError).toBe(true);
    expect(text(elsewhere)).toMatch(/pinned to account/);
    // Least privilege: the session's calls to Cyclr carried a token restricted to alice's account.
    const calls = sandbox.requests.slice(mark).filter((r) => r.path !== "/oauth/token");
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.headers["x-cyclr-account"]).toBe(sandbox.accountId);
      expect(sandbox.accessTokenScope(call.headers.authorization?.replace(/^Bearer /, "") ?? "")).toBe(sandbox.accountId);
    }
    await client.close();
  });

  it("cannot steer into another account with X-Cyclr-Account, nor use another person's session", async () => {
    const alice = await connectAs("alice");
    const token = alice.provider.accessToken();
    const steered = await rawRequest(server.url, { method: "POST", headers: { ...mcpHeaders, authorization: `Bearer ${token}`, "x-cyclr-account": sandbox.otherAccountId }, body: initialize });
    expect(steered.status).toBe(403);
    const mallory = await connectAs("mallory");
    const sessionId = alice.transport.sessionId!;
    const hijack = await rawRequest(server.url, {
      method: "POST",
      headers: { ...mcpHeaders, authorization: `Bearer ${mallory.provider.accessToken()}`, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
    });
    expect(hijack.status).toBe(403);
    expect(JSON.parse(hijack.body)).toMatchObject({ id: 3, error: { message: "This session belongs to another caller." } });
    await Promise.all([alice.client.close(), mallory.client.close()]);
  });

  it("without cyclr:write is offered only the read-only tools, and a call beyond its scope gets 403 insufficient_scope", async () => {
    const { client, provider, transport } = await connectAs("bob");
    expect(decodeJwt(provider.accessToken()).scope).toBe("cyclr:read");
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["list_connectors", "list_account_connectors", "get_account_connector"]));
    expect(names).not.toContain("install_connector");
    // cyclr:read keeps the resources, the prompt and its completions.
    expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0);
    expect((await client.listResources()).resources.length).toBeGreaterThan(0);
    expect(structured(await call(client, "list_connectors", { query: "slack" })).connectors.length).toBeGreaterThan(0);

    const beyond = await rawRequest(server.url, {
      method: "POST",
      headers: { ...mcpHeaders, authorization: `Bearer ${provider.accessToken()}`, "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 11, method: "tools/call", params: { name: "install_connector", arguments: { connectorId: 1 } } }),
    });
    expect(beyond.status).toBe(403);
    expect(beyond.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:write"');
    expect(JSON.parse(beyond.body)).toMatchObject({ id: 11, error: { code: -32002 } });
    expect(sandbox.requests.some((r) => r.path.endsWith("/install"))).toBe(false);
    await client.close();
  });

  it("steps up: after consenting to cyclr:write, the same session offers and runs the tool", async () => {
    const { client, provider, transport } = await connectAs("carol");
    let changed = 0;
    client.setNotificationHandler((await import("@modelcontextprotocol/sdk/types.js")).ToolListChangedNotificationSchema, () => void changed++);
    const connectorId = structured(await call(client, "list_connectors", { query: "slack" })).connectors[0].id as number;
    readOnly.delete("carol");
    // The SDK client meets the 403, asks for the wider scope (sending carol to sign in again), and stops for the code.
    await expect(client.callTool({ name: "install_connector", arguments: { connectorId } })).rejects.toThrow(UnauthorizedError);
    await transport.finishAuth(await provider.signedIn!);
    // The SDK asked for the scope the 403 named.
    expect(decodeJwt(provider.accessToken()).scope).toBe("cyclr:write");
    const installed = await call(client, "install_connector", { connectorId });
    expect(structured(installed)).toMatchObject({ accountId: sandbox.accountId });
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("install_connector");
    await expect.poll(() => changed).toBeGreaterThan(0);
    await client.close();
  });
});

describe("tokens it refuses", () => {
  it("refuses what is not a JWT with 401 invalid_token, and never logs it", async () => {
    const wrong = await rawRequest(server.url, { method: "POST", headers: { ...mcpHeaders, authorization: "Bearer not.a.jwt" }, body: initialize });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["www-authenticate"]).toMatch(/error="invalid_token", error_description="The access token is malformed \(not a JWT\)"/);
    expect(server.stderr()).not.toContain("not.a.jwt");
  });
});

describe("stateless replicas", () => {
  it("check every request's token alone: the read-only person is offered and allowed the read-only tools only", async () => {
    const replica = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_ISSUER: as.issuer }), args: ["--stateless"] });
    try {
      const { client, provider } = await connectAs("bob", replica.url);
      expect((await client.listTools()).tools.map((t) => t.name)).not.toContain("install_connector");
      const beyond = await rawRequest(replica.url, {
        method: "POST",
        headers: { ...mcpHeaders, authorization: `Bearer ${provider.accessToken()}`, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "set_connector_properties", arguments: {} } }),
      });
      expect(beyond.status).toBe(403);
      expect(beyond.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:write"');
      await client.close();
    } finally {
      await replica.stop();
    }
  });
});
