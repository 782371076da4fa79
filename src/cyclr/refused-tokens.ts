/**
 * The guard against repeated 401s right after a fresh token. A 401 with a token fetched for that
 * very call means the token is not the problem (the account, or the token's rights, are): that
 * token and account are remembered for a while, and later 401s for them fail at once instead of
 * each fetching yet another 14-day token. Remembered by the process and, given SharedRefusals (the
 * store the replicas share, which src/cyclr never sees), by every replica: a replica holding the
 * same token asks Cyclr for no other. Kept under a hash of account and token, never the token.
 */
import { createHash } from "node:crypto";

/** How long a token refused right after it was issued is not replaced on a 401 for the same account. */
export const REFUSED_FRESH_MS = 5 * 60_000;
const MAX_REMEMBERED = 100;

/**
 * Refusals shared by the replicas of a deployment, by key (a hash). Its failures are its own
 * business: it answers "not known" and drops what it cannot keep, rather than throw.
 */
export interface SharedRefusals {
  has(key: string): Promise<boolean>;
  add(key: string, ttlMs: number): Promise<void>;
}

export class FreshTokenRefusals {
  /** Until when each key is refused, oldest first; bounded. */
  private readonly local = new Map<string, number>();

  constructor(
    private readonly shared?: SharedRefusals,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this token was refused for this account right after it was issued, here or on another replica. */
  async has(token: string, accountId: string | undefined): Promise<boolean> {
    const key = refusalKey(token, accountId);
    const until = this.local.get(key);
    if (until !== undefined && until > this.now()) return true;
    if (until !== undefined) this.local.delete(key);
    return (await this.shared?.has(key)) ?? false;
  }

  async remember(token: string, accountId: string | undefined): Promise<void> {
    const key = refusalKey(token, accountId);
    this.local.delete(key);
    this.local.set(key, this.now() + REFUSED_FRESH_MS);
    if (this.local.size > MAX_REMEMBERED) this.local.delete(this.local.keys().next().value as string);
    await this.shared?.add(key, REFUSED_FRESH_MS);
  }
}

function refusalKey(token: string, accountId: string | undefined): string {
  return createHash("sha256").update(`${accountId ?? ""}\n${token}`).digest("base64url");
}
