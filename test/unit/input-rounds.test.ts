import type { ServerContext } from "@modelcontextprotocol/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InputRounds } from "../../src/mcp/input-rounds.js";
import { MemoryStore } from "../../src/store/memory.js";

const ctx = {} as ServerContext;
const state = (overrides: Record<string, unknown> = {}) => ({ v: 1 as const, id: crypto.randomUUID(), caller: "", tool: "remove_account_connector", args: "x", asked: ["ask-1"], answers: {}, carried: {}, ...overrides });

/** A state minted for `caller` (its hash, as the server binds it). */
async function mintFor(rounds: InputRounds, caller: string, overrides: Record<string, unknown> = {}) {
  const { createHash } = await import("node:crypto");
  return rounds.mint(state({ caller: createHash("sha256").update(caller).digest("base64url"), ...overrides }));
}

afterEach(() => vi.useRealTimers());

describe("the requestState of a 2026-07-28 round", () => {
  it("is taken once, by the caller it was given to, within its lifetime", async () => {
    const rounds = new InputRounds({ secret: "the partner's client secret", store: new MemoryStore(), ttlSeconds: 60 });
    const minted = await mintFor(rounds, "token:a");
    await expect(rounds.verifier("token:b")(minted, ctx)).rejects.toThrow(/another caller/);
    await expect(rounds.verifier("token:a")(minted, ctx)).resolves.toMatchObject({ tool: "remove_account_connector" });
    await expect(rounds.verifier("token:a")(minted, ctx)).rejects.toThrow(/replay/);
  });

  it("expires", async () => {
    vi.useFakeTimers({ now: new Date("2026-08-01T10:00:00Z"), toFake: ["Date"] });
    const rounds = new InputRounds({ secret: "the partner's client secret", store: new MemoryStore(), ttlSeconds: 60 });
    const minted = await mintFor(rounds, "stdio");
    vi.setSystemTime(new Date("2026-08-01T10:01:01Z"));
    await expect(rounds.verifier("stdio")(minted, ctx)).rejects.toThrow();
  });

  it("is refused when signed under another secret (another deployment) or altered", async () => {
    const store = new MemoryStore();
    const ours = new InputRounds({ secret: "the partner's client secret", store });
    const theirs = new InputRounds({ secret: "another partner's secret!", store });
    const foreign = await mintFor(theirs, "stdio");
    await expect(ours.verifier("stdio")(foreign, ctx)).rejects.toThrow();
    const minted = await mintFor(ours, "stdio");
    // The first character, whose bits all count (the last one of a base64url text may carry only padding bits).
    await expect(ours.verifier("stdio")(minted.replace(/^./, (c) => (c === "e" ? "f" : "e")), ctx)).rejects.toThrow();
  });

  it("is one replicas share: a state spent on one is refused on another with the same secret and store", async () => {
    const store = new MemoryStore();
    const one = new InputRounds({ secret: "the partner's client secret", store });
    const two = new InputRounds({ secret: "the partner's client secret", store });
    const minted = await mintFor(one, "token:a");
    await expect(two.verifier("token:a")(minted, ctx)).resolves.toBeDefined();
    await expect(one.verifier("token:a")(minted, ctx)).rejects.toThrow(/replay/);
  });
});
