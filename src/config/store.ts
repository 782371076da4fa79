/** Where the state replicas share lives: this process's memory, or Redis. */
import * as z from "zod";
import type { SettingsTable, SettingValues } from "./setting.js";

export const DEFAULT_REDIS_PREFIX = "cyclr-mcp:";

/** CYCLR_MCP_REDIS_URL and CYCLR_MCP_REDIS_PREFIX: the state of links, waits, limits, the token and the catalog. */
export type StoreConfig = { kind: "memory" } | { kind: "redis"; url: string; prefix: string };

export const STORE_SETTINGS = {
  redisUrl: {
    env: "CYCLR_MCP_REDIS_URL",
    flag: "redis-url",
    type: "string",
    help:
      "redis:// or rediss:// URL of a Redis (or Valkey) server: credential links, browser steps, the credential pages' rate limits, the Cyclr token and the catalog are then shared by every replica through it (default: this process's memory).",
    secret: true,
    value: z
      .string()
      .trim()
      .refine((text) => {
        try {
          const url = new URL(text);
          return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "";
        } catch {
          return false;
        }
      }, "must be a redis:// or rediss:// URL, e.g. redis://redis.internal:6379 (rediss:// for TLS; a password goes in the URL: redis://:password@host:6379)")
      .optional(),
  },
  redisPrefix: {
    env: "CYCLR_MCP_REDIS_PREFIX",
    flag: "redis-prefix",
    type: "string",
    help: `With CYCLR_MCP_REDIS_URL: the prefix of every key (default ${DEFAULT_REDIS_PREFIX}), so several deployments can share one Redis.`,
    value: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters").default(DEFAULT_REDIS_PREFIX),
  },
} as const satisfies SettingsTable;

export function storeConfig(settings: SettingValues<typeof STORE_SETTINGS>): StoreConfig {
  return settings.redisUrl !== undefined ? { kind: "redis", url: settings.redisUrl, prefix: settings.redisPrefix } : { kind: "memory" };
}
