/**
 * /readyz's answer, with checks the test controls and a fake clock: within the bound whatever a
 * check does, at once for a check known to be failing, and back to ready once the check is.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { READY_WITHIN_MS, Readiness, type ReadinessAnswer } from "../../src/hosting/readiness.js";

/** A check that does not answer until the test says what it answers (from then on, at once). */
function controlled<T>() {
  const waiting: ((value: T) => void)[] = [];
  let answered: { value: T } | undefined;
  let runs = 0;
  return {
    run: () => {
      runs++;
      return answered ? Promise.resolve(answered.value) : new Promise<T>((resolve) => waiting.push(resolve));
    },
    answer: async (value: T) => {
      answered = { value };
      waiting.splice(0).forEach((resolve) => resolve(value));
      await vi.advanceTimersByTimeAsync(0);
    },
    get runs() {
      return runs;
    },
  };
}

/** Whether the probe has answered, after letting everything but the clock run. */
async function settledWithoutTime(answer: Promise<ReadinessAnswer>): Promise<ReadinessAnswer | undefined> {
  let seen: ReadinessAnswer | undefined;
  void answer.then((value) => (seen = value));
  await vi.advanceTimersByTimeAsync(0);
  return seen;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const ok = async () => true;

describe("Readiness", () => {
  it("a store that does not answer: 503 naming it once the bound is over, then at once, one check at a time", async () => {
    const problem = controlled<string | undefined>();
    const readiness = new Readiness({ store: { name: "Redis", problem: problem.run }, cyclr: ok, keys: ok });
    const first = readiness.probe(false);
    expect(await settledWithoutTime(first)).toBeUndefined();
    await vi.advanceTimersByTimeAsync(READY_WITHIN_MS);
    expect(await first).toEqual({ status: 503, body: { status: "not ready", store: "Redis does not answer" }, headers: { "retry-after": "5" } });
    // Known failing: answered without waiting, and without a second check while the first is under way.
    expect(await settledWithoutTime(readiness.probe(false))).toMatchObject({ status: 503, body: { store: "Redis does not answer" } });
    expect(problem.runs).toBe(1);

    // The store answers again: the check under way says so, and the next probe is ready.
    await problem.answer(undefined);
    expect(await settledWithoutTime(readiness.probe(false))).toEqual({ status: 200, body: { status: "ready" }, headers: {} });
  });

  it("a store that says what is wrong is named as it says, and the next probe does not wait on it", async () => {
    let problem: string | undefined = "Redis is unreachable";
    const readiness = new Readiness({ store: { name: "Redis", problem: async () => problem }, cyclr: ok, keys: ok });
    expect(await settledWithoutTime(readiness.probe(false))).toMatchObject({ status: 503, body: { status: "not ready", store: "Redis is unreachable" } });
    // Known failing: told at once, while a new check behind the answer finds Redis back.
    problem = undefined;
    expect(await settledWithoutTime(readiness.probe(false))).toMatchObject({ status: 503, body: { store: "Redis is unreachable" } });
    expect(await settledWithoutTime(readiness.probe(false))).toMatchObject({ status: 200 });
  });

  it("Cyclr's token endpoint slow: not ready within the bound, naming nothing", async () => {
    const cyclr = controlled<boolean>();
    const readiness = new Readiness({ cyclr: cyclr.run, keys: ok });
    const first = readiness.probe(false);
    await vi.advanceTimersByTimeAsync(READY_WITHIN_MS);
    expect(await first).toEqual({ status: 503, body: { status: "not ready" }, headers: {} });
    await cyclr.answer(true);
    expect(await settledWithoutTime(readiness.probe(false))).toMatchObject({ status: 200 });
  });

  it("a check that throws is a failing one", async () => {
    const readiness = new Readiness({ store: { name: "Redis", problem: () => Promise.reject(new Error("boom")) }, cyclr: ok, keys: ok });
    expect(await settledWithoutTime(readiness.probe(false))).toMatchObject({ status: 503, body: { store: "Redis does not answer" } });
  });

  it("ready when every check is; shutting down whatever they say", async () => {
    const readiness = new Readiness({ store: { name: "memory", problem: async () => undefined }, cyclr: ok, keys: ok });
    expect(await settledWithoutTime(readiness.probe(false))).toEqual({ status: 200, body: { status: "ready" }, headers: {} });
    expect(await settledWithoutTime(readiness.probe(true))).toEqual({ status: 503, body: { status: "shutting down" }, headers: { "retry-after": "5" } });
  });
});
