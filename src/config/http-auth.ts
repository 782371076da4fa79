/** Hosted mode's JWT access tokens: who signs them (an authorization server, or a partner's backend), for whom, and how they name an account. */
import { z } from "zod";
import { isLoopbackHost } from "../loopback.js";
import { booleanText, ConfigError, nonEmpty, urlSchema, type SettingsTable, type SettingValues } from "./setting.js";

export const DEFAULT_ACCOUNT_CLAIM = "cyclr_account";
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
