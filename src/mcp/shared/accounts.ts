/** The partner's accounts as the assistant sees them, and what this session may see of them. Shared by list_accounts, the account resource and completions. */
import type { Account } from "../../cyclr/schemas.js";
import { searchAccounts, type MatchKind } from "../../setup/search.js";
import type { CyclrOperations } from "../../cyclr/client.js";
import { maySeeAccount, type AccountScope } from "./account-policy.js";
import type { LeftOutItem } from "../../cyclr/schemas.js";

export interface AccountView {
  accountId: string;
  name?: string;
  description?: string;
  timezone?: string;
  createdDate?: string;
}

export function accountView(account: Account): AccountView {
  return {
    accountId: account.Id,
    ...(account.Name !== undefined && { name: account.Name }),
    ...(account.Description !== undefined && { description: account.Description }),
    ...(account.Timezone !== undefined && { timezone: account.Timezone }),
    ...(account.CreatedDate !== undefined && { createdDate: account.CreatedDate }),
  };
}

export interface FoundAccounts {
  accounts: (AccountView & { match?: MatchKind })[];
  hasMore: boolean;
  leftOut: LeftOutItem[];
}

/**
 * The accounts this session may see that match the query, one page of them. A pinned session sees
 * its account only (one GET, whatever was typed); with a query or an allow-list every account is
 * read, then searched or filtered, then paged here; otherwise Cyclr pages.
 */
export async function findAccounts(
  deps: AccountScope & { cyclr: CyclrOperations },
  request: { query?: string; page: number; pageSize: number },
  signal?: AbortSignal,
): Promise<FoundAccounts> {
  const options = signal ? { signal } : {};
  const pinned = deps.accounts?.pinnedAccountId;
  if (pinned !== undefined) {
    const account = await deps.cyclr.getAccount(pinned, options);
    return { accounts: request.page === 1 ? [accountView(account)] : [], hasMore: false, leftOut: [] };
  }
  const query = request.query?.trim();
  if (!query && !deps.accounts?.allowlist) {
    const { items, leftOut } = await deps.cyclr.listAccountsPage({ page: request.page, pageSize: request.pageSize }, options);
    return { accounts: items.map(accountView), hasMore: items.length + leftOut.length === request.pageSize, leftOut };
  }
  const { items, leftOut } = await deps.cyclr.listAccounts(options);
  const visible = items.filter((account) => maySeeAccount(account.Id, deps));
  const hits = query ? searchAccounts(visible, query).map((hit) => ({ ...accountView(hit.account), ...(hit.match && { match: hit.match }) })) : visible.map(accountView);
  const start = (request.page - 1) * request.pageSize;
  return { accounts: hits.slice(start, start + request.pageSize), hasMore: hits.length > start + request.pageSize, leftOut };
}
