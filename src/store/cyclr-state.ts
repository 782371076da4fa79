/**
 * The Cyclr client's shared state on the store: its access tokens (by scope), its catalogs (by
 * account) and the tokens refused right after they were issued, each behind the narrow interface
 * the client declares (SharedTokenCache, SharedCatalogCache, SharedRefusals), so that src/cyclr
 * knows nothing of the store.
 *
 * A token is kept sealed (AES-256-GCM, with a key derived from the partner's client secret, which
 * every replica has): a dump of the store holds no usable token. The store failing is never the
 * client's failure: a read answers "nothing shared", a lock "go ahead", a write is dropped, with a
 * warning; each replica then gets its own token and catalog until the store is back.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from "node:crypto";
import * as z from "zod";
import type { TokenEntry, SharedTokenCache } from "../cyclr/access-token.js";
import type { LoadedCatalog, SharedCatalogCache } from "../cyclr/client.js";
import type { SharedRefusals } from "../cyclr/refused-tokens.js";
import { ConnectorSchema } from "../cyclr/schemas.js";
import type { Logger } from "../log.js";
import { degradedWarning, readJson, type Store } from "./store.js";

const SealedTokenSchema = z.object({ iv: z.string(), tag: z.string(), sealed: z.string(), renewAt: z.number() });

export function sharedTokens(store: Store, clientSecret: string, logger: Logger): SharedTokenCache {
  const key = Buffer.from(hkdfSync("sha256", clientSecret, "cyclr-mcp", "shared access token", 32));
  const degraded = degradedWarning(logger, "access token");
  return {
    read: async (scope) => {
      try {
        const stored = await readJson(store, `token:${scope}`, SealedTokenSchema);
        if (!stored) return undefined;
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(stored.iv, "base64"));
        decipher.setAuthTag(Buffer.from(stored.tag, "base64"));
        const token = Buffer.concat([decipher.update(Buffer.from(stored.sealed, "base64")), decipher.final()]).toString("utf8");
        return { token, renewAt: stored.renewAt };
      } catch (error) {
        // Sealed under another client secret (a rotated one), or the store is down: nothing shared.
        degraded(error);
        return undefined;
      }
    },
    write: async (scope, entry: TokenEntry) => {
      const ttlMs = entry.renewAt - Date.now();
      if (ttlMs <= 0) return;
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const sealed = Buffer.concat([cipher.update(entry.token, "utf8"), cipher.final()]);
      const value = { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), sealed: sealed.toString("base64"), renewAt: entry.renewAt };
      await store.set(`token:${scope}`, JSON.stringify(value), { ttlMs }).catch(degraded);
    },
    lock: (scope, ttlMs) => lock(store, `token-lock:${scope}`, ttlMs, degraded),
  };
}

const LoadedCatalogSchema = z.object({
  connectors: z.array(ConnectorSchema),
  leftOut: z.array(z.object({ id: z.string().optional(), index: z.number(), page: z.number().optional(), paths: z.array(z.string()) })),
  loadedAt: z.number(),
});

export function sharedCatalogs(store: Store, logger: Logger): SharedCatalogCache {
  const degraded = degradedWarning(logger, "catalog");
  const account = (accountId: string) => encodeURIComponent(accountId);
  return {
    loadedAt: async (accountId) => {
      const at = await store.get(`catalog-at:${account(accountId)}`).catch(degraded);
      return at !== undefined && Number.isFinite(Number(at)) ? Number(at) : undefined;
    },
    read: async (accountId) => {
      const catalog = await readJson(store, `catalog:${account(accountId)}`, LoadedCatalogSchema).catch(degraded);
      return catalog ? (catalog as LoadedCatalog) : undefined;
    },
    write: async (accountId, catalog, ttlMs) => {
      // The catalog first: a replica that sees the new time finds the copy it names.
      await store.set(`catalog:${account(accountId)}`, JSON.stringify(catalog), { ttlMs }).catch(degraded);
      await store.set(`catalog-at:${account(accountId)}`, String(catalog.loadedAt), { ttlMs }).catch(degraded);
    },
    lock: (accountId, ttlMs) => lock(store, `catalog-lock:${account(accountId)}`, ttlMs, degraded),
  };
}

/** The tokens Cyclr refused right after issuing them, by a hash of account and token (refused-tokens.ts). */
export function sharedRefusals(store: Store, logger: Logger): SharedRefusals {
  const degraded = degradedWarning(logger, "record of refused tokens");
  return {
    has: async (key) => (await store.get(`refused-token:${key}`).catch(degraded)) !== undefined,
    add: async (key, ttlMs) => {
      await store.set(`refused-token:${key}`, "1", { ttlMs }).catch(degraded);
    },
  };
}

/** A claim on `key` for ttlMs: its release, or undefined when another holds it; a store that fails lets the caller go ahead. */
async function lock(store: Store, key: string, ttlMs: number, degraded: (error: unknown) => undefined): Promise<(() => Promise<void>) | undefined> {
  const holder = randomUUID();
  let held: boolean;
  try {
    held = await store.set(key, holder, { ttlMs, onlyIfAbsent: true });
  } catch (error) {
    degraded(error);
    return async () => undefined;
  }
  if (!held) return undefined;
  return async () => {
    await store.delete(key, holder).catch(degraded);
  };
}

