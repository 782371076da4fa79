/**
 * Looking at an account connector, and waiting for the person at the link this server gave out:
 * what get_account_connector answers the model and refresh_setup_card answers the card, the same
 * view, the same wait and the same shared poll.
 */
import * as z from "zod";
import { accountConnectorViewShape, loadAccountConnectorView, whilePersonAtLink, type AccountConnectorView } from "./account-connectors.js";
import { waitForAuthentication, type WaitOutcome } from "./authentication-wait.js";
import { resolveAccountId } from "./account-policy.js";
import { setupSummary } from "./results.js";
import { waitRun } from "./wait-rounds.js";
import type { ServerDeps, ToolContext } from "../tool.js";

export const accountConnectorCheckShape = {
  ...accountConnectorViewShape,
  waited: z
    .object({
      seconds: z.number(),
      outcome: z
        .enum(["done", "timed_out", "not_waiting"])
        .describe("done: the person finished the step (see setup); not_waiting: the next step was not the person's in a browser."),
    })
    .optional()
    .describe("Present when waitForAuthentication was given."),
};

export interface AccountConnectorCheck {
  accountConnectorId: number;
  accountId?: string | undefined;
  /** Seconds to wait for the person at their link; undefined looks once. */
  waitForAuthentication?: number | undefined;
}

export async function checkAccountConnector(deps: ServerDeps, args: AccountConnectorCheck, context: Pick<ToolContext, "signal" | "stopping" | "progress" | "rounds">) {
  const accountId = resolveAccountId(args.accountId, deps);
  const ids = { accountId, accountConnectorId: args.accountConnectorId };
  if (args.waitForAuthentication === undefined) {
    const loaded = await loadAccountConnectorView(deps.cyclr, accountId, args.accountConnectorId, context.signal);
    const pending = await deps.browserSteps.pending(accountId, args.accountConnectorId);
    // Ready: whatever link was given out is done with (an OAuth sign-in that landed elsewhere, say).
    if (pending !== undefined && loaded.setup.state === "ready") await deps.browserSteps.end(accountId, args.accountConnectorId);
    const view = { ...loaded, setup: whilePersonAtLink(loaded.setup, ids, pending) };
    return { structuredContent: view, text: describeView(view) };
  }
  const totalSeconds = args.waitForAuthentication;
  // The link this server gave out tells what the person is doing, even if they finished before
  // this call; a link already used or expired is not waited on.
  const step = await deps.browserSteps.step(accountId, args.accountConnectorId);
  const started = performance.now();
  // On 2026-07-28 the wait goes on in short rounds of the call (wait-rounds.ts).
  const run = waitRun(context, totalSeconds * 1000);
  const { view: seen, outcome } = await waitForAuthentication(deps.accountConnectorPolls, accountId, args.accountConnectorId, {
    timeoutMs: run.timeoutMs,
    // A shutdown ends the wait at once: the person's link stays valid, and the call can be repeated.
    signal: AbortSignal.any([context.signal, context.stopping]),
    ...(step !== undefined && { waitingFor: step.tool, stepOver: step.over }),
    onPoll: (waitedMs) => {
      const seconds = Math.min(totalSeconds, Math.round((run.waitedBeforeMs + waitedMs) / 1000));
      const message = `Waiting for the person to finish in their browser: ${seconds} s of ${totalSeconds} s`;
      return context.progress(seconds, totalSeconds, message);
    },
  });
  if (outcome === "timed_out" && run.next) run.next();
  if (outcome === "done") await deps.browserSteps.end(accountId, args.accountConnectorId);
  // Timed out with the link still valid: the next step is another wait, not a new link.
  const view = { ...seen, setup: whilePersonAtLink(seen.setup, ids, await deps.browserSteps.pending(accountId, args.accountConnectorId)) };
  const waited = { seconds: Math.round((run.waitedBeforeMs + performance.now() - started) / 100) / 10, outcome };
  const summary = outcome === "not_waiting" && step?.over ? linkOverSummary : waitSummary(outcome, waited.seconds);
  return { structuredContent: { ...view, waited }, text: `${summary} ${describeView(view)}` };
}

const linkOverSummary = "Not waiting: the link given out was used or has expired, so no one is at it.";

function waitSummary(outcome: WaitOutcome, seconds: number): string {
  switch (outcome) {
    case "done":
      return `The person finished (after ${seconds} s).`;
    case "timed_out":
      return `Not finished after ${seconds} s: the person may still be at it. Follow setup.nextStep (it waits again while their link is valid, or makes a new one once it has expired).`;
    case "not_waiting":
      return "Not waiting: the next step is not the person's in a browser.";
  }
}

/** The text: what it is, whether it is authenticated, and the setup state with its next step (the account is the one asked about). */
function describeView(view: AccountConnectorView): string {
  const { authType } = view.setup.authentication;
  return `${view.name ?? view.connector.name} (account connector ${view.accountConnectorId}): ${view.authenticated ? "authenticated" : "not authenticated"}${authType ? ` (${authType})` : ""}. ${setupSummary(view.setup)}`;
}
