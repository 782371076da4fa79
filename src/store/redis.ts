/**
 * The store shared by replicas: Redis (or Valkey) at CYCLR_MCP_REDIS_URL, keys under
 * CYCLR_MCP_REDIS_PREFIX. The only module that imports the Redis client (node-redis, the `redis`
 * package: Redis's own client, the one it recommends for new projects; ioredis is kept on a
 * best-effort basis).
 *
 * Never a hang, never a crash: the client reconnects by itself forever, commands are not queued
 * while it is offline (they fail at once), and each has a time limit; every failure is a
 * StoreUnavailableError naming the store. Events go over one pub/sub channel on a second
 * connection (a subscribed connection can do nothing else).
 */
import { createClient } from "redis";
import type { Logger } from "../log.js";
import { StoreEventSchema, StoreUnavailableError, type Store, type StoreEvent } from "./store.js";

export interface RedisStoreOptions {
  url: string;
  /** CYCLR_MCP_REDIS_PREFIX: every key and the events channel start with it. */
  prefix: string;
  /** The most a command may take (bounded by CYCLR_TIMEOUT_MS). */
  commandTimeoutMs: number;
  logger: Logger;
}

/** Between reconnection attempts: growing to at most this. */
const MAX_RECONNECT_DELAY_MS = 2_000;
/** Deletes the key only when it holds the caller's value: a claim released by its holder only. */
const DELETE_IF_VALUE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

type Client = ReturnType<typeof createClient>;

export class RedisStore implements Store {
  /** Said to callers and probes; the host is said only in the log. */
  readonly name = "Redis";
  readonly shared = true;
  private readonly where: string;
  private readonly client: Client;
  private readonly subscriber: Client;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly channel: string;
  private lastError: string | undefined;
  private closed = false;

  constructor(private readonly options: RedisStoreOptions) {
    const url = new URL(options.url);
    // Never the URL's password.
    this.where = url.host;
    this.channel = `${options.prefix}events`;
    this.client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      commandOptions: { timeout: options.commandTimeoutMs },
      socket: { connectTimeout: options.commandTimeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), MAX_RECONNECT_DELAY_MS) },
    });
    this.subscriber = this.client.duplicate();
    let wasReady = false;
    for (const [role, client] of [["commands", this.client], ["events", this.subscriber]] as const) {
      // Without a listener an error event would end the process; the client reconnects by itself.
      client.on("error", (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (role === "commands" && message !== this.lastError) options.logger.warn("shared store unreachable", { store: `Redis at ${this.where}`, error: message });
        if (role === "commands") this.lastError = message;
      });
      client.on("ready", () => {
        if (role !== "commands") return;
        if (wasReady || this.lastError !== undefined) options.logger.info("shared store reachable", { store: `Redis at ${this.where}` });
        wasReady = true;
        this.lastError = undefined;
      });
      // connect() settles only once connected: until then the client keeps trying, and commands fail at once.
      client.connect().catch(() => undefined);
    }
    void this.subscriber
      .subscribe(this.channel, (message: string) => this.deliver(message))
      .catch((error: unknown) => options.logger.warn("shared store events not subscribed", { store: `Redis at ${this.where}`, error: String(error) }));
  }

  get(key: string): Promise<string | undefined> {
    return this.run(async () => (await this.client.get(this.key(key))) ?? undefined);
  }

  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    return this.run(async () => {
      const reply = await this.client.set(this.key(key), value, {
        expiration: { type: "PX", value: Math.max(1, Math.round(options.ttlMs)) },
        ...(options.onlyIfAbsent && { condition: "NX" as const }),
      });
      return reply === "OK";
    });
  }

  delete(key: string, ifValue?: string): Promise<boolean> {
    return this.run(async () => {
      const removed =
        ifValue === undefined
          ? await this.client.del(this.key(key))
          : await this.client.eval(DELETE_IF_VALUE, { keys: [this.key(key)], arguments: [ifValue] });
      return Number(removed) > 0;
    });
  }

  increment(key: string, windowMs: number): Promise<number> {
    return this.run(async () => {
      const full = this.key(key);
      // One round trip; NX keeps the window's start: only the first count sets its end.
      const [count] = await this.client.multi().incr(full).pExpire(full, Math.max(1, Math.round(windowMs)), "NX").exec();
      return Number(count);
    });
  }

  async publish(event: StoreEvent): Promise<void> {
    await this.run(() => this.client.publish(this.channel, JSON.stringify(event)));
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async problem(): Promise<string | undefined> {
    if (!this.client.isReady) return "Redis is unreachable";
    try {
      await this.run(() => this.client.ping());
      return undefined;
    } catch (error) {
      this.options.logger.warn("shared store does not answer", { store: `Redis at ${this.where}`, error: error instanceof Error ? error.message : String(error) });
      return "Redis does not answer";
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    for (const client of [this.subscriber, this.client]) {
      // close() waits for replies in flight; a client still trying to connect is simply stopped.
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    }
  }

  private key(key: string): string {
    return `${this.options.prefix}${key}`;
  }

  private deliver(message: string): void {
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return;
    }
    const parsed = StoreEventSchema.safeParse(json);
    if (!parsed.success) return;
    for (const listener of [...this.listeners]) listener(parsed.data);
  }

  /** One command (or transaction): its failure, whatever it is, becomes a StoreUnavailableError. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(this.name, "the server is shutting down");
    if (!this.client.isReady) throw new StoreUnavailableError(this.name, "it cannot be reached");
    // node-redis's own timeout covers a command until it is written, not a reply that never comes
    // (a Redis frozen or cut off mid-call): the caller stops waiting here, whatever the socket does.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.options.commandTimeoutMs} ms`)), this.options.commandTimeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([command(), late]);
    } catch (error) {
      throw new StoreUnavailableError(this.name, error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
