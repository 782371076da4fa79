/**
 * Installs whose outcome nobody knows (the answer was lost, the request may still be running at
 * Cyclr): remembered for a while, so that the next install_connector of the same connector and name
 * in that account finds the late install instead of making a second one. Shared by every session of
 * a process; keyed by account, so a session sees only what its own account's installs left.
 */
import { uncertainInstallKey, type UncertainInstall } from "../../setup/install-recovery.js";

/** Long enough for the person to come back to a setup after a slow Cyclr; after that, list_account_connectors tells. */
const REMEMBER_MS = 60 * 60_000;
const MAX_ENTRIES = 1000;

export class UncertainInstalls {
  private readonly entries = new Map<string, UncertainInstall & { until: number }>();

  /** lookWindowMs: how long an install_connector whose answer was lost keeps looking for it (lookWindowMs of CYCLR_TIMEOUT_MS). */
  constructor(readonly lookWindowMs: number) {}

  remember(install: UncertainInstall, now: number = Date.now()): void {
    const key = uncertainInstallKey(install);
    this.entries.delete(key);
    this.entries.set(key, { ...install, until: now + REMEMBER_MS });
    // Bounded: expired entries go first, then the oldest.
    if (this.entries.size > MAX_ENTRIES) {
      for (const [k, entry] of this.entries) if (entry.until <= now) this.entries.delete(k);
      for (const k of this.entries.keys()) {
        if (this.entries.size <= MAX_ENTRIES) break;
        this.entries.delete(k);
      }
    }
  }

  find(install: { accountId: string; connectorId: number; name: string }, now: number = Date.now()): UncertainInstall | undefined {
    const entry = this.entries.get(uncertainInstallKey(install));
    return entry && entry.until > now ? entry : undefined;
  }

  forget(install: { accountId: string; connectorId: number; name: string }): void {
    this.entries.delete(uncertainInstallKey(install));
  }
}
