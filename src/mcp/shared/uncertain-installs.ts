/**
 * Installs whose outcome nobody knows (the answer was lost, the request may still be running at
 * Cyclr): remembered for a while, so that the next install_connector of the same connector and name
 * in that account finds the late install instead of making a second one. Shared by every session of
 * a process, and with a shared store (Redis) by every replica, under `uncertain-install:` and a hash
 * of the account, connector and name, for the same hour; keyed by account, so a session sees only
 * what its own account's installs left. A store that fails leaves each replica its own record.
 */
import { createHash } from "node:crypto";
import * as z from "zod";
import type { Logger } from "../../log.js";
import { uncertainInstallKey, type UncertainInstall } from "../../setup/install-recovery.js";
import { degradedWarning, readJson, type Store } from "../../store/index.js";

/** Long enough for the person to come back to a setup after a slow Cyclr; after that, list_account_connectors tells. */
const REMEMBER_MS = 60 * 60_000;
const MAX_ENTRIES = 1000;

const StoredInstallSchema = z.object({ accountId: z.string(), connectorId: z.number(), name: z.string(), before: z.array(z.number()) });

type Identity = { accountId: string; connectorId: number; name: string };

export class UncertainInstalls {
  private readonly entries = new Map<string, UncertainInstall & { until: number }>();
  private readonly shared: { store: Store; degraded: (error: unknown) => undefined } | undefined;

  /**
   * lookWindowMs: how long an install_connector whose answer was lost keeps looking for it (lookWindowMs of CYCLR_TIMEOUT_MS).
   * store: the store the replicas share (memory adds nothing to this process's own record).
   */
  constructor(
    readonly lookWindowMs: number,
    options: { store?: Store; logger?: Logger } = {},
  ) {
    this.shared = options.store?.shared && options.logger ? { store: options.store, degraded: degradedWarning(options.logger, "record of uncertain installs") } : undefined;
  }

  async remember(install: UncertainInstall, now: number = Date.now()): Promise<void> {
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
    if (!this.shared) return;
    const stored = { accountId: install.accountId, connectorId: install.connectorId, name: install.name, before: [...install.before] };
    await this.shared.store.set(storeKey(install), JSON.stringify(stored), { ttlMs: REMEMBER_MS }).catch(this.shared.degraded);
  }

  async find(install: Identity, now: number = Date.now()): Promise<UncertainInstall | undefined> {
    if (this.shared) {
      try {
        // The deployment's record: one another replica settled is gone from it, whatever this one remembers.
        const stored = await readJson(this.shared.store, storeKey(install), StoredInstallSchema);
        return stored && { ...stored, before: new Set(stored.before) };
      } catch (error) {
        this.shared.degraded(error);
      }
    }
    const entry = this.entries.get(uncertainInstallKey(install));
    return entry && entry.until > now ? entry : undefined;
  }

  async forget(install: Identity): Promise<void> {
    this.entries.delete(uncertainInstallKey(install));
    if (this.shared) await this.shared.store.delete(storeKey(install)).catch(this.shared.degraded);
  }
}

/** The store's key: a hash, so that any account id and connector name make a short key of safe characters. */
function storeKey(install: Identity): string {
  return `uncertain-install:${createHash("sha256").update(uncertainInstallKey(install)).digest("base64url")}`;
}
