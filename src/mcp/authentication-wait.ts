/**
 * Waiting for the person to finish a step in their browser (an OAuth sign-in, a credential page):
 * polls the account connector with backoff until its setup moves on, the time is up, or the caller
 * gives up.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CyclrOperations } from "../cyclr/client.js";
import { loadAccountConnectorView, type AccountConnectorView } from "./account-connectors.js";

/** done: the person finished the step (setup moved on); not_waiting: the next step was not the person's in a browser. */
export type WaitOutcome = "done" | "timed_out" | "not_waiting";

/** Steps the person takes in a browser, after the assistant gave them a link. */
const BROWSER_STEPS = new Set(["create_oauth_link", "create_credential_link"]);

/**
 * The links this server gave out, per account connector: which browser step the person is on. It
 * tells a wait what to wait for, even when the person finished before the wait began.
 */
export class BrowserSteps {
  private readonly steps = new Map<string, { tool: string; until: number }>();

  record(accountId: string, accountConnectorId: number, tool: "create_oauth_link" | "create_credential_link", until: Date): void {
    this.steps.set(`${accountId}\n${accountConnectorId}`, { tool, until: until.getTime() });
    // Bounded: forget expired links as new ones come.
    if (this.steps.size > 1000) for (const [key, step] of this.steps) if (step.until < Date.now()) this.steps.delete(key);
  }

  pending(accountId: string, accountConnectorId: number): string | undefined {
    const step = this.steps.get(`${accountId}\n${accountConnectorId}`);
    return step && step.until > Date.now() ? step.tool : undefined;
  }

  finished(accountId: string, accountConnectorId: number): void {
    this.steps.delete(`${accountId}\n${accountConnectorId}`);
  }
}

export interface WaitOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** The browser step the person was sent to (create_oauth_link or create_credential_link), if known. */
  waitingFor?: string;
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
  let step = options.waitingFor;
  for (let attempt = 0; ; attempt++) {
    const view = await loadAccountConnectorView(cyclr, accountId, accountConnectorId, options.signal);
    const waited = performance.now() - started;
    await options.onPoll?.(waited, view);
    const next = view.setup.nextStep.tool;
    // The step the person is on: the link given out, else the step the setup asks for if it is a browser step.
    if (step === undefined && attempt === 0 && next !== null && BROWSER_STEPS.has(next)) step = next;
    if (step === undefined) return { view, outcome: view.setup.state === "ready" ? "done" : "not_waiting" };
    if (next !== step) return { view, outcome: "done" };
    const remaining = options.timeoutMs - waited;
    if (remaining <= 0) return { view, outcome: "timed_out" };
    await sleep(Math.min(pollDelay(attempt), remaining), undefined, { signal: options.signal });
  }
}
