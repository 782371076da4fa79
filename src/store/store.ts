/**
 * The state that must outlive a process and be seen by every replica: credential links, the browser
 * step a person is on, the keyed hashes of what a person typed on a page, the credential pages'
 * rate counters, the Cyclr token, the tokens refused right after issue, the catalog, and the
 * installs whose answer was lost. One
 * interface of a few primitives (values with a lifetime, an atomic claim, a counter, events), with
 * two implementations: memory (one process, the default) and Redis (CYCLR_MCP_REDIS_URL), chosen in
 * one place (`openStore` in index.ts). What goes in is text; each user parses what it reads back
 * with zod (`readJson`), whichever implementation holds it.
 */
import * as z from "zod";
import type { Logger } from "../log.js";

export interface Store {
  /** What it is, for /readyz and error messages: "memory" or "Redis" (never where it is). */
  readonly name: string;
  /**
   * Whether other processes see it (Redis). The Cyclr token and catalog go in only then: in one
   * process the client's own caches already are the whole deployment's.
   */
  readonly shared: boolean;
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `value` for `ttlMs`. With onlyIfAbsent, only when the key holds nothing: whoever gets
   * true holds it (an atomic claim across replicas). Returns whether it was written.
   */
  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean>;
  /** Removes the key; true for the one caller that removed it. With `ifValue`, only when it holds that value (a claim's owner letting go). */
  delete(key: string, ifValue?: string): Promise<boolean>;
  /** Counts one more in a window that starts at the first count and lasts windowMs; the count so far. */
  increment(key: string, windowMs: number): Promise<number>;
  /** Tells every replica (this one too) that something happened; a replica not listening at that moment misses it. */
  publish(event: StoreEvent): Promise<void>;
  /** Calls `listener` for each event published from now on, by any replica. Returns the function that stops it. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
  /** Why the store cannot be used now (named, for /readyz), or undefined when it can. */
  problem(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** What replicas tell each other. */
export const StoreEventSchema = z.discriminatedUnion("kind", [
  /**
   * The person finished a browser step of this account connector, on whichever replica served the
   * page: waits on it look at Cyclr now. `link`: the hash of the credential link they used.
   */
  z.object({ kind: z.literal("step finished"), accountId: z.string(), accountConnectorId: z.number(), link: z.string().optional() }),
  /**
   * The person typed secrets on the page of this link (its hash), served by replica `from`: the
   * replica that gave it out reads their keyed hashes from the store, so the session that asked
   * hides them too (unless it is `from`, which knows them as they are).
   */
  z.object({ kind: z.literal("secrets typed"), link: z.string(), from: z.string() }),
]);
export type StoreEvent = z.infer<typeof StoreEventSchema>;

/** The store cannot be reached, or did not answer in time: the call that needed it fails with this. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(
    /** The store's name: "Redis". */
    readonly store: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} is unavailable: ${reason}`, options);
  }
}

/** The value at `key` parsed with `schema`; undefined when absent, or when it does not parse (logged by the caller's choice: treated as absent). */
export async function readJson<S extends z.ZodType>(store: Store, key: string, schema: S): Promise<z.output<S> | undefined> {
  const text = await store.get(key);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * For state a replica can keep alone while the store fails (a failing store degrades, never
 * crashes): the error handler that logs so, at most once a minute per kind of state, and answers undefined.
 */
export function degradedWarning(logger: Logger, what: string): (error: unknown) => undefined {
  let lastWarned = 0;
  return (error) => {
    if (Date.now() - lastWarned > 60_000) {
      lastWarned = Date.now();
      logger.warn(`shared ${what} unavailable: this replica uses its own`, { error: error instanceof Error ? error.message : String(error) });
    }
    return undefined;
  };
}
