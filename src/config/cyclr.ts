/** The settings of the Cyclr API: where it is, who the partner is, the default account, and the sandbox. */
import * as z from "zod";
import { booleanText, ConfigError, list, nonEmpty, originSchema, wholeNumber, type SettingsTable, type SettingValues } from "./setting.js";

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

export type CyclrCredentials =
  | { kind: "clientCredentials"; clientId: string; clientSecret: string }
  | { kind: "accessToken"; accessToken: string };

export interface CyclrConfig {
  /** Run against the embedded sandbox instead of a real Cyclr API. */
  sandbox: boolean;
  /** API origin, no trailing slash. Ignored in sandbox mode (the sandbox supplies its own). */
  apiUrl: string;
  credentials?: CyclrCredentials;
  accountId?: string;
  /** Partner service domain as an origin, e.g. https://acme-h.cyclr.com. */
  serviceDomain?: string;
  /** The partner's name as the credential pages show it (whose service the person connects to). */
  partnerName?: string;
  /** Origins, besides the service domain (and, hosted, this server's public origin), where an OAuth sign-in may end. */
  oauthTargetOrigins?: string[];
  /** The Marketplace create_marketplace_link shows when the call names none (Console > Embedding > Marketplace). */
  marketplaceId?: number;
  timeoutMs: number;
  /** The largest body accepted from Cyclr, in bytes. */
  maxResponseBytes: number;
  /** How long a loaded catalog is fresh; 0 loads it for every call. */
  catalogTtlSeconds: number;
  /** Sandbox mode only: serve the sandbox's fault-injection control endpoint (for tests). */
  sandboxFaults: boolean;
}

export const CYCLR_SETTINGS = {
  apiUrl: {
    env: "CYCLR_API_URL",
    flag: "api-url",
    type: "string",
    help: `Cyclr API origin (default ${DEFAULT_API_URL}; e.g. https://api.eu.cyclr.com, https://api.cyclr.uk). http only for loopback hosts.`,
    value: originSchema("API URL", DEFAULT_API_URL).default(DEFAULT_API_URL),
  },
  clientId: {
    env: "CYCLR_CLIENT_ID",
    flag: "client-id",
    type: "string",
    help: "Partner OAuth client ID (Console > Settings > OAuth Client Credentials).",
    value: nonEmpty.optional(),
  },
  clientSecret: { env: "CYCLR_CLIENT_SECRET", flag: "client-secret", type: "string", help: "Partner OAuth client secret.", secret: true, value: nonEmpty.optional() },
  accessToken: {
    env: "CYCLR_ACCESS_TOKEN",
    flag: "access-token",
    type: "string",
    help: "A ready Cyclr bearer token, instead of client credentials.",
    secret: true,
    value: nonEmpty.optional(),
  },
  accountId: {
    env: "CYCLR_ACCOUNT_ID",
    flag: "account-id",
    type: "string",
    help: "Default account API ID, sent as X-Cyclr-Account (an opaque string; tools may override it).",
    value: nonEmpty.optional(),
  },
  serviceDomain: {
    env: "CYCLR_SERVICE_DOMAIN",
    flag: "service-domain",
    type: "string",
    help: "Partner service domain for OAuth links, as a host (acme-h.cyclr.com) or origin. Needed by create_oauth_link.",
    value: originSchema("service domain", "acme-h.cyclr.com or https://acme-h.cyclr.com").optional(),
  },
  partnerName: {
    env: "CYCLR_PARTNER_NAME",
    flag: "partner-name",
    type: "string",
    help:
      "The partner's name the credential and sign-in pages show the person, beside the Cyclr account and the connector (whose service their details go to), " +
      "e.g. Acme; default the service domain's host name (acme-h.cyclr.com), or \"Cyclr sandbox\" with --sandbox.",
    value: nonEmpty.max(100, "must be at most 100 characters").optional(),
  },
  oauthTargetOrigins: {
    env: "CYCLR_OAUTH_TARGET_ORIGINS",
    flag: "oauth-target-origins",
    type: "string",
    help:
      "Comma-separated origins (e.g. https://app.example.com) where a person's browser may go after an OAuth sign-in, " +
      "besides the service domain and, hosted, CYCLR_MCP_PUBLIC_URL: create_oauth_link refuses any other targetOrigin. http only for loopback hosts.",
    value: list.pipe(z.array(originSchema("origin", "https://app.example.com"))).optional(),
  },
  marketplaceId: {
    env: "CYCLR_MARKETPLACE_ID",
    flag: "marketplace-id",
    type: "string",
    help: "The Marketplace create_marketplace_link shows when the call names none: its id in the Cyclr Console (Embedding > Marketplace).",
    value: z.coerce
      .number({ message: "must be a Marketplace id, a whole number such as 27" })
      .int("must be a Marketplace id, a whole number such as 27")
      .min(1, "must be a Marketplace id, a whole number such as 27")
      .optional(),
  },
  sandbox: {
    env: "CYCLR_SANDBOX",
    flag: "sandbox",
    type: "boolean",
    help: "Run against the embedded sandbox; no credentials needed (CYCLR_SANDBOX=1).",
    value: booleanText.default(false),
  },
  timeoutMs: {
    env: "CYCLR_TIMEOUT_MS",
    flag: "timeout-ms",
    type: "string",
    help: `Time budget of each call to Cyclr in milliseconds, retries included (default ${DEFAULT_TIMEOUT_MS}).`,
    value: wholeNumber("milliseconds", 30000, [100, "must be at least 100 ms"], [600_000, "must be at most 600000 ms (10 minutes)"], DEFAULT_TIMEOUT_MS),
  },
  maxResponseBytes: {
    env: "CYCLR_MAX_RESPONSE_BYTES",
    flag: "max-response-bytes",
    type: "string",
    help: `The largest answer body accepted from Cyclr, in bytes (default ${DEFAULT_MAX_RESPONSE_BYTES}, 32 MiB); a larger one fails the call without being read whole.`,
    // The token answer and an account connector must always fit; beyond 1 GiB the limit protects nothing.
    value: wholeNumber("bytes", 33554432, [65_536, "must be at least 65536 (64 KiB)"], [1_073_741_824, "must be at most 1073741824 (1 GiB)"], DEFAULT_MAX_RESPONSE_BYTES),
  },
  catalogTtlSeconds: {
    env: "CYCLR_CATALOG_TTL_SECONDS",
    flag: "catalog-ttl-seconds",
    type: "string",
    help: `How long a loaded catalog is reused, in seconds (default ${DEFAULT_CATALOG_TTL_SECONDS}; 0 loads it for every call).`,
    value: wholeNumber("seconds", 300, [0, "must be 0 or more"], [86_400, "must be at most 86400 (a day)"], DEFAULT_CATALOG_TTL_SECONDS),
  },
  sandboxFaults: {
    env: "CYCLR_SANDBOX_FAULTS",
    flag: "sandbox-faults",
    type: "boolean",
    help: "With --sandbox: serve POST /__sandbox/faults on the sandbox, to inject failures (for tests; off by default).",
    value: booleanText.default(false),
  },
} as const satisfies SettingsTable;

/** The Cyclr part of the configuration; credentials are needed unless the sandbox stands in for Cyclr. */
export function cyclrConfig(settings: SettingValues<typeof CYCLR_SETTINGS>): CyclrConfig {
  const config: CyclrConfig = {
    sandbox: settings.sandbox,
    apiUrl: settings.apiUrl,
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
    catalogTtlSeconds: settings.catalogTtlSeconds,
    sandboxFaults: settings.sandboxFaults,
  };
  if (settings.sandboxFaults && !settings.sandbox) {
    throw new ConfigError("CYCLR_SANDBOX_FAULTS (--sandbox-faults) only works with the embedded sandbox: add --sandbox (CYCLR_SANDBOX=1).");
  }
  if (settings.accountId !== undefined) config.accountId = settings.accountId;
  if (settings.serviceDomain !== undefined) config.serviceDomain = settings.serviceDomain;
  if (settings.partnerName !== undefined) config.partnerName = settings.partnerName;
  if (settings.oauthTargetOrigins !== undefined) config.oauthTargetOrigins = settings.oauthTargetOrigins;
  if (settings.marketplaceId !== undefined) config.marketplaceId = settings.marketplaceId;
  if (settings.sandbox) return config;

  const hasClient = settings.clientId !== undefined || settings.clientSecret !== undefined;
  if (hasClient && settings.accessToken !== undefined) {
    throw new ConfigError("Both client credentials (CYCLR_CLIENT_ID/CYCLR_CLIENT_SECRET) and CYCLR_ACCESS_TOKEN are set: keep one of them.");
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
  return config;
}

/** The secret in a set of credentials, for the redactor. */
export function credentialSecret(credentials: CyclrCredentials): string {
  return credentials.kind === "clientCredentials" ? credentials.clientSecret : credentials.accessToken;
}
