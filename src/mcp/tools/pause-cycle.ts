import * as z from "zod";
import { isActive } from "../../setup/cycle-setup.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg, confirmArg, cycleIdArg } from "../shared/arguments.js";
import { confirmWithPerson } from "../shared/confirmation.js";
import { cycleViewShape, describeCycle, loadCycleView } from "../shared/cycles.js";

export const pauseCycle = defineTool({
  name: "pause_cycle",
  title: "Pause a cycle",
  description:
    "Stop a running integration (the person confirms first: a form where the client has one, else confirm: true). By default transactions already queued finish first; finishQueued: false stops at once (queued ones resume if it is activated again within 24 hours). On a paused cycle it changes nothing. Pause before changing a running cycle's values.",
  inputSchema: {
    cycleId: cycleIdArg,
    accountId: accountIdArg,
    finishQueued: z.boolean().optional().describe("true (default): queued transactions finish first; false: stop at once."),
    confirm: confirmArg,
  },
  outputSchema: {
    ...cycleViewShape,
    outcome: z.enum(["paused", "already_paused", "cancelled"]).describe("cancelled: the person did not confirm; already_paused: nothing changed."),
  },
  cyclrCalls: "as get_cycle, then `PUT /v1.0/cycles/{id}/deactivate?finishQueuedTransactions=`",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  changesCycles: true,
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    const view = await loadCycleView(deps, accountId, args.cycleId, signal);
    const name = view.name ?? `cycle ${view.cycleId}`;
    if (!isActive(view.status)) {
      return { structuredContent: { ...view, outcome: "already_paused" as const }, text: `${name} is not running${view.status ? ` (${view.status})` : ""}: nothing changed. ${describeCycle(view)}` };
    }
    const finishQueued = args.finishQueued ?? true;
    const decision = await confirmWithPerson(context.person, args.confirm, {
      question: `Pause "${name}" in account ${accountId}? It stops moving data${finishQueued ? " once the transactions already queued have finished" : " at once (queued transactions resume if it is started again within 24 hours)"}.`,
      action: "Pause it",
      tool: "pause_cycle",
    });
    if (decision === "declined") {
      const cancelled = { ...view.setup, nextStep: { arguments: {}, instruction: `The person did not confirm: ${name} keeps running. Ask what they want to do.` } };
      return { structuredContent: { ...view, setup: cancelled, outcome: "cancelled" as const }, text: "Not paused: the person did not confirm. Nothing changed." };
    }
    await deps.cyclr.deactivateCycle(accountId, view.cycleId, finishQueued, { signal });
    const loaded = await loadCycleView(deps, accountId, view.cycleId, signal);
    // Paused on purpose: the next step is the person's change, not starting it again at once.
    const nextStep = {
      arguments: {},
      instruction: `${name} is paused. Make the change the person wanted (get_cycle lists what it needs; set_step_value sets values), then start it again with activate_cycle when they say so.`,
    };
    const after = { ...loaded, setup: { ...loaded.setup, nextStep } };
    return { structuredContent: { ...after, outcome: "paused" as const }, text: `Paused ${name}. ${describeCycle(after)}` };
  },
});
