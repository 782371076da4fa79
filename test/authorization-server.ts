/**
 * A real OAuth 2.1 authorization server for the tests: oidc-provider on loopback, with dynamic
 * client registration, PKCE, resource indicators (RFC 8707) that give JWT access tokens whose
 * audience is the MCP server, and its development login and consent pages, which signIn() drives
 * over HTTP the way a person's browser would.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";

export const SCOPES = ["cyclr:read", "cyclr:write", "cyclr:cycles"] as const;

export interface AuthorizationServer {
  issuer: string;
  /** The login and consent, as the person named: follows the authorization URL to the redirect with the code. */
  signIn(authorizationUrl: URL, person: string, options?: { deny?: boolean }): Promise<URL>;
  close(): Promise<void>;
}

export interface AuthorizationServerOptions {
  /** The Cyclr account each person's tokens are bound to (claim cyclr_account); none if absent. */
  accounts?: Record<string, string>;
  /** People who may only read: they are granted cyclr:read whatever the client asks (the test may change it). */
  readOnly?: Set<string>;
  accessTokenTtlSeconds?: number;
}

/** Who signed in: the account of the code being exchanged, or of the session at the authorization endpoint. */
function personOf(ctx: KoaContextWithOIDC): string | undefined {
  return ctx.oidc.account?.accountId ?? ctx.oidc.session?.accountId;
}

export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<AuthorizationServer> {
  const listener: Server = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), alg: "ES256", use: "sig", kid: "test-key" };
  const provider = new Provider(issuer, {
    jwks: { keys: [signing] },
    // Clients register with the scopes they will ask for (the SDK sends the resource's scopes_supported).
    scopes: ["openid", "offline_access", ...SCOPES],
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A client that names no resource gets none (an opaque token our server cannot read).
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator) => ({
          scope: options.readOnly?.has(personOf(ctx) ?? "") ? "cyclr:read" : SCOPES.join(" "),
          audience: resourceIndicator,
          accessTokenTTL: options.accessTokenTtlSeconds ?? 600,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "ES256" } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const accountId = "accountId" in token && typeof token.accountId === "string" ? options.accounts?.[token.accountId] : undefined;
      return accountId !== undefined ? { cyclr_account: accountId } : undefined;
    },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    ttl: { Interaction: 600, Session: 600, Grant: 600, AuthorizationCode: 60, AccessToken: options.accessTokenTtlSeconds ?? 600 },
    pkce: { required: () => true },
    // Loopback over plain http, as the tests run: oidc-provider allows it outside production.
    clientDefaults: { grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none", id_token_signed_response_alg: "ES256" },
  });
  listener.on("request", provider.callback());

  return {
    issuer,
    signIn: async (authorizationUrl, person, signInOptions = {}) => {
      const cookies = new Map<string, string>();
      let next: URL = authorizationUrl;
      let body: URLSearchParams | undefined;
      for (let hop = 0; hop < 20; hop++) {
        const response = await fetch(next, {
          method: body ? "POST" : "GET",
          redirect: "manual",
          headers: {
            cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
            ...(body && { "content-type": "application/x-www-form-urlencoded" }),
          },
          ...(body && { body }),
        });
        for (const line of response.headers.getSetCookie()) {
          const [pair = ""] = line.split(";");
          const at = pair.indexOf("=");
          cookies.set(pair.slice(0, at), pair.slice(at + 1));
        }
        body = undefined;
        const location = response.headers.get("location");
        if (location) {
          next = new URL(location, next);
          if (next.origin !== issuer) return next;
          continue;
        }
        const page = await response.text();
        if (response.status !== 200) throw new Error(`authorization server answered ${response.status}: ${page.slice(0, 500)}`);
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
        if (signInOptions.deny && prompt === "consent") {
          next = new URL(`${next.pathname}/abort`, next);
        } else if (prompt === "login") {
          body = new URLSearchParams({ prompt: "login", login: person, password: "any" });
        } else if (prompt === "consent") {
          body = new URLSearchParams({ prompt: "consent" });
        } else {
          throw new Error(`unexpected page from the authorization server: ${page.slice(0, 500)}`);
        }
      }
      throw new Error("the sign-in did not reach the redirect URI");
    },
    close: () => new Promise<void>((resolve) => listener.close(() => resolve())),
  };
}
