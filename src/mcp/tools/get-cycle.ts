import * as z from "zod";
import { WAIT_SECONDS } from "../../setup/setup-state.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg, cycleIdArg } from "../shared/arguments.js";
import { afterRepair, cycleViewShape, describeCycle, loadCycleView, waitForCycle } from "../shared/cycles.js";

export const getCycle = defineTool({
  name: "get_cycle",
  title: "Get a cycle's setup state",
  description:
    "Check an integration (a cycle installed from a template): its connectors, the values the person still has to give, what only the partner can fix, and setup.nextStep (a connector flow, set_step_value, or activate_cycle). After giving the person a link for one of its connectors, pass waitForActivation to wait for them.",
  inputSchema: {
    cycleId: cycleIdArg,
    accountId: accountIdArg,
    waitForActivation: z
      .number()
      .int()
      .min(1)
      .max(300)
      .optional()
      .describe(`Seconds to wait for the person to finish at a link given for one of the cycle's connectors (${WAIT_SECONDS} fits every client's time limit; if it ends first, nextStep waits again).`),
  },
  outputSchema: {
    ...cycleViewShape,
    waited: z
      .object({
        seconds: z.number(),
        outcome: z.enum(["done", "timed_out", "not_waiting"]).describe("done: the person finished at their link; not_waiting: nobody is at a link for this cycle."),
      })
      .optional()
      .describe("Present when waitForActivation was given."),
  },
  cyclrCalls:
    "`GET /v1.0/cycles/{id}`, `GET /v1.0/cycles/{id}/prerequisites`, `GET /v1.0/cycles/{id}/steps`; for a connector not signed in `GET /v1.0/account/connectors/{id}`; for a step with missing mappings `GET /v1.0/steps/{id}/prerequisites`, `GET /v1.0/steps/{id}/parameters`, `GET /v1.0/steps/{id}/fieldmappings`",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  handler: (deps) => async (args, context) => {
    const accountId = resolveAccountId(args.accountId, deps);
    if (args.waitForActivation === undefined) {
      const view = await loadCycleView(deps, accountId, args.cycleId, context.signal);
      return { structuredContent: view, text: describeCycle(view) };
    }
    const waitedFor = await waitForCycle(deps, accountId, args.cycleId, args.waitForActivation, context);
    const { outcome, seconds } = waitedFor;
    // A running integration whose connector the person just signed in again (a repair): what is left is to see its next run go through.
    const view =
      outcome === "done" && waitedFor.view.setup.state === "active"
        ? { ...waitedFor.view, setup: { ...waitedFor.view.setup, nextStep: afterRepair(waitedFor.view.cycleId, accountId) } }
        : waitedFor.view;
    const said =
      outcome === "done"
        ? `The person finished (after ${seconds} s).`
        : outcome === "timed_out"
          ? `Not finished after ${seconds} s: the person may still be at it. Follow setup.nextStep.`
          : "Nothing to wait for: no link given out for this cycle's connectors is open.";
    return { structuredContent: { ...view, waited: { seconds, outcome } }, text: `${said} ${describeCycle(view)}` };
  },
});
