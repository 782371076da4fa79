/**
 * Hosted mode's JWT access tokens: who signs them (an authorization server, or a partner's backend),
 * for whom, and how they name an account; and who may fill a link's page: the person who made it,
 * signed in there with the same issuer, unless the link was made for someone else.
 */
import * as z from "zod";
import { isLoopbackHost } from "../loopback.js";
import { booleanText, ConfigError, nonEmpty, urlSchema, type SettingsTable, type SettingValues } from "./setting.js";

export const DEFAULT_ACCOUNT_CLAIM = "cyclr_account";
/** Where the issuer sends the person back after the pages' sign-in: the redirect URI, on the public URL. */
export const PAGE_SIGN_IN_REDIRECT_PATH = "/credentials/signed-in";
/** An HS256 secret shorter than this is refused (RFC 7518 §3.2: a key at least as long as the hash). */
export const MIN_JWT_SECRET_BYTES = 32;

/**
 * Who signs the JWT access tokens hosted mode accepts: an OAuth 2.1 authorization server (MCP
 * authorization: this server is its protected resource), or a partner's backend sharing an HS256
 * secret with this server.
 */
export type TokenSigner =
  /** The issuer identifier, exactly as its tokens' iss claim says it; its keys at jwksUrl, default the jwks_uri of its metadata. */
  | { kind: "issuer"; issuer: string; jwksUrl?: string }
  /** MCP_HTTP_AUTH_JWT_SECRET: HS256 only. */
  | { kind: "secret"; secret: string };

export interface JwtAuthConfig {
  signer: TokenSigner;
  /** The aud a token must carry; default the resource, CYCLR_MCP_PUBLIC_URL + /mcp (RFC 8707). */
  audience?: string;
  /** The claim naming the one Cyclr account a token may act on. */
  accountClaim: string;
  /** A token without the account claim is accepted even with no CYCLR_ACCOUNT_ALLOWLIST (it may act on every account). */
  allowUnpinned: boolean;
}

/** The client the credential pages sign the person in with (OpenID Connect at the access tokens' issuer). */
export interface PageSignInConfig {
  issuer: string;
  clientId: string;
  /** Without it, a public client: PKCE alone. */
  clientSecret?: string;
}

/** Who may fill a link's page. */
export interface PageAccessConfig {
  /** Hosted with an issuer (on by default): the page signs the person in and takes the form only from the link's maker. */
  pageSignIn?: PageSignInConfig;
  /** A caller may make a link for another person (forSomeoneElse), whose page names the sender instead of signing anyone in. */
  linksForOthers: boolean;
}

export const HTTP_AUTH_SETTINGS = {
  authIssuer: {
    env: "MCP_HTTP_AUTH_ISSUER",
    flag: "http-auth-issuer",
    type: "string",
    help:
      "Hosted mode: accept JWT access tokens from this OAuth authorization server (its issuer, e.g. https://auth.example.com; metadata at " +
      "/.well-known/oauth-authorization-server or /.well-known/openid-configuration, keys at its jwks_uri) with scope cyclr:read, cyclr:write or cyclr:cycles; " +
      "/mcp then advertises it (/.well-known/oauth-protected-resource). http only for loopback hosts.",
    value: urlSchema("issuer", "https://auth.example.com").optional(),
  },
  authJwksUrl: {
    env: "MCP_HTTP_AUTH_JWKS_URL",
    flag: "http-auth-jwks-url",
    type: "string",
    help: "With MCP_HTTP_AUTH_ISSUER: where its signing keys are, instead of the jwks_uri of its metadata. http only for loopback hosts.",
    value: urlSchema("JWKS URL", "https://auth.example.com/.well-known/jwks.json").optional(),
  },
  authJwtSecret: {
    env: "MCP_HTTP_AUTH_JWT_SECRET",
    flag: "http-auth-jwt-secret",
    type: "string",
    help: `Instead of an issuer: an HS256 secret (at least ${MIN_JWT_SECRET_BYTES} bytes) shared with your backend, which mints short-lived JWTs for its customers (only HS256 is accepted).`,
    secret: true,
    value: z
      .string()
      .refine((secret) => Buffer.byteLength(secret, "utf8") >= MIN_JWT_SECRET_BYTES, `must be at least ${MIN_JWT_SECRET_BYTES} bytes (e.g. from openssl rand -hex 32)`)
      .optional(),
  },
  authAudience: {
    env: "MCP_HTTP_AUTH_AUDIENCE",
    flag: "http-auth-audience",
    type: "string",
    help: "The audience (aud) a JWT access token must carry; default this server's public MCP URL, CYCLR_MCP_PUBLIC_URL + /mcp (the resource of RFC 8707).",
    value: nonEmpty.optional(),
  },
  authAccountClaim: {
    env: "MCP_HTTP_AUTH_ACCOUNT_CLAIM",
    flag: "http-auth-account-claim",
    type: "string",
    help: `The JWT claim naming the caller's Cyclr account, which pins the session to it (default ${DEFAULT_ACCOUNT_CLAIM}).`,
    value: nonEmpty.default(DEFAULT_ACCOUNT_CLAIM),
  },
  authAllowUnpinned: {
    env: "MCP_HTTP_AUTH_ALLOW_UNPINNED",
    flag: "http-auth-allow-unpinned",
    type: "boolean",
    help: "Accept JWTs without the account claim even with no CYCLR_ACCOUNT_ALLOWLIST (they may then act on any account); off by default, and such tokens are refused.",
    value: booleanText.default(false),
  },
  pageSignIn: {
    env: "MCP_HTTP_PAGE_SIGN_IN",
    flag: "page-sign-in",
    type: "string",
    help:
      "With MCP_HTTP_AUTH_ISSUER: on (the default) has the credential pages, and the page before an OAuth sign-in, sign the person in with that issuer " +
      "(OpenID Connect, authorization code with PKCE) and take the form only from the person who made the link (the same sub); it needs MCP_HTTP_PAGE_CLIENT_ID. " +
      "off: a link works for whoever holds it, as without an issuer.",
    value: z.enum(["on", "off"], { message: "must be on or off" }).optional(),
  },
  pageClientId: {
    env: "MCP_HTTP_PAGE_CLIENT_ID",
    flag: "page-client-id",
    type: "string",
    help:
      "The client the pages sign the person in with, registered at MCP_HTTP_AUTH_ISSUER: OpenID Connect, authorization code with PKCE, scopes openid profile email, " +
      `redirect URI CYCLR_MCP_PUBLIC_URL + ${PAGE_SIGN_IN_REDIRECT_PATH}, giving the same sub as the access tokens.`,
    value: nonEmpty.optional(),
  },
  pageClientSecret: {
    env: "MCP_HTTP_PAGE_CLIENT_SECRET",
    flag: "page-client-secret",
    type: "string",
    help: "That client's secret (sent as HTTP Basic, client_secret_basic); leave it out for a public client (PKCE alone).",
    secret: true,
    value: nonEmpty.optional(),
  },
  linksForOthers: {
    env: "MCP_HTTP_LINKS_FOR_OTHERS",
    flag: "links-for-others",
    type: "boolean",
    help:
      "Let a caller make a credential or OAuth link for another person (forSomeoneElse of create_credential_link and create_oauth_link: a support person " +
      "sending it to a customer): its page signs no one in and says plainly who sent it, for which account. Off by default: such calls are refused.",
    value: booleanText.default(false),
  },
} as const satisfies SettingsTable;

/** The JWT settings: an issuer or a shared secret, not both; the rest only beside one of them. */
export function jwtConfig(settings: SettingValues<typeof HTTP_AUTH_SETTINGS>): JwtAuthConfig | undefined {
  const { authIssuer: issuer, authJwksUrl: jwksUrl, authJwtSecret: secret } = settings;
  if (issuer !== undefined && secret !== undefined) {
    throw new ConfigError(
      "Both MCP_HTTP_AUTH_ISSUER (--http-auth-issuer) and MCP_HTTP_AUTH_JWT_SECRET (--http-auth-jwt-secret) are set: tokens come from an authorization server or from your backend; keep one.",
    );
  }
  if (jwksUrl !== undefined && issuer === undefined) {
    throw new ConfigError("MCP_HTTP_AUTH_JWKS_URL (--http-auth-jwks-url) needs MCP_HTTP_AUTH_ISSUER (--http-auth-issuer): the authorization server whose keys they are.");
  }
  if (issuer === undefined && secret === undefined) {
    const stray = settings.authAudience !== undefined ? HTTP_AUTH_SETTINGS.authAudience : settings.authAllowUnpinned ? HTTP_AUTH_SETTINGS.authAllowUnpinned : undefined;
    if (stray) throw new ConfigError(`${stray.env} (--${stray.flag}) needs MCP_HTTP_AUTH_ISSUER (--http-auth-issuer) or MCP_HTTP_AUTH_JWT_SECRET (--http-auth-jwt-secret).`);
    return undefined;
  }
  const signer: TokenSigner = issuer !== undefined ? { kind: "issuer", issuer, ...(jwksUrl !== undefined && { jwksUrl }) } : { kind: "secret", secret: secret as string };
  return {
    signer,
    accountClaim: settings.authAccountClaim,
    allowUnpinned: settings.authAllowUnpinned,
    ...(settings.authAudience !== undefined && { audience: settings.authAudience }),
  };
}

/** On a host other than loopback, tokens are issued for the public URL (their audience, the metadata's resource): the listener's address is not it. */
export function checkJwtHosting(jwt: JwtAuthConfig | undefined, host: string, publicUrl: string | undefined): void {
  if (!jwt || publicUrl || isLoopbackHost(host)) return;
  if (jwt.signer.kind === "issuer" || jwt.audience === undefined) {
    const setting = jwt.signer.kind === "issuer" ? "MCP_HTTP_AUTH_ISSUER (--http-auth-issuer)" : "MCP_HTTP_AUTH_JWT_SECRET (--http-auth-jwt-secret)";
    throw new ConfigError(`${setting} on a non-loopback host needs CYCLR_MCP_PUBLIC_URL (--public-url): access tokens are issued for <public URL>/mcp.`);
  }
}

/**
 * Who may fill a link's page. With an issuer the pages sign the person in unless the operator says
 * off: a link is a bearer token, and without the check whoever is sent one fills it (their keys
 * then land in the sender's account).
 */
export function pageAccessConfig(settings: SettingValues<typeof HTTP_AUTH_SETTINGS>): PageAccessConfig {
  const { authIssuer: issuer, pageSignIn, pageClientId: clientId, pageClientSecret: clientSecret } = settings;
  const access: PageAccessConfig = { linksForOthers: settings.linksForOthers };
  if (issuer === undefined) {
    const stray = clientId !== undefined ? HTTP_AUTH_SETTINGS.pageClientId : clientSecret !== undefined ? HTTP_AUTH_SETTINGS.pageClientSecret : pageSignIn === "on" ? HTTP_AUTH_SETTINGS.pageSignIn : undefined;
    if (stray) throw new ConfigError(`${stray.env} (--${stray.flag}) needs MCP_HTTP_AUTH_ISSUER (--http-auth-issuer): the pages sign the person in with the issuer of the access tokens.`);
    return access;
  }
  if (pageSignIn === "off") {
    if (clientId !== undefined || clientSecret !== undefined) {
      throw new ConfigError("MCP_HTTP_PAGE_CLIENT_ID or MCP_HTTP_PAGE_CLIENT_SECRET is set, but MCP_HTTP_PAGE_SIGN_IN=off: remove them, or turn the pages' sign-in on.");
    }
    return access;
  }
  if (clientId === undefined) {
    throw new ConfigError(
      "MCP_HTTP_AUTH_ISSUER (--http-auth-issuer): the credential pages sign the person in with it, so that only the person who made a link can fill it. " +
        `Register a client there (OpenID Connect, authorization code with PKCE, redirect URI CYCLR_MCP_PUBLIC_URL + ${PAGE_SIGN_IN_REDIRECT_PATH}) and set ` +
        "MCP_HTTP_PAGE_CLIENT_ID (--page-client-id) and MCP_HTTP_PAGE_CLIENT_SECRET (--page-client-secret); or set MCP_HTTP_PAGE_SIGN_IN=off (a link then works for whoever holds it).",
    );
  }
  return { ...access, pageSignIn: { issuer, clientId, ...(clientSecret !== undefined && { clientSecret }) } };
}
