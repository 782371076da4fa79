/**
 * Who is calling (src/hosting/auth.ts), with tokens minted by jose and the keys served on loopback:
 * what a JWT must prove before it is a caller, and what each refusal says.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { CallerAuthentication, callerSelection, type Authentication, type Caller } from "../../src/hosting/auth.js";
import { silentLogger } from "../../src/log.js";
import { Redactor } from "../../src/redact.js";

const RESOURCE = new URL("https://mcp.example.com/mcp");
const STATIC_TOKEN = "backend-token-0123456789abcdef";
let keys: Server;
let issuer: string;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
/** What the issuer's metadata says its issuer is (a test changes it). */
let advertisedIssuer: string | undefined;

beforeAll(async () => {
  ({ privateKey: signingKey } = await generateKeyPair("ES256", { extractable: true }));
  ({ privateKey: strangerKey } = await generateKeyPair("ES256"));
  const publicJwk = { ...(await exportJWK(signingKey)), kid: "k1", alg: "ES256", use: "sig" };
  delete publicJwk.d;
  keys = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/oauth-authorization-server") {
      res.end(JSON.stringify({ issuer: advertisedIssuer ?? issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, response_types_supported: ["code"], jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === "/jwks") {
      res.end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => keys.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => keys.close(() => resolve())));

function authentication(options: { jwksUrl?: string; issuer?: string } = {}) {
  return new CallerAuthentication({
    tokens: [{ token: STATIC_TOKEN }],
    oauth: { issuer: options.issuer ?? issuer, accountClaim: "cyclr_account", ...(options.jwksUrl && { jwksUrl: options.jwksUrl }) },
    resource: RESOURCE,
    redactor: new Redactor(),
    logger: silentLogger,
  });
}

async function mint(claims: JWTPayload = {}, options: { key?: CryptoKey; expires?: string; audience?: string; issuer?: string } = {}): Promise<string> {
  return new SignJWT({ sub: "alice", scope: "cyclr:read cyclr:write", client_id: "assistant-1", cyclr_account: "acme-7f3a", ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k1" })
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? RESOURCE.href)
    .setIssuedAt()
    .setExpirationTime(options.expires ?? "5m")
    .sign(options.key ?? signingKey);
}

function request(token: string | undefined, headers: Record<string, string> = {}): IncomingMessage {
  return { headers: { ...(token !== undefined && { authorization: `Bearer ${token}` }), ...headers } } as unknown as IncomingMessage;
}

function callerOf(result: Authentication): Caller {
  if ("refused" in result) throw new Error(`refused: ${result.refused.status} ${result.refused.message}`);
  return result.caller;
}

function refusalOf(result: Authentication) {
  if (!("refused" in result)) throw new Error("not refused");
  return result.refused;
}

describe("a JWT access token", () => {
  it("is a caller: the person, the client, the scopes, pinned to the token's account", async () => {
    const caller = callerOf(await authentication().authenticate(request(await mint())));
    expect(caller).toMatchObject({ subject: "alice", client: "assistant-1", mayWrite: true, pinnedAccountId: "acme-7f3a", quotaOwner: "this person" });
  });

  it("keys sessions on the person and client, and counts limits per person over all their clients", async () => {
    const auth = authentication();
    const one = callerOf(await auth.authenticate(request(await mint())));
    const other = callerOf(await auth.authenticate(request(await mint({ client_id: "assistant-2" }))));
    const bob = callerOf(await auth.authenticate(request(await mint({ sub: "bob" }))));
    expect(one.key).not.toBe(other.key);
    expect(one.quota).toBe(other.quota);
    expect(bob.quota).not.toBe(one.quota);
  });

  it("reads scp (a list, as Entra and Okta write it) too; cyclr:read alone is read-only", async () => {
    const caller = callerOf(await authentication().authenticate(request(await mint({ scope: undefined, scp: ["cyclr:read"] }))));
    expect(caller.mayWrite).toBe(false);
    expect(callerSelection(caller, { tools: ["list_connectors"] })).toEqual({ tools: ["list_connectors"], readOnly: true });
  });

  it("finds the keys from the issuer's metadata, or at MCP_OAUTH_JWKS_URL", async () => {
    expect(callerOf(await authentication({ jwksUrl: `${issuer}/jwks` }).authenticate(request(await mint()))).subject).toBe("alice");
  });
});

describe("refusals", () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ["expired", () => mint({}, { expires: "-5m" }), /has expired/],
    ["issued for another server", () => mint({}, { audience: "https://other.example.com/mcp" }), /was not issued for this server \(audience\)/],
    ["from another issuer", () => mint({}, { issuer: "https://evil.example.com" }), /is from another issuer/],
    ["signed by a key the issuer does not publish", () => mint({}, { key: strangerKey }), /is not signed by the authorization server/],
    ["signed with a shared secret", () => new SignJWT({ cyclr_account: "acme-7f3a", scope: "cyclr:write" }).setProtectedHeader({ alg: "HS256", kid: "k1" }).setSubject("alice").setIssuer(issuer).setAudience(RESOURCE.href).setExpirationTime("5m").sign(new TextEncoder().encode("x".repeat(32))), /algorithm/],
    ["not a JWT", async () => "opaque-token-from-somewhere", /is not a valid JWT/],
  ];
  it.each(cases)("answers 401 invalid_token to a token %s", async (_what, token, reason) => {
    const refused = refusalOf(await authentication().authenticate(request(await token())));
    expect(refused.status).toBe(401);
    expect(refused.message).toMatch(reason);
    expect(refused.headers["www-authenticate"]).toMatch(
      /^Bearer realm="cyclr-mcp", error="invalid_token", error_description="[^"]+", scope="cyclr:read cyclr:write", resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"$/,
    );
  });

  it("answers 403 insufficient_scope to a token with neither scope", async () => {
    const refused = refusalOf(await authentication().authenticate(request(await mint({ scope: "openid profile" }))));
    expect(refused.status).toBe(403);
    expect(refused.headers["www-authenticate"]).toMatch(/error="insufficient_scope".*scope="cyclr:read"/);
  });

  it("refuses a token that names no account: it could reach every account of the partner", async () => {
    const refused = refusalOf(await authentication().authenticate(request(await mint({ cyclr_account: undefined }))));
    expect(refused).toMatchObject({ status: 403, code: -32002 });
    expect(refused.message).toMatch(/claim cyclr_account/);
  });

  it("refuses X-Cyclr-Account naming another account than the token's", async () => {
    const refused = refusalOf(await authentication().authenticate(request(await mint(), { "x-cyclr-account": "globex" })));
    expect(refused.status).toBe(403);
  });

  it("answers 503, not 401, while the keys cannot be had, and tries again on the next request", async () => {
    const unreachable = refusalOf(await authentication({ jwksUrl: "http://127.0.0.1:9/jwks" }).authenticate(request(await mint())));
    expect(unreachable).toMatchObject({ status: 503, headers: { "retry-after": "5" } });
    advertisedIssuer = "https://someone-else.example.com";
    const auth = authentication();
    // RFC 8414 §3.3: metadata naming another issuer is not used.
    expect(refusalOf(await auth.authenticate(request(await mint()))).status).toBe(503);
    advertisedIssuer = undefined;
    expect(callerOf(await auth.authenticate(request(await mint()))).subject).toBe("alice");
  });

  it("without a token says where the metadata is; a static token still works beside OAuth", async () => {
    const auth = authentication();
    expect(refusalOf(await auth.authenticate(request(undefined))).headers["www-authenticate"]).toBe(
      'Bearer realm="cyclr-mcp", scope="cyclr:read cyclr:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    expect(callerOf(await auth.authenticate(request(STATIC_TOKEN)))).toMatchObject({ mayWrite: true, quotaOwner: "this token" });
  });
});

describe("a tools/call beyond the scope", () => {
  const body = (name: string) => ({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: {} } });

  it("is refused for a tool that changes something; reading, unknown tools and other methods go on", async () => {
    const auth = authentication();
    const reader = callerOf(await auth.authenticate(request(await mint({ scope: "cyclr:read" }))));
    const refused = auth.checkCall(reader, body("install_connector"), {});
    expect(refused).toMatchObject({ status: 403, code: -32002 });
    expect(refused?.headers["www-authenticate"]).toMatch(/error="insufficient_scope", error_description="install_connector changes the account: it needs scope cyclr:write", scope="cyclr:read cyclr:write"/);
    expect(auth.checkCall(reader, body("list_connectors"), {})).toBeUndefined();
    expect(auth.checkCall(reader, body("no_such_tool"), {})).toBeUndefined();
    expect(auth.checkCall(reader, { jsonrpc: "2.0", id: 2, method: "tools/list" }, {})).toBeUndefined();
    // A tool the operator does not offer is not the scope's business.
    expect(auth.checkCall(reader, body("install_connector"), { readOnly: true })).toBeUndefined();
    const writer = callerOf(await auth.authenticate(request(await mint())));
    expect(auth.checkCall(writer, body("install_connector"), {})).toBeUndefined();
  });
});
