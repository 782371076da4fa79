/**
 * The only reader of process.env and argv. Every setting is an environment variable with a CLI
 * flag that mirrors it; flags win. Validation is zod; a bad setting names itself and the fix.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_API_URL = "https://api.cyclr.com";
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CATALOG_TTL_SECONDS = 300;

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
  timeoutMs: number;
  /** How long a loaded catalog is fresh; 0 loads it for every call. */
  catalogTtlSeconds: number;
  /** Sandbox mode only: serve the sandbox's fault-injection control endpoint (for tests). */
  sandboxFaults: boolean;
  logLevel: LogLevel;
}

export type CliCommand = { kind: "run"; config: Config } | { kind: "help" } | { kind: "version" };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
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
  sandbox: { env: "CYCLR_SANDBOX", flag: "sandbox", type: "boolean", help: "Run against the embedded sandbox; no credentials needed (CYCLR_SANDBOX=1)." },
  timeoutMs: {
    env: "CYCLR_TIMEOUT_MS",
    flag: "timeout-ms",
    type: "string",
    help: `Time budget of each call to Cyclr in milliseconds, retries included (default ${DEFAULT_TIMEOUT_MS}).`,
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
} as const satisfies Record<string, Setting>;

type SettingKey = keyof typeof SETTINGS;

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** An http(s) origin; plain http only for loopback. */
function originSchema(what: string, example: string) {
  return z.string().transform((raw, ctx) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      ctx.addIssue({ code: "custom", message: `is not a valid ${what}; expected something like ${example}` });
      return z.NEVER;
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
      ctx.addIssue({ code: "custom", message: `must use https (plain http is accepted only for loopback hosts); got ${url.protocol}//${url.host}` });
      return z.NEVER;
    }
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password) {
      ctx.addIssue({ code: "custom", message: `must be an origin only, with no path, query or credentials; expected something like ${example}` });
      return z.NEVER;
    }
    return url.origin;
  });
}

const nonEmpty = z.string().trim().min(1, "must not be empty");

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

const rawSchema = z.object({
  apiUrl: originSchema("API URL", DEFAULT_API_URL).default(DEFAULT_API_URL),
  clientId: nonEmpty.optional(),
  clientSecret: nonEmpty.optional(),
  accessToken: nonEmpty.optional(),
  accountId: nonEmpty.optional(),
  serviceDomain: originSchema("service domain", "acme-h.cyclr.com or https://acme-h.cyclr.com").optional(),
  sandbox: booleanText.default(false),
  timeoutMs: z.coerce
    .number({ message: "must be a whole number of milliseconds, e.g. 30000" })
    .int("must be a whole number of milliseconds, e.g. 30000")
    .min(100, "must be at least 100 ms")
    .max(600_000, "must be at most 600000 ms (10 minutes)")
    .default(DEFAULT_TIMEOUT_MS),
  catalogTtlSeconds: z.coerce
    .number({ message: "must be a whole number of seconds, e.g. 300" })
    .int("must be a whole number of seconds, e.g. 300")
    .min(0, "must be 0 or more")
    .max(86_400, "must be at most 86400 (a day)")
    .default(DEFAULT_CATALOG_TTL_SECONDS),
  sandboxFaults: booleanText.default(false),
  logLevel: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
});

function describeSetting(key: string): string {
  const setting = (SETTINGS as Record<string, Setting>)[key];
  return setting ? `${setting.env} (--${setting.flag})` : key;
}

/** Parse argv (without node and script) and env into a command. Throws ConfigError with a one-line fix. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" }, version: { type: "boolean" } };
  for (const setting of Object.values(SETTINGS)) options[setting.flag] = { type: setting.type };

  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ConfigError(`${error instanceof Error ? error.message : String(error)}. Run cyclr-mcp --help for the options.`);
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };

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
    catalogTtlSeconds: settings.catalogTtlSeconds,
    sandboxFaults: settings.sandboxFaults,
    logLevel: settings.logLevel,
  };
  if (settings.sandboxFaults && !settings.sandbox) {
    throw new ConfigError("CYCLR_SANDBOX_FAULTS (--sandbox-faults) only works with the embedded sandbox: add --sandbox (CYCLR_SANDBOX=1).");
  }
  if (settings.accountId !== undefined) config.accountId = settings.accountId;
  if (settings.serviceDomain !== undefined) config.serviceDomain = settings.serviceDomain;

  if (settings.sandbox) return { kind: "run", config };

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
  return { kind: "run", config };
}

/** The secret in a set of credentials, for the redactor. */
export function credentialSecret(credentials: CyclrCredentials): string {
  return credentials.kind === "clientCredentials" ? credentials.clientSecret : credentials.accessToken;
}

export function helpText(version: string): string {
  const lines = [
    `cyclr-mcp ${version}: an MCP server that sets up Cyclr connectors in a Cyclr account.`,
    "",
    "Usage: cyclr-mcp [options]        serve MCP over stdio",
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
