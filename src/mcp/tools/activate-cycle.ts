import * as z from "zod";
import { CYCLE_INTERVALS, DEFAULT_INTERVAL, isActive } from "../../setup/cycle-setup.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg, confirmArg, cycleIdArg } from "../shared/arguments.js";
import { confirmWithPerson } from "../shared/confirmation.js";
import { afterRepair, cycleViewShape, describeCycle, loadCycle, loadCycleView } from "../shared/cycles.js";

export const activateCycle = defineTool({
  name: "activate_cycle",
  title: "Activate a cycle",
  description:
    "Start an integration once get_cycle says ready_to_activate (or paused): it runs every interval minutes and moves the person's data, so they confirm first (a form where the client has one, else confirm: true). Refused while prerequisites remain, naming them; on an active cycle it changes nothing.",
  inputSchema: {
    cycleId: cycleIdArg,
    accountId: accountIdArg,
    interval: z
      .number()
      .int()
      .min(1)
      .max(10080)
      .optional()
      .describe(`Minutes between runs, one of ${CYCLE_INTERVALS.join(", ")}; default ${DEFAULT_INTERVAL}. Ignored with runOnce or a webhook trigger.`),
    startTime: z.string().trim().max(40).optional().describe("When to start, an ISO 8601 date and time (UTC if no offset); default now."),
    runOnce: z.boolean().optional().describe("Run once, then pause."),
    confirm: confirmArg,
  },
  outputSchema: {
    ...cycleViewShape,
    outcome: z.enum(["activated", "already_active", "cancelled"]).describe("cancelled: the person did not confirm; already_active: nothing changed."),
    schedule: z.object({ intervalMinutes: z.number().optional(), startTime: z.string().optional(), runOnce: z.boolean().optional() }).optional(),
  },
  cyclrCalls: "as get_cycle, then `PUT /v1.0/cycles/{id}/activate` `{Interval, StartTime, RunOnce}`",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  changesCycles: true,
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    if (args.interval !== undefined && !(CYCLE_INTERVALS as readonly number[]).includes(args.interval)) {
      throw new ToolInputError(`interval ${args.interval} is not one Cyclr accepts: use one of ${CYCLE_INTERVALS.join(", ")} (minutes).`);
    }
    let startTime: string | undefined;
    if (args.startTime !== undefined) {
      const at = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(args.startTime) ? args.startTime : `${args.startTime}Z`);
      if (Number.isNaN(at)) throw new ToolInputError(`startTime "${args.startTime}" is not a date and time: use ISO 8601, e.g. 2026-05-01T09:00:00Z.`);
      startTime = new Date(at).toISOString();
    }
    const loaded = await loadCycle(deps, accountId, args.cycleId, signal);
    const { view, cycle } = loaded;
    const name = view.name ?? `cycle ${view.cycleId}`;
    if (isActive(view.status)) {
      return { structuredContent: { ...view, outcome: "already_active" as const }, text: `${name} is already active: nothing changed. ${describeCycle(view)}` };
    }
    const { setup } = view;
    if (setup.state !== "ready_to_activate" && setup.state !== "paused") {
      const remaining = [
        ...setup.connectors.filter((c) => !c.ready).map((c) => `${c.name} is not set up`),
        ...setup.values.map((v) => `${v.step ? `step "${v.step}": ` : ""}${v.name} has no value`),
        ...(setup.partner ?? []),
      ];
      throw new ToolInputError(
        `${name} cannot be activated yet: ${remaining.join("; ") || "Cyclr still reports prerequisites"}. ` +
          `${setup.nextStep.tool ? `Next: ${setup.nextStep.tool} ${JSON.stringify(setup.nextStep.arguments)}. ` : ""}${setup.nextStep.instruction} Nothing was changed.`,
      );
    }
    // A webhook trigger runs when called, and a single run has no interval (cycle activation docs).
    const webhook = setup.webhooks?.length ? setup.webhooks : undefined;
    const intervalMinutes = args.runOnce || webhook ? undefined : (args.interval ?? DEFAULT_INTERVAL);
    const when = startTime ? `from ${startTime}` : "from now";
    const how = args.runOnce ? `once, ${when}` : webhook ? `each time its webhook is called, ${when}` : `every ${intervalMinutes} minutes, ${when}`;
    const decision = await confirmWithPerson(context.person, args.confirm, {
      question: `Start "${name}" in account ${accountId}? It will run ${how}, moving data between ${setup.connectors.map((c) => c.name).join(" and ") || "its connectors"}.`,
      action: "Start it",
      tool: "activate_cycle",
    });
    if (decision === "declined") {
      const cancelled = { ...setup, nextStep: { arguments: {}, instruction: `The person did not confirm: ${name} was not started. Ask what they want to do.` } };
      return { structuredContent: { ...view, setup: cancelled, outcome: "cancelled" as const }, text: "Not started: the person did not confirm. Nothing changed." };
    }
    const activation = { ...(intervalMinutes !== undefined && { Interval: intervalMinutes }), ...(startTime !== undefined && { StartTime: startTime }), ...(args.runOnce && { RunOnce: true }) };
    await deps.cyclr.activateCycle(accountId, cycle.Id, activation, { signal });
    const reread = await loadCycleView(deps, accountId, cycle.Id, signal);
    // Started again after it had run (paused, or stopped by Cyclr on an error): see its next run go through.
    const after = setup.state === "paused" && !args.runOnce && !webhook ? { ...reread, setup: { ...reread.setup, nextStep: afterRepair(cycle.Id, accountId) } } : reread;
    const schedule = { ...(intervalMinutes !== undefined && { intervalMinutes }), ...(startTime !== undefined && { startTime }), ...(args.runOnce && { runOnce: true }) };
    return { structuredContent: { ...after, outcome: "activated" as const, schedule }, text: `Started ${name}: it runs ${how}. ${describeCycle(after)}` };
  },
});
