/**
 * `cyclr-mcp doctor`: checks the configuration, Cyclr's token endpoint, the account and the service
 * domain, and says in plain words what is wrong and how to fix it. Exit code 0 when nothing failed.
 * Secrets never print: every line passes the redactor. `--deep` adds read-only checks of what the
 * public evidence about the API leaves open, and a report to paste into an issue.
 */
import type { Config, CyclrCredentials } from "./config/index.js";
import { CyclrAuthError, CyclrError, CyclrHttpError, CyclrTimeoutError } from "./cyclr/errors.js";
import type { CyclrConnection } from "./cyclr/index.js";
import { splitEntries, type Connector, type ListEntry } from "./cyclr/schemas.js";
import { connectorDefinition } from "./mcp/shared/account-connectors.js";
import type { Redactor } from "./redact.js";
import { computeSetupState } from "./setup/setup-state.js";

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

/** What `doctor --deep` found: checks like the others, and a short report a person can paste into an issue. */
export interface DeepFindings {
  checks: Check[];
  report: string;
}

/** Page size asked for when walking the catalog; and a large one, to find Cyclr's cap. */
const DEEP_PAGE_SIZE = 100;
const CAP_PROBE_PAGE_SIZE = 500;

/**
 * `doctor --deep`: read-only (only GETs): checks on this tenant the questions the public evidence
 * leaves open (docs/architecture.md, "Closer to the real Cyclr API"). The report carries counts,
 * ids and field paths, never values.
 */
export async function runDeepChecks(target: DoctorTarget & { accountId: string }): Promise<DeepFindings> {
  const { client } = target.cyclr;
  const { accountId } = target;
  const signal = () => AbortSignal.timeout(Math.max(target.config.timeoutMs * 10, 60_000));
  const checks: Check[] = [];
  const report: string[] = ["### cyclr-mcp doctor --deep", "", `- API: ${target.apiUrl}${target.config.sandbox ? " (embedded sandbox)" : ""}; account: ${accountId}`];
  const failed = (name: string, error: unknown) => {
    const detail = error instanceof CyclrError ? error.message : error instanceof Error ? `Unexpected: ${error.message}` : String(error);
    checks.push({ name, outcome: "fail", detail });
    report.push(`- ${name}: failed (${detail})`);
  };

  // 1. The whole catalog, item by item (as the server loads it, custom connectors included).
  let withCustom: ListEntry<Connector>[] | undefined;
  try {
    withCustom = await client.catalogPages(accountId, { pageSize: DEEP_PAGE_SIZE, includeCustomConnectors: true, signal: signal() });
    const { items, leftOut } = splitEntries(withCustom);
    const why = leftOut.slice(0, 20).map((item) => `${item.id ?? `(no Id, page ${item.page} #${item.index})`}: ${item.paths.join(", ")}`);
    checks.push({
      name: "catalog items",
      outcome: leftOut.length ? "warn" : "ok",
      detail: `${items.length + leftOut.length} connectors, ${leftOut.length} did not parse${leftOut.length ? ` and are left out of list_connectors (${why.join("; ")}${leftOut.length > 20 ? "; ..." : ""})` : ""}.`,
    });
    report.push(`- Catalog: ${items.length + leftOut.length} connectors; ${leftOut.length} did not parse`);
    for (const line of why) report.push(`  - ${line}`);
    const multi = items.filter((c) => c.Authentication.length > 1).length;
    report.push(`- Connectors with several authentication methods: ${multi}`);
  } catch (error) {
    failed("catalog items", error);
  }

  // 2. The page-size cap: ask for a large page and see how many come back.
  try {
    const probe = await client.catalogPage(accountId, { page: 1, pageSize: CAP_PROBE_PAGE_SIZE, includeCustomConnectors: true, signal: signal() });
    const got = probe.items.length;
    const total = withCustom?.length;
    const capped = got < CAP_PROBE_PAGE_SIZE && (total === undefined || got < total);
    const detail = capped
      ? `Asked for ${CAP_PROBE_PAGE_SIZE} per page, got ${got}: Cyclr caps pageSize at ${got} (the server pages on regardless).`
      : `Asked for ${CAP_PROBE_PAGE_SIZE} per page, got ${got}${total !== undefined && got >= total ? " (the whole catalog): no cap below that" : ""}.`;
    checks.push({ name: "page-size cap", outcome: "ok", detail });
    report.push(`- Page size: asked ${CAP_PROBE_PAGE_SIZE}, got ${got}${capped ? ` (cap ${got})` : ""}; Total-Pages header: ${probe.totalPages !== undefined ? probe.totalPages : "none"}`);
  } catch (error) {
    failed("page-size cap", error);
  }

  // 3. includeCustomConnectors: true, false and left out (Cyclr's default is undocumented).
  try {
    const ids = (entries: readonly ListEntry<Connector>[]) => new Set(entries.flatMap((e) => (e.ok ? [String(e.item.Id)] : e.leftOut.id !== undefined ? [e.leftOut.id] : [])));
    const [off, unset] = await Promise.all([
      client.catalogPages(accountId, { pageSize: DEEP_PAGE_SIZE, includeCustomConnectors: false, signal: signal() }),
      client.catalogPages(accountId, { pageSize: DEEP_PAGE_SIZE, signal: signal() }),
    ]);
    const on = ids(withCustom ?? []);
    const onlyWith = [...on].filter((id) => !ids(off).has(id));
    const defaultIncludes = unset.length === (withCustom?.length ?? -1) ? "includes them" : unset.length === off.length ? "leaves them out" : "differs from both";
    checks.push({
      name: "custom connectors",
      outcome: "ok",
      detail:
        `includeCustomConnectors=true lists ${withCustom?.length ?? "?"}, false lists ${off.length}, left out lists ${unset.length}: ` +
        `${onlyWith.length} connector(s) only with true${onlyWith.length ? ` (ids ${onlyWith.slice(0, 20).join(", ")})` : ""}; Cyclr's default ${defaultIncludes}. The server always sends true.`,
    });
    report.push(`- includeCustomConnectors: true ${withCustom?.length ?? "?"}, false ${off.length}, omitted ${unset.length} (default ${defaultIncludes})`);
  } catch (error) {
    failed("custom connectors", error);
  }

  // 4. The account's connectors and their setup states; whether Cyclr reports the method chosen at install.
  try {
    const { items, leftOut } = await client.listAccountConnectors(accountId, { signal: signal() });
    const lines: string[] = [];
    let reportsAuthenticationId = 0;
    for (const accountConnector of items) {
      if (accountConnector.AuthenticationId !== undefined) reportsAuthenticationId++;
      const definition = await connectorDefinition(client, accountId, accountConnector, signal()).catch(() => accountConnector.Connector);
      const setup = computeSetupState(accountConnector, definition, accountId);
      const auth = setup.authentication;
      lines.push(
        `${accountConnector.Id} ${accountConnector.Connector.Name} (connector ${accountConnector.Connector.Id}): ${setup.state}; ` +
          `${auth.authType ?? auth.method}${auth.alternatives ? ` (or ${auth.alternatives.map((a) => a.authType ?? a.method).join("/")}: Cyclr does not say which)` : ""}` +
          `${setup.missingProperties.length ? `; missing ${setup.missingProperties.map((p) => p.name).join(", ")}` : ""}`,
      );
    }
    checks.push({
      name: "account connectors",
      outcome: leftOut.length ? "warn" : "ok",
      detail:
        `${items.length + leftOut.length} installed in account ${accountId}${leftOut.length ? `, ${leftOut.length} did not parse (${leftOut.map((l) => `${l.id ?? "(no Id)"}: ${l.paths.join(", ")}`).join("; ")})` : ""}; ` +
        `${reportsAuthenticationId} report an AuthenticationId.${lines.length ? `\n      ${lines.join("\n      ")}` : ""}`,
    });
    report.push(`- Account connectors: ${items.length + leftOut.length}; ${leftOut.length} did not parse; ${reportsAuthenticationId} report an AuthenticationId`);
    for (const line of lines.slice(0, 30)) report.push(`  - ${line}`);
  } catch (error) {
    failed("account connectors", error);
  }

  // 5. The templates, item by item, and one cycle's prerequisites: the open points of ../shared/cyclr/cycles.md.
  try {
    const { items, leftOut } = await client.listTemplates(accountId, { signal: signal() });
    const why = leftOut.slice(0, 20).map((item) => `${item.id ?? `(no Id, page ${item.page} #${item.index})`}: ${item.paths.join(", ")}`);
    const withoutConnectorId = items.filter((t) => t.Connectors.some((c) => c.Id === undefined)).length;
    checks.push({
      name: "templates",
      outcome: leftOut.length ? "warn" : "ok",
      detail:
        `${items.length + leftOut.length} templates, ${leftOut.length} did not parse${leftOut.length ? ` and are left out of list_templates (${why.join("; ")})` : ""}; ` +
        `${withoutConnectorId} name a connector without its catalog Id.`,
    });
    report.push(`- Templates: ${items.length + leftOut.length}; ${leftOut.length} did not parse; ${withoutConnectorId} with a connector lacking Id`);
    for (const line of why) report.push(`  - ${line}`);
  } catch (error) {
    failed("templates", error);
  }
  try {
    const detail = await cycleFindings(client, accountId, signal);
    checks.push({ name: "cycles", outcome: "ok", detail: detail.join("; ") });
    report.push(`- Cycles: ${detail.join("; ")}`);
  } catch (error) {
    failed("cycles", error);
  }

  const redact = (text: string) => target.redactor.text(text);
  return { checks: checks.map((check) => ({ ...check, detail: redact(check.detail) })), report: redact(report.join("\n")) };
}

/**
 * What the account's cycles say about the unknowns (GETs only): the statuses seen, whether the list
 * and the cycle carry Status and TemplateId, and for one cycle with prerequisites, the reason codes
 * and ObjectTypes, webhook URLs on steps, and whether parameters and field mappings say IsLaunchVisible.
 */
async function cycleFindings(client: DoctorTarget["cyclr"]["client"], accountId: string, signal: () => AbortSignal): Promise<string[]> {
  const { items, leftOut } = await client.listCycles(accountId, { signal: signal() });
  const statuses = [...new Set(items.map((c) => c.Status ?? "(none)"))];
  const found = [
    `${items.length + leftOut.length} in account ${accountId}${leftOut.length ? `, ${leftOut.length} did not parse (${leftOut.map((l) => `${l.id ?? "(no Id)"}: ${l.paths.join(", ")}`).join("; ")})` : ""}`,
    `statuses seen: ${statuses.join(", ") || "none"}`,
    `${items.filter((c) => c.TemplateId !== undefined).length} of ${items.length} listed with a TemplateId`,
  ];
  const first = items[0];
  if (!first) return [...found, "no cycle to read prerequisites from (install a template in this account to check them)"];
  const cycle = await client.getCycle(accountId, first.Id, { signal: signal() });
  const prerequisites = (await client.getCyclePrerequisites(accountId, first.Id, { signal: signal() })).items;
  const steps = (await client.listCycleSteps(accountId, first.Id, { signal: signal() })).items;
  found.push(
    `cycle ${first.Id}: Status ${cycle.Status !== undefined ? `"${cycle.Status}"` : "left out"} on GET /v1.0/cycles/{id}; ` +
      `prerequisites ${prerequisites.length ? prerequisites.map((p) => `${p.ReasonCode}/${p.ObjectType ?? "(no ObjectType)"}`).join(", ") : "none"}; ` +
      `${steps.length} steps, ${steps.filter((s) => s.WebhookUrl !== undefined).length} with a WebhookUrl`,
  );
  const step = prerequisites.find((p) => (p.ObjectType ?? "").toLowerCase() === "action" && p.ObjectId !== undefined)?.ObjectId;
  if (step !== undefined) {
    const [needs, parameters, fields] = await Promise.all([
      client.getStepPrerequisites(accountId, step, { signal: signal() }),
      client.listStepParameters(accountId, step, { signal: signal() }),
      client.listStepFieldMappings(accountId, step, { signal: signal() }),
    ]);
    const says = (flags: (boolean | undefined)[]) => `${flags.filter((f) => f !== undefined).length} of ${flags.length} say IsLaunchVisible`;
    found.push(
      `step ${step}: prerequisites ${needs.items.map((p) => `${p.ReasonCode}/${p.ObjectType ?? "(no ObjectType)"}`).join(", ") || "none"}; ` +
        `parameters: ${says(parameters.items.map((p) => p.IsLaunchVisible ?? p.Parameter.IsLaunchVisible))}; ` +
        `field mappings: ${says(fields.items.map((f) => f.IsLaunchVisible ?? f.Field.IsLaunchVisible))}`,
    );
  }
  return found;
}
