/**
 * Who is calling (src/hosting/auth.ts), with tokens minted by jose and the keys served on loopback:
 * what a JWT must prove before it is a caller, what each refusal says, and how keys rotate.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { CallerAuthentication, callerSelection, type Authentication, type Caller } from "../../src/hosting/auth.js";
import type { JwtAuthConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/log.js";
import { Redactor } from "../../src/redact.js";
import { selectTools } from "../../src/mcp/server.js";

const RESOURCE = new URL("https://mcp.example.com/mcp");
const STATIC_TOKEN = "backend-token-0123456789abcdef";
const SECRET = "a-partner-secret-of-at-least-32-bytes!!";
let keys: Server;
let issuer: string;
let signingKey: CryptoKey;
let rsaKey: CryptoKey;
let rsaPublicPem: string;
let nextKey: CryptoKey;
let strangerKey: CryptoKey;
/** The keys the issuer publishes now (a test rotates them), and how often they were fetched. */
let published: JWK[];
let jwksFetches = 0;
/** What the issuer's metadata says its issuer is (a test changes it). */
let advertisedIssuer: string | undefined;

async function publicJwk(key: CryptoKey, kid: string, alg: string): Promise<JWK> {
  const jwk = { ...(await exportJWK(key)), kid, alg, use: "sig" };
  for (const part of ["d", "p", "q", "dp", "dq", "qi"] as const) delete jwk[part];
  return jwk;
}

beforeAll(async () => {
  ({ privateKey: signingKey } = await generateKeyPair("ES256", { extractable: true }));
  ({ privateKey: nextKey } = await generateKeyPair("ES256", { extractable: true }));
  ({ privateKey: strangerKey } = await generateKeyPair("ES256"));
  const rsa = await generateKeyPair("RS256", { extractable: true });
  rsaKey = rsa.privateKey;
  rsaPublicPem = await exportSPKI(rsa.publicKey);
  published = [await publicJwk(signingKey, "k1", "ES256"), await publicJwk(rsaKey, "r1", "RS256")];
  keys = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/oauth-authorization-server") {
      res.end(JSON.stringify({ issuer: advertisedIssuer ?? issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, response_types_supported: ["code"], jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === "/jwks") {
      jwksFetches++;
      res.end(JSON.stringify({ keys: published }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => keys.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => keys.close(() => resolve())));
afterEach(() => void vi.useRealTimers());

function authentication(options: { jwksUrl?: string; issuer?: string; jwt?: Partial<JwtAuthConfig>; allowlist?: string[]; cooldownMs?: number } = {}) {
  return new CallerAuthentication({
    tokens: [{ token: STATIC_TOKEN }],
    jwt: {
      signer: { kind: "issuer", issuer: options.issuer ?? issuer, ...(options.jwksUrl && { jwksUrl: options.jwksUrl }) },
      accountClaim: "cyclr_account",
      allowUnpinned: false,
      ...options.jwt,
    },
    ...(options.allowlist && { accountAllowlist: options.allowlist }),
    resource: RESOURCE,
    redactor: new Redactor(),
    logger: silentLogger,
    ...(options.cooldownMs !== undefined && { jwksCooldownMs: options.cooldownMs }),
  });
}

const partner = (options: { allowlist?: string[]; allowUnpinned?: boolean; audience?: string } = {}) =>
  authentication({ jwt: { signer: { kind: "secret", secret: SECRET }, allowUnpinned: options.allowUnpinned ?? false, ...(options.audience && { audience: options.audience }) }, ...(options.allowlist && { allowlist: options.allowlist }) });

interface MintOptions {
  key?: CryptoKey | Uint8Array;
  alg?: string;
  kid?: string;
  expires?: string;
  notBefore?: string;
  audience?: string;
  issuer?: string;
}

async function mint(claims: JWTPayload = {}, options: MintOptions = {}): Promise<string> {
  const jwt = new SignJWT({ sub: "alice", scope: "cyclr:read cyclr:write", client_id: "assistant-1", cyclr_account: "acme-7f3a", ...claims })
    .setProtectedHeader({ alg: options.alg ?? "ES256", typ: "at+jwt", kid: options.kid ?? "k1" })
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? RESOURCE.href)
    .setIssuedAt()
    .setExpirationTime(options.expires ?? "5m");
  if (options.notBefore) jwt.setNotBefore(options.notBefore);
  return jwt.sign(options.key ?? signingKey);
}

/** A partner backend's token: HS256 with the shared secret. */
const mintPartner = (claims: JWTPayload = {}, options: MintOptions = {}) => mint(claims, { alg: "HS256", key: new TextEncoder().encode(SECRET), ...options });

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

describe("a JWT access token from the issuer", () => {
  it("is a caller: the person, the client, the scopes, pinned to the token's account", async () => {
    const caller = callerOf(await authentication().authenticate(request(await mint())));
    expect(caller).toMatchObject({ subject: "alice", client: "assistant-1", mayWrite: true, pinnedAccountId: "acme-7f3a", quotaOwner: "this person" });
  });

  it("keys sessions on the person and client, and counts limits per person over all their clients", async () => {
    const auth = authentication();
    const one = callerOf(await auth.authenticate(request(await mint())));
    const other = callerOf(await auth.authenticate(request(await mint({ client_id: undefined, azp: "assistant-2" }))));
    const bob = callerOf(await auth.authenticate(request(await mint({ sub: "bob" }))));
    expect(other.client).toBe("assistant-2");
    expect(one.key).not.toBe(other.key);
    expect(one.quota).toBe(other.quota);
    expect(bob.quota).not.toBe(one.quota);
  });

  it("reads scp (a list, as Entra and Okta write it) too; cyclr:read alone is read-only", async () => {
    const caller = callerOf(await authentication().authenticate(request(await mint({ scope: undefined, scp: ["cyclr:read"] }))));
    expect(caller.mayWrite).toBe(false);
    expect(callerSelection(caller, { tools: ["list_connectors"] })).toEqual({ tools: ["list_connectors"], readOnly: true });
  });

  it("cyclr:cycles is apart from cyclr:write: each offers its own writers, and a call beyond them names the scope to ask for", async () => {
    const auth = authentication();
    const names = (selection: ReturnType<typeof callerSelection>) => selectTools(selection).map((t) => t.name);
    const call = (name: string) => ({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: {} } });
    const writer = callerOf(await auth.authenticate(request(await mint({ scope: "cyclr:read cyclr:write" }))));
    expect(writer).toMatchObject({ mayWrite: true, mayChangeCycles: false });
    expect(names(callerSelection(writer))).toEqual(expect.arrayContaining(["install_connector", "list_templates", "get_cycle"]));
    expect(names(callerSelection(writer))).not.toContain("install_template");
    const refused = auth.checkCall(writer, call("activate_cycle"), {});
    expect(refused).toMatchObject({ status: 403, headers: { "www-authenticate": 'Bearer error="insufficient_scope", scope="cyclr:cycles"' } });
    expect(refused?.message).toContain("activate_cycle changes an integration (a cycle): it needs scope cyclr:cycles");
    expect(auth.checkCall(writer, call("install_connector"), {})).toBeUndefined();

    const integrator = callerOf(await auth.authenticate(request(await mint({ scope: "cyclr:cycles" }))));
    expect(integrator).toMatchObject({ mayWrite: false, mayChangeCycles: true });
    const offered = names(callerSelection(integrator));
    expect(offered).toEqual(expect.arrayContaining(["install_template", "set_step_value", "activate_cycle", "pause_cycle", "get_cycle", "list_connectors"]));
    expect(offered).not.toContain("install_connector");
    expect(auth.checkCall(integrator, call("install_connector"), {})?.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:write"');
    expect(auth.checkCall(integrator, call("install_template"), {})).toBeUndefined();
    // The operator's --read-only still wins.
    expect(names(callerSelection(integrator, { readOnly: true }))).not.toContain("install_template");
  });

  it("finds the keys from the issuer's metadata, or at MCP_HTTP_AUTH_JWKS_URL; RS256 too", async () => {
    expect(callerOf(await authentication({ jwksUrl: `${issuer}/jwks` }).authenticate(request(await mint()))).subject).toBe("alice");
    expect(callerOf(await authentication().authenticate(request(await mint({}, { alg: "RS256", kid: "r1", key: rsaKey })))).subject).toBe("alice");
  });

  it("takes MCP_HTTP_AUTH_AUDIENCE instead of the resource URL when it is set", async () => {
    const auth = authentication({ jwt: { audience: "api://cyclr-mcp" } });
    expect(callerOf(await auth.authenticate(request(await mint({}, { audience: "api://cyclr-mcp" })))).subject).toBe("alice");
    expect(refusalOf(await auth.authenticate(request(await mint()))).message).toMatch(/another audience \(aud\)/);
  });

  it("serves RFC 9728 metadata naming the issuer", () => {
    expect(authentication().resourceMetadata()).toEqual({
      resource: RESOURCE.href,
      authorization_servers: [issuer],
      scopes_supported: ["cyclr:read", "cyclr:write", "cyclr:cycles"],
      bearer_methods_supported: ["header"],
      resource_name: "Cyclr connector setup",
    });
  });
});

describe("refusals, each naming the check that failed and never the token", () => {
  const hsWithPublicKey = () => mint({}, { alg: "HS256", kid: "r1", key: new TextEncoder().encode(rsaPublicPem) });
  const cases: [string, () => Promise<string>, string][] = [
    ["malformed", async () => "opaque-token-from-somewhere", "The access token is malformed (not a JWT)"],
    ["expired", () => mint({}, { expires: "-5m" }), "The access token has expired (exp)"],
    ["not yet valid", () => mint({}, { notBefore: "5m" }), "The access token is not yet valid (nbf)"],
    ["for another audience", () => mint({}, { audience: "https://other.example.com/mcp" }), "The access token was issued for another audience (aud)"],
    ["from another issuer", () => mint({}, { issuer: "https://evil.example.com" }), "The access token is from another issuer (iss)"],
    ["signed by an unknown key", () => mint({}, { key: strangerKey, kid: "k-unknown" }), "The access token is signed by a key the authorization server does not publish (unknown kid)"],
    ["signed by another key under a known kid", () => mint({}, { key: strangerKey }), "The access token has a signature that does not verify"],
    ["with alg none", async () => new UnsecuredJWT({ sub: "alice", scope: "cyclr:write", cyclr_account: "acme-7f3a" }).setIssuer(issuer).setAudience(RESOURCE.href).setExpirationTime("5m").encode(), "The access token is unsigned (alg none)"],
    ["HS256-signed with the issuer's public key", hsWithPublicKey, "The access token is signed with HS256, a shared-secret algorithm: a token from the authorization server must be signed with its private key"],
    ["without a subject", () => mint({ sub: undefined }), "The access token has no sub claim"],
  ];
  it.each(cases)("answers 401 invalid_token to a token %s", async (_what, token, description) => {
    const presented = await token();
    const refused = refusalOf(await authentication().authenticate(request(presented)));
    expect(refused.status).toBe(401);
    expect(refused.headers["www-authenticate"]).toBe(
      `Bearer error="invalid_token", error_description="${description}", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="cyclr:read cyclr:write cyclr:cycles"`,
    );
    expect(refused.message).toContain(description);
    expect(JSON.stringify(refused)).not.toContain(presented);
  });

  it("answers 403 to a token with neither scope", async () => {
    const refused = refusalOf(await authentication().authenticate(request(await mint({ scope: "openid profile" }))));
    expect(refused.status).toBe(403);
    expect(refused.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:read cyclr:write cyclr:cycles"');
  });

  it("refuses X-Cyclr-Account naming another account than the token's", async () => {
    const refused = refusalOf(await authentication().authenticate(request(await mint(), { "x-cyclr-account": "globex" })));
    expect(refused.status).toBe(403);
  });

  it("without a token says where the metadata is; a static token still works beside OAuth, labelled by its hash", async () => {
    const auth = authentication();
    expect(refusalOf(await auth.authenticate(request(undefined))).headers["www-authenticate"]).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="cyclr:read cyclr:write cyclr:cycles"',
    );
    const caller = callerOf(await auth.authenticate(request(STATIC_TOKEN)));
    expect(caller).toMatchObject({ mayWrite: true, quotaOwner: "this token" });
    expect(caller.subject).toMatch(/^token:[0-9a-f]{8}$/);
  });
});

describe("a token without the account claim", () => {
  const unpinned = () => mint({ cyclr_account: undefined });

  it("is refused with no allow-list: it could reach every account of the partner", async () => {
    const refused = refusalOf(await authentication().authenticate(request(await unpinned())));
    expect(refused).toMatchObject({ status: 403, code: -32002 });
    expect(refused.message).toMatch(/claim cyclr_account.*CYCLR_ACCOUNT_ALLOWLIST.*MCP_HTTP_AUTH_ALLOW_UNPINNED=1/);
  });

  it("may act on the accounts CYCLR_ACCOUNT_ALLOWLIST allows (the session is not pinned)", async () => {
    const caller = callerOf(await authentication({ allowlist: ["acme-7f3a", "globex"] }).authenticate(request(await unpinned())));
    expect(caller.pinnedAccountId).toBeUndefined();
  });

  it("is accepted with MCP_HTTP_AUTH_ALLOW_UNPINNED=1", async () => {
    expect(callerOf(await authentication({ jwt: { allowUnpinned: true } }).authenticate(request(await unpinned()))).pinnedAccountId).toBeUndefined();
  });

  it("names the claim MCP_HTTP_AUTH_ACCOUNT_CLAIM says", async () => {
    const caller = callerOf(await authentication({ jwt: { accountClaim: "https://acme.example/cyclr" } }).authenticate(request(await mint({ "https://acme.example/cyclr": "globex" }))));
    expect(caller.pinnedAccountId).toBe("globex");
  });
});

describe("HS256 partner tokens (MCP_HTTP_AUTH_JWT_SECRET)", () => {
  it("are callers, pinned to their account; there is no metadata to serve", async () => {
    const auth = partner();
    expect(callerOf(await auth.authenticate(request(await mintPartner({ sub: "customer-42", cyclr_account: "globex" }, { issuer: "https://app.partner.example" }))))).toMatchObject({
      subject: "customer-42",
      pinnedAccountId: "globex",
    });
    expect(auth.resourceMetadata()).toBeUndefined();
    expect(await auth.ready()).toBe(true);
  });

  it("refuses a token whose alg is not HS256, a wrong secret, and alg none", async () => {
    const auth = partner();
    const es256 = refusalOf(await auth.authenticate(request(await mint())));
    expect(es256.headers["www-authenticate"]).toBe('Bearer realm="cyclr-mcp", error="invalid_token", error_description="The access token is signed with ES256: this server accepts only HS256 tokens signed with its shared secret"');
    const wrong = refusalOf(await auth.authenticate(request(await mintPartner({}, { key: new TextEncoder().encode("another-secret-of-at-least-32-bytes!!") }))));
    expect(wrong.message).toMatch(/signature that does not verify/);
    const none = new UnsecuredJWT({ sub: "alice", scope: "cyclr:write", cyclr_account: "acme-7f3a" }).setAudience(RESOURCE.href).setExpirationTime("5m").encode();
    expect(refusalOf(await auth.authenticate(request(none))).message).toMatch(/unsigned \(alg none\)/);
    expect(refusalOf(await auth.authenticate(request(await mintPartner({}, { expires: "-5m" })))).message).toMatch(/has expired/);
  });

  it("need the account claim or an allow-list, like any JWT", async () => {
    expect(refusalOf(await partner().authenticate(request(await mintPartner({ cyclr_account: undefined })))).status).toBe(403);
    expect(callerOf(await partner({ allowlist: ["globex"] }).authenticate(request(await mintPartner({ cyclr_account: undefined })))).pinnedAccountId).toBeUndefined();
  });
});

describe("the issuer's keys", () => {
  it("rotate: a token with an unknown kid refetches the JWKS once, at most once per cooldown", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const auth = authentication({ cooldownMs: 30_000 });
    const before = jwksFetches;
    expect(callerOf(await auth.authenticate(request(await mint()))).subject).toBe("alice");
    expect(jwksFetches).toBe(before + 1);
    // The issuer rotates: k2 is published, k1 retired.
    const old = published;
    published = [await publicJwk(nextKey, "k2", "ES256")];
    try {
      vi.setSystemTime(Date.now() + 31_000);
      const rotated = await Promise.all([mint({}, { key: nextKey, kid: "k2" }), mint({ sub: "bob" }, { key: nextKey, kid: "k2" })]);
      const callers = await Promise.all(rotated.map((token) => auth.authenticate(request(token))));
      expect(callers.map((c) => callerOf(c).subject)).toEqual(["alice", "bob"]);
      expect(jwksFetches).toBe(before + 2);
      // Made-up key ids cost no fetch within the cooldown, then one.
      for (let i = 0; i < 3; i++) expect(refusalOf(await auth.authenticate(request(await mint({}, { key: strangerKey, kid: `made-up-${i}` })))).message).toMatch(/unknown kid/);
      expect(jwksFetches).toBe(before + 2);
      vi.setSystemTime(Date.now() + 31_000);
      expect(refusalOf(await auth.authenticate(request(await mint({}, { key: strangerKey, kid: "made-up-again" })))).status).toBe(401);
      expect(jwksFetches).toBe(before + 3);
    } finally {
      published = old;
    }
  });

  it("answers 503, not 401, while the keys cannot be had, is not ready, and tries again on the next request", async () => {
    const unreachable = authentication({ jwksUrl: "http://127.0.0.1:9/jwks" });
    expect(refusalOf(await unreachable.authenticate(request(await mint())))).toMatchObject({ status: 503, headers: { "retry-after": "5" } });
    expect(await unreachable.ready()).toBe(false);
    advertisedIssuer = "https://someone-else.example.com";
    const auth = authentication();
    // RFC 8414 §3.3: metadata naming another issuer is not used.
    expect(refusalOf(await auth.authenticate(request(await mint()))).status).toBe(503);
    expect(await auth.ready()).toBe(false);
    advertisedIssuer = undefined;
    expect(await auth.ready()).toBe(true);
    expect(callerOf(await auth.authenticate(request(await mint()))).subject).toBe("alice");
  });
});

describe("a tools/call beyond the scope", () => {
  const body = (name: string) => ({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: {} } });

  it("is refused for a tool that changes something; reading, unknown tools and other methods go on", async () => {
    const auth = authentication();
    const reader = callerOf(await auth.authenticate(request(await mint({ scope: "cyclr:read" }))));
    const refused = auth.checkCall(reader, body("install_connector"), {});
    expect(refused).toMatchObject({ status: 403, code: -32002 });
    expect(refused?.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:write"');
    expect(auth.checkCall(reader, body("list_connectors"), {})).toBeUndefined();
    expect(auth.checkCall(reader, body("no_such_tool"), {})).toBeUndefined();
    expect(auth.checkCall(reader, { jsonrpc: "2.0", id: 2, method: "tools/list" }, {})).toBeUndefined();
    // A tool the operator does not offer is not the scope's business.
    expect(auth.checkCall(reader, body("install_connector"), { readOnly: true })).toBeUndefined();
    const writer = callerOf(await auth.authenticate(request(await mint())));
    expect(auth.checkCall(writer, body("install_connector"), {})).toBeUndefined();
  });
});
