/** The guard against a token storm after a 401 right after a fresh token: per account and token, for a while, shared when given a shared record. */
import { describe, expect, it } from "vitest";
import { FreshTokenRefusals, REFUSED_FRESH_MS, type SharedRefusals } from "../../src/cyclr/refused-tokens.js";

function sharedRecord(): SharedRefusals & { keys: Map<string, number> } {
  const keys = new Map<string, number>();
  return { keys, has: async (key) => keys.has(key), add: async (key, ttlMs) => void keys.set(key, ttlMs) };
}

describe("FreshTokenRefusals", () => {
  it("remembers a token refused for one account, for that account only, for a while", async () => {
    let clock = 0;
    const refusals = new FreshTokenRefusals(undefined, () => clock);
    await refusals.remember("token-1", "acct-1");
    expect(await refusals.has("token-1", "acct-1")).toBe(true);
    expect(await refusals.has("token-1", "acct-2")).toBe(false);
    expect(await refusals.has("token-2", "acct-1")).toBe(false);
    clock = REFUSED_FRESH_MS + 1;
    expect(await refusals.has("token-1", "acct-1")).toBe(false);
  });

  it("what one replica remembers, another knows; the shared record holds hashes, never the token", async () => {
    const shared = sharedRecord();
    await new FreshTokenRefusals(shared).remember("secret-token-value", "acct-1");
    expect(await new FreshTokenRefusals(shared).has("secret-token-value", "acct-1")).toBe(true);
    expect([...shared.keys.keys()].join()).not.toContain("secret-token-value");
    expect([...shared.keys.values()]).toEqual([REFUSED_FRESH_MS]);
  });
});
