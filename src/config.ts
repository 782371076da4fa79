/**
 * The only reader of process.env and argv. Every setting is an environment variable with a CLI
 * flag that mirrors it; flags win. Validation is zod; a bad setting names itself and the fix.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { isLoopbackHost } from "./setup/target-origin.js";

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_API_URL = "https://api.cyclr.com";
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CATALOG_TTL_SECONDS = 300;
/**
 * 32 MiB. The largest answers Cyclr gives are catalog pages of 100 connectors, each with its icon
 * inline as a data URI: at tens of KB an icon, a page is a few MB, so 32 MiB leaves room for big
 * icons many times over, while a runaway answer costs at most this much memory (plus its parse)
 * instead of all of it.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_HTTP_PORT = 3333;
export const DEFAULT_HTTP_HOST = "127.0.0.1";
export const DEFAULT_SESSION_IDLE_SECONDS = 1800;
export const DEFAULT_MAX_SESSIONS = 1000;
export const DEFAULT_MAX_SESSIONS_PER_TOKEN = 100;
export const DEFAULT_MAX_CALLS_PER_SESSION = 10;
export const DEFAULT_MAX_CALLS_PER_TOKEN = 50;
export const DEFAULT_ACCOUNT_CLAIM = "cyclr_account";
/** An HS256 secret shorter than this is refused (RFC 7518 §3.2: a key at least as long as the hash). */
export const MIN_JWT_SECRET_BYTES = 32;
export const DEFAULT_REDIS_PREFIX = "cyclr-mcp:";
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

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

/** Hosted mode's JWT access tokens: who signs them, for whom, and how they name an account. */
export interface JwtAuthConfig {
  signer: TokenSigner;
  /** The aud a token must carry; default the resource, CYCLR_MCP_PUBLIC_URL + /mcp (RFC 8707). */
  audience?: string;
  /** The claim naming the one Cyclr account a token may act on. */
  accountClaim: string;
  /** A token without the account claim is accepted even with no CYCLR_ACCOUNT_ALLOWLIST (it may act on every account). */
  allowUnpinned: boolean;
}

/** A bearer token a copilot's backend presents, optionally bound to one account. */
export interface HttpToken {
  token: string;
  accountId?: string;
}

export interface HttpConfig {
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

export type CyclrCredentials =
  | { kind: "clientCredentials"; clientId: string; clientSecret: string }
  | { kind: "accessToken"; accessToken: string };

export interface Config {
  /** Run against the embedded sandbox instead of a real Cyclr API. */
  sandbox: boolean;
  /** API origin, no trailing slash. Ignored in sandbox mode (the sandbox supplies its own). */
  apiUrl: string;
  credentials?: CyclrCredentials;
  accountId?: string;
  /** Partner service domain as an origin, e.g. https://acme-h.cyclr.com. */
  serviceDomain?: string;
  /** Origins, besides the service domain (and, hosted, this server's public origin), where an OAuth sign-in may end. */
  oauthTargetOrigins?: string[];
  timeoutMs: number;
  /** The largest body accepted from Cyclr, in bytes. */
  maxResponseBytes: number;
  /** How long a loaded catalog is fresh; 0 loads it for every call. */
  catalogTtlSeconds: number;
  /** Sandbox mode only: serve the sandbox's fault-injection control endpoint (for tests). */
  sandboxFaults: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Serve MCP over Streamable HTTP instead of stdio. */
  http?: HttpConfig;
  /** The only accounts any call may touch. */
  accountAllowlist?: string[];
  /** Only the tools that change nothing (readOnlyHint). */
  readOnly: boolean;
  /** Only these tools. */
  tools?: string[];
  /** Where the state replicas share lives; without it, in this process's memory. */
  store: StoreConfig;
}

/** CYCLR_MCP_REDIS_URL and CYCLR_MCP_REDIS_PREFIX: the state of links, waits, limits, the token and the catalog. */
export type StoreConfig = { kind: "memory" } | { kind: "redis"; url: string; prefix: string };

export type CliCommand =
  | { kind: "run"; config: Config }
  /** deep: `doctor --deep`, the read-only checks of the open questions about the API on this tenant. */
  | { kind: "doctor"; config: Config; deep: boolean }
  | { kind: "demo" }
  /** `cyclr-mcp sandbox [--port N]`: the embedded sandbox API alone, for several replicas (and people) to share. */
  | { kind: "sandbox"; port: number; host: string }
  | { kind: "help" }
  | { kind: "version" };

/** Commands given as the first word: `cyclr-mcp doctor`, `cyclr-mcp demo`. */
const COMMANDS = ["doctor", "demo", "sandbox"] as const;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The command the configuration was for (doctor reports a bad configuration as a failed check). */
  command?: string;
}

interface Setting {
  env: string;
  flag: string;
  type: "string" | "boolean";
  help: string;
  secret?: boolean;
}

/** The settings table: drives parsing, --help and the README's configuration section. */
export const SETTINGS = {
  apiUrl: {
    env: "CYCLR_API_URL",
    flag: "api-url",
    type: "string",
    help: `Cyclr API origin (default ${DEFAULT_API_URL}; e.g. https://api.eu.cyclr.com, https://api.cyclr.uk). http only for loopback hosts.`,
  },
  clientId: { env: "CYCLR_CLIENT_ID", flag: "client-id", type: "string", help: "Partner OAuth client ID (Console > Settings > OAuth Client Credentials)." },
  clientSecret: { env: "CYCLR_CLIENT_SECRET", flag: "client-secret", type: "string", help: "Partner OAuth client secret.", secret: true },
  accessToken: { env: "CYCLR_ACCESS_TOKEN", flag: "access-token", type: "string", help: "A ready Cyclr bearer token, instead of client credentials.", secret: true },
  accountId: { env: "CYCLR_ACCOUNT_ID", flag: "account-id", type: "string", help: "Default account API ID, sent as X-Cyclr-Account (an opaque string; tools may override it)." },
  serviceDomain: {
    env: "CYCLR_SERVICE_DOMAIN",
    flag: "service-domain",
    type: "string",
    help: "Partner service domain for OAuth links, as a host (acme-h.cyclr.com) or origin. Needed by create_oauth_link.",
  },
  oauthTargetOrigins: {
    env: "CYCLR_OAUTH_TARGET_ORIGINS",
    flag: "oauth-target-origins",
    type: "string",
    help:
      "Comma-separated origins (e.g. https://app.example.com) where a person's browser may go after an OAuth sign-in, " +
      "besides the service domain and, hosted, CYCLR_MCP_PUBLIC_URL: create_oauth_link refuses any other targetOrigin. http only for loopback hosts.",
  },
  sandbox: { env: "CYCLR_SANDBOX", flag: "sandbox", type: "boolean", help: "Run against the embedded sandbox; no credentials needed (CYCLR_SANDBOX=1)." },
  timeoutMs: {
    env: "CYCLR_TIMEOUT_MS",
    flag: "timeout-ms",
    type: "string",
    help: `Time budget of each call to Cyclr in milliseconds, retries included (default ${DEFAULT_TIMEOUT_MS}).`,
  },
  maxResponseBytes: {
    env: "CYCLR_MAX_RESPONSE_BYTES",
    flag: "max-response-bytes",
    type: "string",
    help: `The largest answer body accepted from Cyclr, in bytes (default ${DEFAULT_MAX_RESPONSE_BYTES}, 32 MiB); a larger one fails the call without being read whole.`,
  },
  catalogTtlSeconds: {
    env: "CYCLR_CATALOG_TTL_SECONDS",
    flag: "catalog-ttl-seconds",
    type: "string",
    help: `How long a loaded catalog is reused, in seconds (default ${DEFAULT_CATALOG_TTL_SECONDS}; 0 loads it for every call).`,
  },
  sandboxFaults: {
    env: "CYCLR_SANDBOX_FAULTS",
    flag: "sandbox-faults",
    type: "boolean",
    help: "With --sandbox: serve POST /__sandbox/faults on the sandbox, to inject failures (for tests; off by default).",
  },
  logLevel: { env: "CYCLR_LOG_LEVEL", flag: "log-level", type: "string", help: "Log level on stderr: error, warn, info (default) or debug." },
  logFormat: { env: "CYCLR_LOG_FORMAT", flag: "log-format", type: "string", help: "Log lines on stderr as text (default) or json (one object per line, for hosted use)." },
  accountAllowlist: {
    env: "CYCLR_ACCOUNT_ALLOWLIST",
    flag: "account-allowlist",
    type: "string",
    help: "Comma-separated account IDs: the only accounts any call may touch, in every mode.",
  },
  readOnly: {
    env: "CYCLR_READ_ONLY",
    flag: "read-only",
    type: "boolean",
    help: "Offer only the tools that change nothing (list, get): for a copilot that may look but not touch.",
  },
  tools: {
    env: "CYCLR_TOOLS",
    flag: "tools",
    type: "string",
    help: "Comma-separated tool names: offer only these (with --read-only, only those of them that change nothing).",
  },
  http: { env: "MCP_HTTP", flag: "http", type: "boolean", help: "Serve MCP over Streamable HTTP at /mcp instead of stdio (hosted mode)." },
  port: { env: "MCP_HTTP_PORT", flag: "port", type: "string", help: `HTTP port (default ${DEFAULT_HTTP_PORT}; 0 picks a free one).` },
  host: {
    env: "MCP_HTTP_HOST",
    flag: "host",
    type: "string",
    help: `HTTP listen address (default ${DEFAULT_HTTP_HOST}). Any other than loopback needs authentication (MCP_HTTP_TOKENS, MCP_HTTP_AUTH_ISSUER or MCP_HTTP_AUTH_JWT_SECRET) and MCP_HTTP_ALLOWED_HOSTS.`,
  },
  stateless: { env: "MCP_HTTP_STATELESS", flag: "stateless", type: "boolean", help: "No sessions: each request stands alone, for replicas behind a load balancer." },
  httpTokens: {
    env: "MCP_HTTP_TOKENS",
    flag: "http-tokens",
    type: "string",
    help: "Comma-separated bearer tokens (16+ characters) callers must present; token=accountId binds a token to one account.",
    secret: true,
  },
  authIssuer: {
    env: "MCP_HTTP_AUTH_ISSUER",
    flag: "http-auth-issuer",
    type: "string",
    help:
      "Hosted mode: accept JWT access tokens from this OAuth authorization server (its issuer, e.g. https://auth.example.com; metadata at " +
      "/.well-known/oauth-authorization-server or /.well-known/openid-configuration, keys at its jwks_uri) with scope cyclr:read or cyclr:write; " +
      "/mcp then advertises it (/.well-known/oauth-protected-resource). http only for loopback hosts.",
  },
  authJwksUrl: {
    env: "MCP_HTTP_AUTH_JWKS_URL",
    flag: "http-auth-jwks-url",
    type: "string",
    help: "With MCP_HTTP_AUTH_ISSUER: where its signing keys are, instead of the jwks_uri of its metadata. http only for loopback hosts.",
  },
  authJwtSecret: {
    env: "MCP_HTTP_AUTH_JWT_SECRET",
    flag: "http-auth-jwt-secret",
    type: "string",
    help: `Instead of an issuer: an HS256 secret (at least ${MIN_JWT_SECRET_BYTES} bytes) shared with your backend, which mints short-lived JWTs for its customers (only HS256 is accepted).`,
    secret: true,
  },
  authAudience: {
    env: "MCP_HTTP_AUTH_AUDIENCE",
    flag: "http-auth-audience",
    type: "string",
    help: "The audience (aud) a JWT access token must carry; default this server's public MCP URL, CYCLR_MCP_PUBLIC_URL + /mcp (the resource of RFC 8707).",
  },
  authAccountClaim: {
    env: "MCP_HTTP_AUTH_ACCOUNT_CLAIM",
    flag: "http-auth-account-claim",
    type: "string",
    help: `The JWT claim naming the caller's Cyclr account, which pins the session to it (default ${DEFAULT_ACCOUNT_CLAIM}).`,
  },
  authAllowUnpinned: {
    env: "MCP_HTTP_AUTH_ALLOW_UNPINNED",
    flag: "http-auth-allow-unpinned",
    type: "boolean",
    help: "Accept JWTs without the account claim even with no CYCLR_ACCOUNT_ALLOWLIST (they may then act on any account); off by default, and such tokens are refused.",
  },
  allowedHosts: {
    env: "MCP_HTTP_ALLOWED_HOSTS",
    flag: "allowed-hosts",
    type: "string",
    help: "Comma-separated Host header values accepted (name, or name:port); default the loopback names. Others get 403.",
  },
  allowedOrigins: {
    env: "MCP_HTTP_ALLOWED_ORIGINS",
    flag: "allowed-origins",
    type: "string",
    help: "Comma-separated Origin header values accepted from browsers; default the loopback origins. Others get 403.",
  },
  sessionIdleSeconds: {
    env: "MCP_HTTP_SESSION_IDLE_SECONDS",
    flag: "session-idle-seconds",
    type: "string",
    help: `A session unused this long is closed (default ${DEFAULT_SESSION_IDLE_SECONDS}).`,
  },
  maxSessions: {
    env: "MCP_HTTP_MAX_SESSIONS",
    flag: "max-sessions",
    type: "string",
    help: `Sessions open at once (default ${DEFAULT_MAX_SESSIONS}); past it the least recently used idle session is closed, or new ones get 429.`,
  },
  maxSessionsPerToken: {
    env: "MCP_HTTP_MAX_SESSIONS_PER_TOKEN",
    flag: "max-sessions-per-token",
    type: "string",
    help: `Sessions open at once per bearer token, or per person (the subject) for OAuth callers, whichever client they use (default ${DEFAULT_MAX_SESSIONS_PER_TOKEN}); past it their least recently used idle session is closed, or 429.`,
  },
  maxCallsPerSession: {
    env: "MCP_HTTP_MAX_CALLS_PER_SESSION",
    flag: "max-calls-per-session",
    type: "string",
    help: `Requests in flight at once per session (default ${DEFAULT_MAX_CALLS_PER_SESSION}); more get 429.`,
  },
  maxCallsPerToken: {
    env: "MCP_HTTP_MAX_CALLS_PER_TOKEN",
    flag: "max-calls-per-token",
    type: "string",
    help: `Requests in flight at once per bearer token, or per person for OAuth callers, over all their sessions (default ${DEFAULT_MAX_CALLS_PER_TOKEN}); more get 429.`,
  },
  trustProxy: {
    env: "MCP_HTTP_TRUST_PROXY",
    flag: "trust-proxy",
    type: "boolean",
    help: "Behind a reverse proxy that sets X-Forwarded-For: take the client's address from its last entry (for the credential pages' rate limit). Off by default.",
  },
  publicUrl: {
    env: "CYCLR_MCP_PUBLIC_URL",
    flag: "public-url",
    type: "string",
    help: "Hosted mode: the public origin credential links point to, e.g. https://mcp.example.com (default the listener's address); <it>/mcp is the resource JWT access tokens are issued for.",
  },
  redisUrl: {
    env: "CYCLR_MCP_REDIS_URL",
    flag: "redis-url",
    type: "string",
    help:
      "redis:// or rediss:// URL of a Redis (or Valkey) server: credential links, browser steps, the credential pages' rate limits, the Cyclr token and the catalog are then shared by every replica through it (default: this process's memory).",
    secret: true,
  },
  redisPrefix: {
    env: "CYCLR_MCP_REDIS_PREFIX",
    flag: "redis-prefix",
    type: "string",
    help: `With CYCLR_MCP_REDIS_URL: the prefix of every key (default ${DEFAULT_REDIS_PREFIX}), so several deployments can share one Redis.`,
  },
} as const satisfies Record<string, Setting>;

type SettingKey = keyof typeof SETTINGS;

/** `raw` as an http(s) URL (plain http only for loopback), or an issue on `ctx` naming what is wrong. */
function httpUrl(raw: string, ctx: z.RefinementCtx, what: string, example: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    ctx.addIssue({ code: "custom", message: `is not a valid ${what}; expected something like ${example}` });
    return undefined;
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    ctx.addIssue({ code: "custom", message: `must use https (plain http is accepted only for loopback hosts); got ${url.protocol}//${url.host}` });
    return undefined;
  }
  return url;
}

/** An http(s) origin; plain http only for loopback. */
function originSchema(what: string, example: string) {
  return z.string().transform((raw, ctx) => {
    const url = httpUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`, ctx, what, example);
    if (!url) return z.NEVER;
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password) {
      ctx.addIssue({ code: "custom", message: `must be an origin only, with no path, query or credentials; expected something like ${example}` });
      return z.NEVER;
    }
    return url.origin;
  });
}

/** An http(s) URL (a path is allowed); plain http only for loopback. */
function urlSchema(what: string, example: string) {
  return z.string().transform((raw, ctx) => {
    const url = httpUrl(raw, ctx, what, example);
    if (!url) return z.NEVER;
    if (url.hash || url.username || url.password) {
      ctx.addIssue({ code: "custom", message: `must not carry credentials or a fragment; expected something like ${example}` });
      return z.NEVER;
    }
    // Kept as written: an issuer is compared with the tokens' iss claim character for character.
    return raw;
  });
}

const nonEmpty = z.string().trim().min(1, "must not be empty");

/** A comma-separated list, blanks dropped. */
const list = z.string().transform((text, ctx) => {
  const items = text.split(",").map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) ctx.addIssue({ code: "custom", message: "must list at least one value, comma-separated" });
  return items;
});

const booleanText = z
  .union([z.boolean(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === "boolean") return value;
    const text = value.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(text)) return true;
    if (["", "0", "false", "no", "off"].includes(text)) return false;
    ctx.addIssue({ code: "custom", message: "must be 1 or 0 (true or false)" });
    return z.NEVER;
  });

/** A whole number of things, at least 1. */
function count(what: string, max: number, fallback: number) {
  return z.coerce
    .number({ message: `must be a whole number of ${what}, e.g. ${fallback}` })
    .int(`must be a whole number of ${what}, e.g. ${fallback}`)
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`)
    .default(fallback);
}

const rawSchema = z.object({
  apiUrl: originSchema("API URL", DEFAULT_API_URL).default(DEFAULT_API_URL),
  clientId: nonEmpty.optional(),
  clientSecret: nonEmpty.optional(),
  accessToken: nonEmpty.optional(),
  accountId: nonEmpty.optional(),
  serviceDomain: originSchema("service domain", "acme-h.cyclr.com or https://acme-h.cyclr.com").optional(),
  oauthTargetOrigins: list.pipe(z.array(originSchema("origin", "https://app.example.com"))).optional(),
  sandbox: booleanText.default(false),
  timeoutMs: z.coerce
    .number({ message: "must be a whole number of milliseconds, e.g. 30000" })
    .int("must be a whole number of milliseconds, e.g. 30000")
    .min(100, "must be at least 100 ms")
    .max(600_000, "must be at most 600000 ms (10 minutes)")
    .default(DEFAULT_TIMEOUT_MS),
  maxResponseBytes: z.coerce
    .number({ message: "must be a whole number of bytes, e.g. 33554432" })
    .int("must be a whole number of bytes, e.g. 33554432")
    // The token answer and an account connector must always fit; beyond 1 GiB the limit protects nothing.
    .min(65_536, "must be at least 65536 (64 KiB)")
    .max(1_073_741_824, "must be at most 1073741824 (1 GiB)")
    .default(DEFAULT_MAX_RESPONSE_BYTES),
  catalogTtlSeconds: z.coerce
    .number({ message: "must be a whole number of seconds, e.g. 300" })
    .int("must be a whole number of seconds, e.g. 300")
    .min(0, "must be 0 or more")
    .max(86_400, "must be at most 86400 (a day)")
    .default(DEFAULT_CATALOG_TTL_SECONDS),
  sandboxFaults: booleanText.default(false),
  logLevel: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  logFormat: z.enum(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(", ")}` }).default("text"),
  accountAllowlist: list.optional(),
  readOnly: booleanText.default(false),
  tools: list.optional(),
  http: booleanText.default(false),
  port: z.coerce
    .number({ message: "must be a port number, e.g. 3333" })
    .int("must be a port number, e.g. 3333")
    .min(0, "must be 0-65535")
    .max(65_535, "must be 0-65535")
    .default(DEFAULT_HTTP_PORT),
  host: nonEmpty.default(DEFAULT_HTTP_HOST),
  stateless: booleanText.default(false),
  httpTokens: list
    .transform((entries, ctx) =>
      entries.map((entry) => {
        const [token = "", accountId] = entry.split("=", 2).map((part) => part.trim());
        if (token.length < 16) ctx.addIssue({ code: "custom", message: "needs tokens of at least 16 characters (e.g. from openssl rand -hex 32)" });
        return accountId ? { token, accountId } : { token };
      }),
    )
    .optional(),
  authIssuer: urlSchema("issuer", "https://auth.example.com").optional(),
  authJwksUrl: urlSchema("JWKS URL", "https://auth.example.com/.well-known/jwks.json").optional(),
  authJwtSecret: z
    .string()
    .refine((secret) => Buffer.byteLength(secret, "utf8") >= MIN_JWT_SECRET_BYTES, `must be at least ${MIN_JWT_SECRET_BYTES} bytes (e.g. from openssl rand -hex 32)`)
    .optional(),
  authAudience: nonEmpty.optional(),
  authAccountClaim: nonEmpty.default(DEFAULT_ACCOUNT_CLAIM),
  authAllowUnpinned: booleanText.default(false),
  allowedHosts: list.optional(),
  allowedOrigins: list.optional(),
  sessionIdleSeconds: z.coerce
    .number({ message: "must be a whole number of seconds, e.g. 1800" })
    .int("must be a whole number of seconds, e.g. 1800")
    .min(1, "must be at least 1")
    .max(86_400, "must be at most 86400 (a day)")
    .default(DEFAULT_SESSION_IDLE_SECONDS),
  maxSessions: count("sessions", 10_000, DEFAULT_MAX_SESSIONS),
  maxSessionsPerToken: count("sessions", 10_000, DEFAULT_MAX_SESSIONS_PER_TOKEN),
  maxCallsPerSession: count("requests", 1_000, DEFAULT_MAX_CALLS_PER_SESSION),
  maxCallsPerToken: count("requests", 10_000, DEFAULT_MAX_CALLS_PER_TOKEN),
  trustProxy: booleanText.default(false),
  publicUrl: originSchema("public URL", "https://mcp.example.com").optional(),
  redisUrl: z
    .string()
    .trim()
    .refine((text) => {
      try {
        const url = new URL(text);
        return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "";
      } catch {
        return false;
      }
    }, "must be a redis:// or rediss:// URL, e.g. redis://redis.internal:6379 (rediss:// for TLS; a password goes in the URL: redis://:password@host:6379)")
    .optional(),
  redisPrefix: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters").default(DEFAULT_REDIS_PREFIX),
});

function describeSetting(key: string): string {
  const setting = (SETTINGS as Record<string, Setting>)[key];
  return setting ? `${setting.env} (--${setting.flag})` : key;
}

/** Parse argv (without node and script) and env into a command. Throws ConfigError with a one-line fix. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  // --deep belongs to the doctor command, not to the server's settings: a flag of its own, not a SETTINGS entry (no env variable, not in the README's table).
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" }, version: { type: "boolean" }, deep: { type: "boolean" } };
  for (const setting of Object.values(SETTINGS)) options[setting.flag] = { type: setting.type };

  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true }));
  } catch (error) {
    throw new ConfigError(`${error instanceof Error ? error.message : String(error)}. Run cyclr-mcp --help for the options.`);
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [command, ...extra] = positionals;
  if (command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
    throw new ConfigError(`Unknown command "${command}": the commands are ${COMMANDS.join(", ")}. Run cyclr-mcp --help for the options.`);
  }
  if (extra.length > 0) throw new ConfigError(`Unexpected "${extra.join(" ")}" after ${command}. Run cyclr-mcp --help for the options.`);
  if (values.deep && command !== "doctor") throw new ConfigError("--deep goes with doctor: cyclr-mcp doctor --deep.");
  const deep = values.deep === true;
  if (command === "demo") return { kind: "demo" };
  try {
    return settingsFor(values, env, command, deep);
  } catch (error) {
    if (error instanceof ConfigError && command !== undefined) error.command = command;
    throw error;
  }
}

function settingsFor(
  values: Record<string, string | boolean | undefined>,
  env: Readonly<Record<string, string | undefined>>,
  command: string | undefined,
  deep: boolean,
): CliCommand {

  const raw: Partial<Record<SettingKey, string | boolean>> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingKey, Setting][]) {
    const fromFlag = values[setting.flag];
    const fromEnv = env[setting.env];
    const value = fromFlag ?? (fromEnv === undefined || fromEnv === "" ? undefined : fromEnv);
    if (value !== undefined) raw[key] = value;
  }

  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${describeSetting(String(issue.path[0] ?? ""))} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}.`);
  }
  const settings = parsed.data;

  const config: Config = {
    sandbox: settings.sandbox,
    apiUrl: settings.apiUrl,
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
    catalogTtlSeconds: settings.catalogTtlSeconds,
    sandboxFaults: settings.sandboxFaults,
    logLevel: settings.logLevel,
    logFormat: settings.logFormat,
    readOnly: settings.readOnly,
    store: settings.redisUrl !== undefined ? { kind: "redis", url: settings.redisUrl, prefix: settings.redisPrefix } : { kind: "memory" },
  };
  // The sandbox alone listens on a free port unless given one.
  if (command === "sandbox") return { kind: "sandbox", port: raw.port === undefined ? 0 : settings.port, host: settings.host };
  if (settings.tools) config.tools = settings.tools;
  if (settings.accountAllowlist) config.accountAllowlist = settings.accountAllowlist;
  if (settings.http) config.http = httpConfig(settings);
  if (settings.sandboxFaults && !settings.sandbox) {
    throw new ConfigError("CYCLR_SANDBOX_FAULTS (--sandbox-faults) only works with the embedded sandbox: add --sandbox (CYCLR_SANDBOX=1).");
  }
  if (settings.accountId !== undefined) config.accountId = settings.accountId;
  if (settings.serviceDomain !== undefined) config.serviceDomain = settings.serviceDomain;
  if (settings.oauthTargetOrigins !== undefined) config.oauthTargetOrigins = settings.oauthTargetOrigins;

  const done = (): CliCommand => (command === "doctor" ? { kind: "doctor", config, deep } : { kind: "run", config });
  if (settings.sandbox) return done();

  const hasClient = settings.clientId !== undefined || settings.clientSecret !== undefined;
  if (hasClient && settings.accessToken !== undefined) {
    throw new ConfigError(
      "Both client credentials (CYCLR_CLIENT_ID/CYCLR_CLIENT_SECRET) and CYCLR_ACCESS_TOKEN are set: keep one of them.",
    );
  }
  if (settings.accessToken !== undefined) {
    config.credentials = { kind: "accessToken", accessToken: settings.accessToken };
  } else if (settings.clientId !== undefined && settings.clientSecret !== undefined) {
    config.credentials = { kind: "clientCredentials", clientId: settings.clientId, clientSecret: settings.clientSecret };
  } else if (hasClient) {
    const missing = settings.clientId === undefined ? "CYCLR_CLIENT_ID (--client-id)" : "CYCLR_CLIENT_SECRET (--client-secret)";
    throw new ConfigError(`${missing} is missing: client credentials need both the ID and the secret.`);
  } else {
    throw new ConfigError(
      "No Cyclr credentials: set CYCLR_CLIENT_ID and CYCLR_CLIENT_SECRET (or CYCLR_ACCESS_TOKEN), " +
        "and CYCLR_ACCOUNT_ID; or run with --sandbox (CYCLR_SANDBOX=1) to try the embedded sandbox.",
    );
  }
  return done();
}

function httpConfig(settings: z.output<typeof rawSchema>): HttpConfig {
  const http: HttpConfig = {
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
  const jwt = jwtConfig(settings);
  if (jwt) http.jwt = jwt;
  if (!isLoopbackHost(http.host)) {
    // Reachable from other machines: only with callers proven, and only under the names a proxy uses.
    if (http.tokens.length === 0 && !http.jwt) {
      throw new ConfigError(
        `MCP_HTTP_HOST (--host) ${http.host} is not loopback: set MCP_HTTP_TOKENS (--http-tokens), MCP_HTTP_AUTH_ISSUER (--http-auth-issuer) or MCP_HTTP_AUTH_JWT_SECRET (--http-auth-jwt-secret) so that only callers with a token get in.`,
      );
    }
    // Tokens are issued for the public URL (their audience, the metadata's resource): the listener's address is not it.
    if (http.jwt && !http.publicUrl && (http.jwt.signer.kind === "issuer" || http.jwt.audience === undefined)) {
      const setting = http.jwt.signer.kind === "issuer" ? "MCP_HTTP_AUTH_ISSUER (--http-auth-issuer)" : "MCP_HTTP_AUTH_JWT_SECRET (--http-auth-jwt-secret)";
      throw new ConfigError(`${setting} on a non-loopback host needs CYCLR_MCP_PUBLIC_URL (--public-url): access tokens are issued for <public URL>/mcp.`);
    }
    if (!http.allowedHosts) {
      throw new ConfigError(`MCP_HTTP_HOST (--host) ${http.host} is not loopback: set MCP_HTTP_ALLOWED_HOSTS (--allowed-hosts) to the names clients use, e.g. mcp.example.com.`);
    }
  }
  const allowlist = settings.accountAllowlist;
  const outside = allowlist ? http.tokens.filter((t) => t.accountId !== undefined && !allowlist.includes(t.accountId)) : [];
  if (outside.length > 0) {
    throw new ConfigError(`MCP_HTTP_TOKENS (--http-tokens) binds a token to account ${outside[0]?.accountId}, which CYCLR_ACCOUNT_ALLOWLIST does not allow.`);
  }
  return http;
}

/** The JWT settings: an issuer or a shared secret, not both; the rest only beside one of them. */
function jwtConfig(settings: z.output<typeof rawSchema>): JwtAuthConfig | undefined {
  const { authIssuer: issuer, authJwksUrl: jwksUrl, authJwtSecret: secret } = settings;
  if (issuer !== undefined && secret !== undefined) {
    throw new ConfigError("Both MCP_HTTP_AUTH_ISSUER (--http-auth-issuer) and MCP_HTTP_AUTH_JWT_SECRET (--http-auth-jwt-secret) are set: tokens come from an authorization server or from your backend; keep one.");
  }
  if (jwksUrl !== undefined && issuer === undefined) {
    throw new ConfigError("MCP_HTTP_AUTH_JWKS_URL (--http-auth-jwks-url) needs MCP_HTTP_AUTH_ISSUER (--http-auth-issuer): the authorization server whose keys they are.");
  }
  if (issuer === undefined && secret === undefined) {
    const stray = (["authAudience", "authAllowUnpinned"] as const).find((key) => key === "authAllowUnpinned" ? settings[key] : settings[key] !== undefined);
    if (stray) throw new ConfigError(`${describeSetting(stray)} needs MCP_HTTP_AUTH_ISSUER (--http-auth-issuer) or MCP_HTTP_AUTH_JWT_SECRET (--http-auth-jwt-secret).`);
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

/** The secret in a set of credentials, for the redactor. */
export function credentialSecret(credentials: CyclrCredentials): string {
  return credentials.kind === "clientCredentials" ? credentials.clientSecret : credentials.accessToken;
}

export function helpText(version: string): string {
  const lines = [
    `cyclr-mcp ${version}: an MCP server that sets up Cyclr connectors in a Cyclr account.`,
    "",
    "Usage: cyclr-mcp [options]          serve MCP over stdio",
    "       cyclr-mcp --http [options]   serve MCP over Streamable HTTP at /mcp (hosted mode)",
    "       cyclr-mcp doctor [options]   check the configuration, Cyclr, the account and the service domain",
    "       cyclr-mcp doctor --deep      also check the open questions about the API on this tenant (read-only): catalog items that",
    "                                    do not parse, the page-size cap, custom connectors, the account's connectors; a report to paste",
    "       cyclr-mcp demo               a guided onboarding against the embedded sandbox",
    "       cyclr-mcp sandbox [--port N] serve the embedded sandbox API alone (and its consent page), for several replicas to share;",
    "                                    prints its URL and the CYCLR_* lines that point a server at it",
    "",
    "Options (each mirrors an environment variable; the flag wins):",
  ];
  for (const setting of Object.values(SETTINGS) as Setting[]) {
    const flag = setting.type === "boolean" ? `--${setting.flag}` : `--${setting.flag} <value>`;
    lines.push(`  ${flag.padEnd(26)} ${setting.env}`, `  ${"".padEnd(26)} ${setting.help}`);
  }
  lines.push("  --help                     show this help", "  --version                  show the version", "");
  lines.push("Try it without a Cyclr account: cyclr-mcp --sandbox");
  return lines.join("\n");
}
