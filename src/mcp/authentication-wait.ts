/**
 * Waiting for the person to finish authenticating in their browser: polls the account connector
 * with backoff until it no longer needs authentication, the time is up, or the caller gives up.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CyclrOperations } from "../cyclr/client.js";
import { loadAccountConnectorView, type AccountConnectorView } from "./account-connectors.js";

export type WaitOutcome = "authenticated" | "timed_out" | "not_waiting";

export interface WaitOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** Called after each look, with the time waited so far. */
  onPoll?: (waitedMs: number, view: AccountConnectorView) => Promise<void>;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 5_000;

/** The delay before look number n (0-based): 1 s, growing by half each time, at most 5 s. */
export function pollDelay(attempt: number): number {
  return Math.min(MAX_DELAY_MS, Math.round(FIRST_DELAY_MS * 1.5 ** attempt));
}

export async function waitForAuthentication(
  cyclr: CyclrOperations,
  accountId: string,
  accountConnectorId: number,
  options: WaitOptions,
): Promise<{ view: AccountConnectorView; outcome: WaitOutcome }> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const view = await loadAccountConnectorView(cyclr, accountId, accountConnectorId, options.signal);
    const waited = performance.now() - started;
    await options.onPoll?.(waited, view);
    // Waiting helps only while authentication is the missing step; properties need the person in the chat.
    if (view.setup.state !== "needs_authentication") {
      return { view, outcome: view.setup.state === "ready" ? "authenticated" : "not_waiting" };
    }
    const remaining = options.timeoutMs - waited;
    if (remaining <= 0) return { view, outcome: "timed_out" };
    await sleep(Math.min(pollDelay(attempt), remaining), undefined, { signal: options.signal });
  }
}
