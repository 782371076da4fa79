/**
 * The store of one process (the default, without CYCLR_MCP_REDIS_URL): a map of values with a
 * lifetime, and events delivered to this process's listeners. Bounded: expired entries are swept
 * as new ones come, and past MAX_ENTRIES the oldest go first.
 */
import type { Store, StoreEvent } from "./store.js";

const MAX_ENTRIES = 100_000;
/** Sweeps of expired entries happen at most this often (a full pass over the map). */
const SWEEP_EVERY_MS = 10_000;

export class MemoryStore implements Store {
  readonly name = "memory";
  readonly shared = false;
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private lastSwept = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    if (options.onlyIfAbsent && this.live(key)) return false;
    this.sweep();
    // Re-inserted, so that Map order stays oldest first.
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + Math.max(1, options.ttlMs) });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return true;
  }

  async delete(key: string, ifValue?: string): Promise<boolean> {
    const entry = this.live(key);
    if (!entry || (ifValue !== undefined && entry.value !== ifValue)) return false;
    return this.entries.delete(key);
  }

  async increment(key: string, windowMs: number): Promise<number> {
    const entry = this.live(key);
    if (!entry) {
      await this.set(key, "1", { ttlMs: windowMs });
      return 1;
    }
    const count = Number(entry.value) + 1;
    // The window keeps its start: only the count changes.
    entry.value = String(count);
    return count;
  }

  async publish(event: StoreEvent): Promise<void> {
    // Delivered after the publisher's own work goes on, as from a server.
    for (const listener of [...this.listeners]) queueMicrotask(() => listener(event));
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async problem(): Promise<string | undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private live(key: string): { value: string; expiresAt: number } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSwept < SWEEP_EVERY_MS) return;
    this.lastSwept = now;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
