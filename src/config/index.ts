/**
 * The only reader of process.env and argv. Every setting is an environment variable with a CLI
 * flag that mirrors it; flags win. Each concern keeps its settings table beside its checks
 * (cyclr.ts, logging.ts, guards.ts, http.ts, http-auth.ts, store.ts); this loader puts them together.
 * Validation is zod; a bad setting names itself and the fix.
 */
import { parseArgs } from "node:util";
import * as z from "zod";
import { CYCLR_SETTINGS, cyclrConfig, type CyclrConfig } from "./cyclr.js";
import { GUARD_SETTINGS } from "./guards.js";
import { HTTP_AUTH_SETTINGS, jwtConfig } from "./http-auth.js";
import { HTTP_SETTINGS, httpConfig, type HttpConfig } from "./http.js";
import { LOGGING_SETTINGS, type LogFormat, type LogLevel } from "./logging.js";
import { ConfigError, type Setting, type SettingsTable, type SettingValues } from "./setting.js";
import { STORE_SETTINGS, storeConfig, type StoreConfig } from "./store.js";

export { ConfigError } from "./setting.js";
export { credentialSecret, DEFAULT_MAX_RESPONSE_BYTES, type CyclrCredentials } from "./cyclr.js";
export { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./logging.js";
export type { HttpConfig, HttpToken } from "./http.js";
export { PAGE_SIGN_IN_REDIRECT_PATH, type JwtAuthConfig, type PageSignInConfig, type TokenSigner } from "./http-auth.js";
export type { StoreConfig } from "./store.js";

export interface Config extends CyclrConfig {
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

/** Every setting, in the order --help and the README list them. */
export const SETTINGS = {
  ...CYCLR_SETTINGS,
  ...LOGGING_SETTINGS,
  ...GUARD_SETTINGS,
  ...HTTP_SETTINGS,
  ...HTTP_AUTH_SETTINGS,
  ...STORE_SETTINGS,
} as const satisfies SettingsTable;

type SettingKey = keyof typeof SETTINGS;

const settingsSchema = z.object(Object.fromEntries(Object.entries(SETTINGS).map(([key, setting]) => [key, setting.value]))) as unknown as z.ZodType<
  SettingValues<typeof SETTINGS>
>;

function describeSetting(key: string): string {
  const setting = (SETTINGS as SettingsTable)[key];
  return setting ? `${setting.env} (--${setting.flag})` : key;
}

/** Parse argv (without node and script) and env into a command. Throws ConfigError with a one-line fix. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  // --deep belongs to the doctor command, not to the server's settings: a flag of its own, not a SETTINGS entry (no env variable, not in the README's table).
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" }, version: { type: "boolean" }, deep: { type: "boolean" } };
  for (const setting of Object.values(SETTINGS) as Setting[]) options[setting.flag] = { type: setting.type };

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

  // Parsed once per process: zod's compiled fast path would cost more to build than it saves.
  const parsed = settingsSchema.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${describeSetting(String(issue.path[0] ?? ""))} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}.`);
  }
  const settings = parsed.data;
  // The sandbox alone listens on a free port unless given one.
  if (command === "sandbox") return { kind: "sandbox", port: raw.port === undefined ? 0 : settings.port, host: settings.host };

  // Hosted settings are checked first: a listener that must not start says so before anything else.
  const http = settings.http ? httpConfig(settings, jwtConfig(settings), settings.accountAllowlist) : undefined;
  const config: Config = {
    ...cyclrConfig(settings),
    logLevel: settings.logLevel,
    logFormat: settings.logFormat,
    readOnly: settings.readOnly,
    store: storeConfig(settings),
    ...(settings.tools && { tools: settings.tools }),
    ...(settings.accountAllowlist && { accountAllowlist: settings.accountAllowlist }),
    ...(http && { http }),
  };
  return command === "doctor" ? { kind: "doctor", config, deep } : { kind: "run", config };
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
