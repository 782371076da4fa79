/**
 * Least privilege toward Cyclr: access tokens restricted to one account each (the client-credentials
 * request with scope=account:{accountId}), for a hosted session pinned to that account. Cyclr
 * refuses such a token on any other account, so even a bug in pinning cannot reach another
 * customer's account. One token source per account, at most `max` of them, the least recently used
 * forgotten (a forgotten account asks Cyclr for a new token when it comes back).
 */
import type { AccessTokenSource } from "./access-token.js";

export const DEFAULT_MAX_ACCOUNT_TOKENS = 1000;

export class AccountAccessTokens {
  private readonly sources = new Map<string, AccessTokenSource>();

  constructor(
    private readonly make: (accountId: string) => AccessTokenSource,
    private readonly max = DEFAULT_MAX_ACCOUNT_TOKENS,
  ) {}

  /** The token source restricted to this account. */
  for(accountId: string): AccessTokenSource {
    let source = this.sources.get(accountId);
    if (source) {
      this.sources.delete(accountId);
    } else {
      source = this.make(accountId);
      if (this.sources.size >= this.max) this.sources.delete(this.sources.keys().next().value as string);
    }
    this.sources.set(accountId, source);
    return source;
  }

  get size(): number {
    return this.sources.size;
  }
}

/** Cyclr's scope of a token restricted to one account. */
export function accountScope(accountId: string): string {
  return `account:${accountId}`;
}
