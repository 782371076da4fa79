/**
 * The one place the store is chosen: Redis when CYCLR_MCP_REDIS_URL is set (loaded only then),
 * else this process's memory.
 */
import type { StoreConfig } from "../config/index.js";
import type { Logger } from "../log.js";
import { MemoryStore } from "./memory.js";
import type { Store } from "./store.js";

export type { Store, StoreEvent } from "./store.js";
export { degradedWarning, readJson, StoreUnavailableError } from "./store.js";
export { sharedCatalogs, sharedRefusals, sharedTokens } from "./cyclr-state.js";

/** timeoutMs: CYCLR_TIMEOUT_MS, which no command to the store may outlast. */
export async function openStore(config: StoreConfig, options: { timeoutMs: number; logger: Logger }): Promise<Store> {
  if (config.kind === "memory") return new MemoryStore();
  const { RedisStore } = await import("./redis.js");
  // A store answers in milliseconds: a command that takes seconds is a store in trouble.
  return new RedisStore({ url: config.url, prefix: config.prefix, commandTimeoutMs: Math.min(options.timeoutMs, 5_000), logger: options.logger });
}
