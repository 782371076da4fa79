/**
 * Which accounts a call may touch: the one place that enforces tenant pinning and the allow-list,
 * for every tool, resource, prompt and completion.
 */
import { ToolInputError } from "../errors.js";

export interface AccountPolicy {
  /** Set in a hosted session pinned to one account (by its token or X-Cyclr-Account): every call acts on it only. */
  pinnedAccountId?: string;
  /** CYCLR_ACCOUNT_ALLOWLIST: the only accounts any call may touch. */
  allowlist?: readonly string[];
}

/** What the policy needs of the server's dependencies. */
export interface AccountScope {
  /** CYCLR_ACCOUNT_ID: used when a call names no account. */
  defaultAccountId?: string;
  accounts?: AccountPolicy;
}

/**
 * The account a call acts on: the one named, else the session's pinned account, else the default.
 * The one place that enforces tenant pinning and the allow-list, for every tool, resource and prompt.
 */
export function resolveAccountId(accountId: string | undefined, deps: AccountScope): string {
  const pinned = deps.accounts?.pinnedAccountId;
  if (pinned !== undefined && accountId !== undefined && accountId !== pinned) {
    throw new ToolInputError(
      `This session is pinned to account ${pinned}; it cannot act on account "${accountId}". Leave accountId out to act on ${pinned}.`,
    );
  }
  const resolved = accountId ?? pinned ?? deps.defaultAccountId;
  if (!resolved) {
    throw new ToolInputError(
      "No account given: pass accountId (the Cyclr account API ID), or start the server with CYCLR_ACCOUNT_ID set.",
    );
  }
  const allowlist = deps.accounts?.allowlist;
  if (allowlist && !allowlist.includes(resolved)) {
    throw new ToolInputError(`Account "${resolved}" is not one this server may act on (CYCLR_ACCOUNT_ALLOWLIST). Check the account ID with the person.`);
  }
  return resolved;
}

/** Whether this session may see an account in a list: the pinned one only, and only allow-listed ones. Enforced with resolveAccountId, here. */
export function maySeeAccount(accountId: string, deps: AccountScope): boolean {
  const pinned = deps.accounts?.pinnedAccountId;
  if (pinned !== undefined && accountId !== pinned) return false;
  const allowlist = deps.accounts?.allowlist;
  return !allowlist || allowlist.includes(accountId);
}

/**
 * Creating an account: never from a session pinned to one (it acts on that account only), and with
 * an allow-list only under an id it includes, so the new account is one this server may then use.
 */
export function assertMayCreateAccount(id: string | undefined, deps: AccountScope): void {
  const pinned = deps.accounts?.pinnedAccountId;
  if (pinned !== undefined) {
    throw new ToolInputError(`This session is pinned to account ${pinned}; it cannot create accounts. Ask the person who runs this server for a session that is not pinned.`);
  }
  const allowlist = deps.accounts?.allowlist;
  if (allowlist && (id === undefined || !allowlist.includes(id))) {
    throw new ToolInputError(
      `${id === undefined ? "An account without an id" : `Account "${id}"`} would not be one this server may act on (CYCLR_ACCOUNT_ALLOWLIST): ` +
        "pass an id the allow-list includes, or ask the person who runs this server to add the new id.",
    );
  }
}
