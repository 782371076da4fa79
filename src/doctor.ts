/**
 * `cyclr-mcp doctor`: checks the configuration, Cyclr's token endpoint, the account and the service
 * domain, and says in plain words what is wrong and how to fix it. Exit code 0 when nothing failed.
 * Secrets never print: every line passes the redactor.
 */
import type { Config, CyclrCredentials } from "./config.js";
import { CyclrAuthError, CyclrError, CyclrHttpError, CyclrTimeoutError } from "./cyclr/errors.js";
import type { CyclrConnection } from "./cyclr/index.js";
import type { Redactor } from "./redact.js";

export type CheckOutcome = "ok" | "warn" | "fail";

export interface Check {
  name: string;
  outcome: CheckOutcome;
  detail: string;
}

export interface DoctorTarget {
  config: Config;
  apiUrl: string;
  credentials: CyclrCredentials;
  accountId?: string;
  serviceDomain?: string;
  cyclr: CyclrConnection;
  redactor: Redactor;
}

export async function runChecks(target: DoctorTarget): Promise<Check[]> {
  const { config, credentials } = target;
  const checks: Check[] = [
    {
      name: "configuration",
      outcome: "ok",
      detail:
        `API ${target.apiUrl}${config.sandbox ? " (the embedded sandbox)" : ""}; ` +
        (credentials.kind === "clientCredentials" ? `client credentials, client ID ${credentials.clientId}` : "a ready access token") +
        `; timeout ${config.timeoutMs} ms.`,
    },
  ];

  const signal = () => AbortSignal.timeout(config.timeoutMs);
  let tokenOk = false;
  try {
    await target.cyclr.ready(signal());
    tokenOk = true;
    checks.push({
      name: "Cyclr token endpoint",
      outcome: "ok",
      detail: credentials.kind === "clientCredentials" ? `${target.apiUrl}/oauth/token gave a token for these client credentials.` : "Using the access token as given.",
    });
  } catch (error) {
    checks.push({ name: "Cyclr token endpoint", outcome: "fail", detail: tokenProblem(error, target.apiUrl) });
  }

  if (!target.accountId) {
    checks.push({ name: "account", outcome: "warn", detail: "No CYCLR_ACCOUNT_ID: every tool call will need an accountId. Set it to the account you set up connectors in." });
  } else if (!tokenOk) {
    checks.push({ name: "account", outcome: "warn", detail: `Not checked: no token to ask Cyclr about account ${target.accountId} with.` });
  } else {
    try {
      const installed = await target.cyclr.client.listAccountConnectorsPage(target.accountId, { page: 1, pageSize: 1 }, { signal: signal() });
      checks.push({ name: "account", outcome: "ok", detail: `Cyclr answers for account ${target.accountId} (${installed.items.length + installed.leftOut.length ? "it has connectors installed" : "no connectors installed yet"}).` });
    } catch (error) {
      checks.push({ name: "account", outcome: "fail", detail: accountProblem(error, target.accountId) });
    }
  }

  if (!target.serviceDomain) {
    checks.push({
      name: "service domain",
      outcome: "warn",
      detail: "No CYCLR_SERVICE_DOMAIN: OAuth links cannot be made. Set it to your partner service domain (Console > Settings > General Settings), e.g. acme-h.cyclr.com.",
    });
  } else {
    try {
      // Any HTTP answer will do: it shows the name resolves and TLS works.
      const response = await fetch(`${target.serviceDomain}/connectorauth/updateaccountconnectoroauth`, { method: "GET", redirect: "manual", signal: signal() });
      await response.body?.cancel();
      checks.push({ name: "service domain", outcome: "ok", detail: `${target.serviceDomain} answers (HTTP ${response.status}).` });
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      checks.push({
        name: "service domain",
        outcome: "fail",
        detail: `${target.serviceDomain} could not be reached (${reason}). Check CYCLR_SERVICE_DOMAIN: it is the service domain shown in the Cyclr Console under Settings > General Settings.`,
      });
    }
  }
  return checks.map((check) => ({ ...check, detail: target.redactor.text(check.detail) }));
}

function tokenProblem(error: unknown, apiUrl: string): string {
  if (error instanceof CyclrAuthError) {
    return `Cyclr refused the credentials (${error.status}). Check CYCLR_CLIENT_ID and CYCLR_CLIENT_SECRET (Console > Settings > OAuth Client Credentials), and that CYCLR_API_URL (${apiUrl}) is the API of the region they belong to.`;
  }
  if (error instanceof CyclrTimeoutError) return `${apiUrl} did not answer in time. Check CYCLR_API_URL and the network, or raise CYCLR_TIMEOUT_MS.`;
  if (error instanceof CyclrHttpError) return `${apiUrl}/oauth/token answered ${error.status}. Check that CYCLR_API_URL is the Cyclr API (e.g. https://api.cyclr.com), not the console or the service domain.`;
  if (error instanceof CyclrError) return `${error.message}. Check CYCLR_API_URL (e.g. https://api.cyclr.com or https://api.eu.cyclr.com) and the network.`;
  return `Unexpected: ${error instanceof Error ? error.message : String(error)}`;
}

function accountProblem(error: unknown, accountId: string): string {
  if (error instanceof CyclrAuthError || (error instanceof CyclrHttpError && (error.status === 403 || error.status === 404))) {
    return `Cyclr does not let these credentials use account ${accountId}. Check CYCLR_ACCOUNT_ID: it is the account's API ID (Console > Accounts > Account Management > Settings), and the account must belong to this partner.`;
  }
  if (error instanceof CyclrError) return `Asking Cyclr about account ${accountId} failed: ${error.message}.`;
  return `Unexpected: ${error instanceof Error ? error.message : String(error)}`;
}

export function formatChecks(checks: readonly Check[]): string {
  const mark: Record<CheckOutcome, string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };
  const failed = checks.filter((c) => c.outcome === "fail").length;
  const warned = checks.filter((c) => c.outcome === "warn").length;
  return [
    ...checks.map((c) => `${mark[c.outcome]}  ${c.name}: ${c.detail}`),
    "",
    failed ? `${failed} check(s) failed: fix the FAIL lines above, then run cyclr-mcp doctor again.` : `All set${warned ? ` (${warned} warning(s))` : ""}: the server can reach Cyclr.`,
  ].join("\n");
}
