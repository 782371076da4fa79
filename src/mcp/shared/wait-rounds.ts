/**
 * A wait for the person, on the 2026-07-28 revision, goes on in rounds of the call: each run waits
 * a short while, then (if the person is not done and time is left) ends with input_required and
 * only a state, and the client calls again at once. No request is held for long, and any replica
 * can take the next round: the wait's start travels in the state. On 2025-11-25 a wait is one run.
 */
import type { ToolContext } from "../tool.js";

/** The longest a run of a wait holds its request (a load balancer's idle timeout is often 30-60 s). */
export const WAIT_ROUND_MS = 15_000;
/**
 * The most rounds one wait takes: the SDK's client retries a call at most 10 times by default
 * (inputRequired.maxRounds), so a long wait takes longer rounds rather than more of them.
 */
export const MAX_WAIT_ROUNDS = 8;

export interface WaitRun {
  /** How long this run may wait. */
  timeoutMs: number;
  /** How long earlier rounds of the call waited already. */
  waitedBeforeMs: number;
  /** Ends this run, the wait going on in the next round; undefined when this run is the wait's last. */
  next?: () => never;
}

/** This run's share of a wait of `totalMs`. */
export function waitRun(context: Pick<ToolContext, "rounds">, totalMs: number, now = Date.now()): WaitRun {
  const again = context.rounds.again;
  if (!again) return { timeoutMs: totalMs, waitedBeforeMs: 0 };
  const carried = context.rounds.carried("waitStartedAt");
  const startedAt = typeof carried === "number" && carried <= now ? carried : now;
  context.rounds.carry("waitStartedAt", startedAt);
  const waitedBeforeMs = Math.min(totalMs, now - startedAt);
  const left = totalMs - waitedBeforeMs;
  const roundMs = Math.max(WAIT_ROUND_MS, Math.ceil(totalMs / MAX_WAIT_ROUNDS));
  return left <= roundMs ? { timeoutMs: left, waitedBeforeMs } : { timeoutMs: roundMs, waitedBeforeMs, next: again };
}
