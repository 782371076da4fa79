/**
 * Completions (completion/complete) for prompt arguments and resource template variables: connector
 * names and ids from the cached catalog, account connector ids from the account.
 */
import { searchCatalog, searchTemplates } from "../setup/search.js";
import { findAccounts } from "./shared/accounts.js";
import type { ServerDeps } from "./tool.js";
import { resolveAccountId } from "./shared/account-policy.js";

export type Completer = (value: string, context?: { arguments?: Record<string, string> }) => Promise<string[]>;

/** The protocol allows at most 100 values per answer; fewer is kinder to a picker. */
const MAX_SUGGESTIONS = 20;

function accountFor(deps: ServerDeps, context?: { arguments?: Record<string, string> }): string | undefined {
  try {
    return resolveAccountId(context?.arguments?.accountId || undefined, deps);
  } catch {
    return undefined; // no account, or one this session may not touch: nothing to suggest
  }
}

/** Connector names that match what was typed so far, best first. */
export const completeConnectorName = (deps: ServerDeps): Completer => async (value, context) => {
  const accountId = accountFor(deps, context);
  if (!accountId) return [];
  const hits = searchCatalog((await deps.cyclr.listCatalog(accountId)).connectors, { query: value });
  return hits.slice(0, MAX_SUGGESTIONS).map((hit) => hit.connector.Name);
};

/** Connector ids: those starting with the digits typed, or those whose names match the text typed. */
export const completeConnectorId = (deps: ServerDeps): Completer => async (value, context) => {
  const accountId = accountFor(deps, context);
  if (!accountId) return [];
  const catalog = (await deps.cyclr.listCatalog(accountId)).connectors;
  if (/^\d*$/.test(value)) {
    return catalog.map((c) => String(c.Id)).filter((id) => id.startsWith(value)).slice(0, MAX_SUGGESTIONS);
  }
  return searchCatalog(catalog, { query: value }).slice(0, MAX_SUGGESTIONS).map((hit) => String(hit.connector.Id));
};

/** The accounts this session may act on that it knows of: the pinned or default account, and the allow-list. */
export const completeAccountId = (deps: ServerDeps): Completer => async (value) => {
  const pinned = deps.accounts?.pinnedAccountId;
  const known = pinned !== undefined ? [pinned] : [...new Set([...(deps.defaultAccountId ? [deps.defaultAccountId] : []), ...(deps.accounts?.allowlist ?? [])])];
  return known.filter((id) => id.startsWith(value) && (!deps.accounts?.allowlist || deps.accounts.allowlist.includes(id)));
};

/** Account ids from list_accounts, as this session may see them: by id prefix, else by the customer's name (typos are fine). */
export const completeListedAccountId = (deps: ServerDeps): Completer => async (value) => {
  const all = await findAccounts(deps, { page: 1, pageSize: 100 });
  const byId = all.accounts.filter((a) => a.accountId.startsWith(value));
  if (byId.length || !value) return byId.slice(0, MAX_SUGGESTIONS).map((a) => a.accountId);
  const byName = await findAccounts(deps, { query: value, page: 1, pageSize: MAX_SUGGESTIONS });
  return byName.accounts.map((a) => a.accountId);
};

/** Installed connectors of the account (its first 100), by id prefix or by name. */
export const completeAccountConnectorId = (deps: ServerDeps): Completer => async (value, context) => {
  const accountId = accountFor(deps, context);
  if (!accountId) return [];
  const installed = (await deps.cyclr.listAccountConnectorsPage(accountId, { page: 1, pageSize: 100 })).items;
  const typed = value.toLowerCase();
  return installed
    .filter((ac) => String(ac.Id).startsWith(value) || (ac.Name ?? ac.Connector.Name).toLowerCase().includes(typed))
    .slice(0, MAX_SUGGESTIONS)
    .map((ac) => String(ac.Id));
};

/** Template ids: those starting with what was typed, else those whose template matches the text (typos are fine). */
export const completeTemplateId = (deps: ServerDeps): Completer => async (value, context) => {
  const accountId = accountFor(deps, context);
  if (!accountId) return [];
  const templates = (await deps.cyclr.listTemplates(accountId)).items;
  const typed = value.toLowerCase();
  const byId = templates.filter((t) => t.Id.toLowerCase().startsWith(typed));
  if (byId.length || !value) return byId.slice(0, MAX_SUGGESTIONS).map((t) => t.Id);
  return searchTemplates(templates, { query: value }).slice(0, MAX_SUGGESTIONS).map((hit) => hit.template.Id);
};
