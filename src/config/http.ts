/** Hosted mode's settings: the listener, who may call it (bearer tokens; JWTs are in http-auth.ts), and the limits on sessions and calls. */
import * as z from "zod";
import { isLoopbackHost } from "../loopback.js";
import { checkJwtHosting, pageAccessConfig, type HTTP_AUTH_SETTINGS, type JwtAuthConfig, type PageAccessConfig } from "./http-auth.js";
import { booleanText, ConfigError, count, list, nonEmpty, originSchema, wholeNumber, type SettingsTable, type SettingValues } from "./setting.js";

export const DEFAULT_HTTP_PORT = 3333;
export const DEFAULT_HTTP_HOST = "127.0.0.1";
export const DEFAULT_SESSION_IDLE_SECONDS = 1800;
export const DEFAULT_MAX_SESSIONS = 1000;
export const DEFAULT_MAX_SESSIONS_PER_TOKEN = 100;
export const DEFAULT_MAX_CALLS_PER_SESSION = 10;
export const DEFAULT_MAX_CALLS_PER_TOKEN = 50;

/** A bearer token a copilot's backend presents, optionally bound to one account. */
export interface HttpToken {
  token: string;
  accountId?: string;
}

export interface HttpConfig extends PageAccessConfig {
  port: number;
  host: string;
  /** No sessions: every request stands alone (replicas behind a load balancer). */
  stateless: boolean;
  tokens: HttpToken[];
  /** Callers may also present JWT access tokens (from an authorization server, or a partner's backend). */
  jwt?: JwtAuthConfig;
  /** Host header values accepted (DNS-rebinding protection); default the loopback names. */
  allowedHosts?: string[];
  /** Origin header values accepted; default the loopback origins. */
  allowedOrigins?: string[];
  sessionIdleSeconds: number;
  /** Sessions open at once, in all and per bearer token; past either, the oldest idle one is closed, or 429. */
  maxSessions: number;
  maxSessionsPerToken: number;
  /** Calls in flight at once, per session and per bearer token; past either, 429. */
  maxCallsPerSession: number;
  maxCallsPerToken: number;
  /** Behind a reverse proxy: the client's address is the last X-Forwarded-For entry. */
  trustProxy: boolean;
  /** Where credential links point, e.g. https://mcp.example.com; default the listener's own address. */
  publicUrl?: string;
}

export const HTTP_SETTINGS = {
  http: {
    env: "MCP_HTTP",
    flag: "http",
    type: "boolean",
    help: "Serve MCP over Streamable HTTP at /mcp instead of stdio (hosted mode).",
    value: booleanText.default(false),
  },
  port: {
    env: "MCP_HTTP_PORT",
    flag: "port",
    type: "string",
    help: `HTTP port (default ${DEFAULT_HTTP_PORT}; 0 picks a free one).`,
    value: z.coerce
      .number({ message: "must be a port number, e.g. 3333" })
      .int("must be a port number, e.g. 3333")
      .min(0, "must be 0-65535")
      .max(65_535, "must be 0-65535")
      .default(DEFAULT_HTTP_PORT),
  },
  host: {
    env: "MCP_HTTP_HOST",
    flag: "host",
    type: "string",
    help: `HTTP listen address (default ${DEFAULT_HTTP_HOST}). Any other than loopback needs authentication (MCP_HTTP_TOKENS, MCP_HTTP_AUTH_ISSUER or MCP_HTTP_AUTH_JWT_SECRET) and MCP_HTTP_ALLOWED_HOSTS.`,
    value: nonEmpty.default(DEFAULT_HTTP_HOST),
  },
  stateless: {
    env: "MCP_HTTP_STATELESS",
    flag: "stateless",
    type: "boolean",
    help: "No sessions: each request stands alone, for replicas behind a load balancer.",
    value: booleanText.default(false),
  },
  httpTokens: {
    env: "MCP_HTTP_TOKENS",
    flag: "http-tokens",
    type: "string",
    help: "Comma-separated bearer tokens (16+ characters) callers must present; token=accountId binds a token to one account.",
    secret: true,
    value: list
      .transform((entries, ctx): HttpToken[] =>
        entries.map((entry) => {
          const [token = "", accountId] = entry.split("=", 2).map((part) => part.trim());
          if (token.length < 16) ctx.addIssue({ code: "custom", message: "needs tokens of at least 16 characters (e.g. from openssl rand -hex 32)" });
          return accountId ? { token, accountId } : { token };
        }),
      )
      .optional(),
  },
  allowedHosts: {
    env: "MCP_HTTP_ALLOWED_HOSTS",
    flag: "allowed-hosts",
    type: "string",
    help: "Comma-separated Host header values accepted (name, or name:port); default the loopback names. Others get 403.",
    value: list.optional(),
  },
  allowedOrigins: {
    env: "MCP_HTTP_ALLOWED_ORIGINS",
    flag: "allowed-origins",
    type: "string",
    help: "Comma-separated Origin header values accepted from browsers; default the loopback origins. Others get 403.",
    value: list.optional(),
  },
  sessionIdleSeconds: {
    env: "MCP_HTTP_SESSION_IDLE_SECONDS",
    flag: "session-idle-seconds",
    type: "string",
    help: `A session unused this long is closed (default ${DEFAULT_SESSION_IDLE_SECONDS}).`,
    value: wholeNumber("seconds", 1800, [1, "must be at least 1"], [86_400, "must be at most 86400 (a day)"], DEFAULT_SESSION_IDLE_SECONDS),
  },
  maxSessions: {
    env: "MCP_HTTP_MAX_SESSIONS",
    flag: "max-sessions",
    type: "string",
    help: `Sessions open at once (default ${DEFAULT_MAX_SESSIONS}); past it the least recently used idle session is closed, or new ones get 429.`,
    value: count("sessions", 10_000, DEFAULT_MAX_SESSIONS),
  },
  maxSessionsPerToken: {
    env: "MCP_HTTP_MAX_SESSIONS_PER_TOKEN",
    flag: "max-sessions-per-token",
    type: "string",
    help: `Sessions open at once per bearer token, or per person (the subject) for OAuth callers, whichever client they use (default ${DEFAULT_MAX_SESSIONS_PER_TOKEN}); past it their least recently used idle session is closed, or 429.`,
    value: count("sessions", 10_000, DEFAULT_MAX_SESSIONS_PER_TOKEN),
  },
  maxCallsPerSession: {
    env: "MCP_HTTP_MAX_CALLS_PER_SESSION",
    flag: "max-calls-per-session",
    type: "string",
    help: `Requests in flight at once per session (default ${DEFAULT_MAX_CALLS_PER_SESSION}); more get 429.`,
    value: count("requests", 1_000, DEFAULT_MAX_CALLS_PER_SESSION),
  },
  maxCallsPerToken: {
    env: "MCP_HTTP_MAX_CALLS_PER_TOKEN",
    flag: "max-calls-per-token",
    type: "string",
    help: `Requests in flight at once per bearer token, or per person for OAuth callers, over all their sessions (default ${DEFAULT_MAX_CALLS_PER_TOKEN}); more get 429.`,
    value: count("requests", 10_000, DEFAULT_MAX_CALLS_PER_TOKEN),
  },
  trustProxy: {
    env: "MCP_HTTP_TRUST_PROXY",
    flag: "trust-proxy",
    type: "boolean",
    help: "Behind a reverse proxy that sets X-Forwarded-For: take the client's address from its last entry (for the credential pages' rate limit). Off by default.",
    value: booleanText.default(false),
  },
  publicUrl: {
    env: "CYCLR_MCP_PUBLIC_URL",
    flag: "public-url",
    type: "string",
    help: "Hosted mode: the public origin credential links point to, e.g. https://mcp.example.com (default the listener's address); <it>/mcp is the resource JWT access tokens are issued for.",
    value: originSchema("public URL", "https://mcp.example.com").optional(),
  },
} as const satisfies SettingsTable;

/** The hosted listener's configuration, checked: a listener other machines can reach needs proven callers and named hosts. */
export function httpConfig(
  settings: SettingValues<typeof HTTP_SETTINGS & typeof HTTP_AUTH_SETTINGS>,
  jwt: JwtAuthConfig | undefined,
  accountAllowlist: readonly string[] | undefined,
): HttpConfig {
  const http: Omit<HttpConfig, keyof PageAccessConfig> = {
    port: settings.port,
    host: settings.host,
    stateless: settings.stateless,
    tokens: settings.httpTokens ?? [],
    sessionIdleSeconds: settings.sessionIdleSeconds,
    maxSessions: settings.maxSessions,
    maxSessionsPerToken: Math.min(settings.maxSessionsPerToken, settings.maxSessions),
    maxCallsPerSession: settings.maxCallsPerSession,
    maxCallsPerToken: settings.maxCallsPerToken,
    trustProxy: settings.trustProxy,
  };
  if (settings.allowedHosts) http.allowedHosts = settings.allowedHosts;
  if (settings.allowedOrigins) http.allowedOrigins = settings.allowedOrigins;
  if (settings.publicUrl) http.publicUrl = settings.publicUrl;
  if (jwt) http.jwt = jwt;
  if (!isLoopbackHost(http.host)) {
    // Reachable from other machines: only with callers proven, and only under the names a proxy uses.
    if (http.tokens.length === 0 && !http.jwt) {
      throw new ConfigError(
        `MCP_HTTP_HOST (--host) ${http.host} is not loopback: set MCP_HTTP_TOKENS (--http-tokens), MCP_HTTP_AUTH_ISSUER (--http-auth-issuer) or MCP_HTTP_AUTH_JWT_SECRET (--http-auth-jwt-secret) so that only callers with a token get in.`,
      );
    }
    checkJwtHosting(http.jwt, http.host, http.publicUrl);
    if (!http.allowedHosts) {
      throw new ConfigError(`MCP_HTTP_HOST (--host) ${http.host} is not loopback: set MCP_HTTP_ALLOWED_HOSTS (--allowed-hosts) to the names clients use, e.g. mcp.example.com.`);
    }
  }
  const outside = accountAllowlist ? http.tokens.filter((t) => t.accountId !== undefined && !accountAllowlist.includes(t.accountId)) : [];
  if (outside.length > 0) {
    throw new ConfigError(`MCP_HTTP_TOKENS (--http-tokens) binds a token to account ${outside[0]?.accountId}, which CYCLR_ACCOUNT_ALLOWLIST does not allow.`);
  }
  // Who may fill a link's page: checked once the listener itself may start.
  return { ...http, ...pageAccessConfig(settings) };
}
