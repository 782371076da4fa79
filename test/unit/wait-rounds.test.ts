/** A wait's share of each round of a 2026-07-28 call (src/mcp/shared/wait-rounds.ts). */
import { describe, expect, it } from "vitest";
import { MAX_WAIT_ROUNDS, WAIT_ROUND_MS, waitRun } from "../../src/mcp/shared/wait-rounds.js";
import type { CarriedValue } from "../../src/mcp/tool.js";

function rounds(carried: Record<string, CarriedValue> = {}, modern = true) {
  const again = () => {
    throw new Error("again");
  };
  return { rounds: { carried: (name: string) => carried[name], carry: (name: string, value: CarriedValue) => void (carried[name] = value), ...(modern && { again }) }, carried };
}

describe("waitRun", () => {
  it("on 2025-11-25 (no rounds) waits the whole time in one run", () => {
    expect(waitRun(rounds({}, false), 45_000, 1_000)).toEqual({ timeoutMs: 45_000, waitedBeforeMs: 0 });
  });

  it("on 2026-07-28 waits a round, carries when the wait began, and goes on until the time is up", () => {
    const context = rounds();
    const first = waitRun(context, 45_000, 1_000);
    expect(first).toMatchObject({ timeoutMs: WAIT_ROUND_MS, waitedBeforeMs: 0 });
    expect(first.next).toBeDefined();
    expect(context.carried.waitStartedAt).toBe(1_000);
    const second = waitRun(context, 45_000, 1_000 + WAIT_ROUND_MS);
    expect(second).toMatchObject({ timeoutMs: WAIT_ROUND_MS, waitedBeforeMs: WAIT_ROUND_MS });
    const last = waitRun(context, 45_000, 1_000 + 2 * WAIT_ROUND_MS);
    expect(last).toEqual({ timeoutMs: 45_000 - 2 * WAIT_ROUND_MS, waitedBeforeMs: 2 * WAIT_ROUND_MS });
  });

  it("takes longer rounds for a long wait, never more than the client's rounds allow", () => {
    const first = waitRun(rounds(), 300_000, 0);
    expect(first.timeoutMs).toBe(300_000 / MAX_WAIT_ROUNDS);
  });

  it("ignores a start in the future (another replica's clock ahead): the wait begins now", () => {
    expect(waitRun(rounds({ waitStartedAt: 99_999 }), 45_000, 1_000).waitedBeforeMs).toBe(0);
  });
});
