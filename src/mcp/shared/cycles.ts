/**
 * A cycle as the assistant sees it: the cycle, and its setup state derived from Cyclr's
 * prerequisites (cycle level, then each step's), its steps and the connectors it uses. Shared by
 * get_cycle, install_template, set_step_value, activate_cycle and pause_cycle; and the wait for the
 * person at a link given for one of the cycle's connectors.
 */
import * as z from "zod";
import type { CallOptions, CyclrOperations } from "../../cyclr/client.js";
import { mapConcurrently } from "../../cyclr/paging.js";
import type { Cycle, CycleStep, Prerequisite } from "../../cyclr/schemas.js";
import { chatCannotFinish, computeCycleSetup, cycleSummary, reasonWords, sortPrerequisites, type CycleBlocker, type CycleConnectorFacts, type CycleFacts, type CycleSetup, type CycleValueFacts, type CycleWebhook } from "../../setup/cycle-setup.js";
import { computeSetupState, WAIT_SECONDS, type NextStep } from "../../setup/setup-state.js";
import type { ServerDeps, ToolContext } from "../tool.js";
import { connectorDefinition, whilePersonAtLink } from "./account-connectors.js";
import { waitForAuthentication, type BrowserStep, type WaitOutcome } from "./authentication-wait.js";
import { waitRun } from "./wait-rounds.js";
import { cycleSetupSchema } from "./results.js";

export const cycleViewShape = {
  accountId: z.string(),
  cycleId: z.string(),
  name: z.string().optional(),
  status: z.string().optional().describe("Cyclr's status: Active runs; Paused after install or a pause."),
  setup: cycleSetupSchema,
};

export interface CycleView {
  accountId: string;
  cycleId: string;
  name?: string;
  status?: string;
  setup: CycleSetup;
}

/** Steps whose prerequisites are read at once. */
const STEP_CONCURRENCY = 4;

/** What a look at a cycle found besides its view: the connectors the person is at a link for. */
export interface LoadedCycle {
  view: CycleView;
  cycle: Cycle;
  steps: CycleStep[];
  /** Connectors of the cycle, not ready, for which this server gave the person a link still valid. */
  atLink: { accountConnectorId: number; step: BrowserStep }[];
}

/**
 * Reads the cycle and what stops it: the cycle (unless the caller has it, e.g. from the install's
 * answer), its prerequisites and steps, each connector that is not ready (its own setup, carrying
 * the cycle), and each step with a missing mapping (its prerequisites, parameters and field mappings).
 */
export async function loadCycle(
  deps: Pick<ServerDeps, "cyclr" | "browserSteps">,
  accountId: string,
  cycleId: string,
  signal: AbortSignal,
  known?: Cycle,
): Promise<LoadedCycle> {
  const { cyclr } = deps;
  const options: CallOptions = { signal };
  const cycle = known ?? (await cyclr.getCycle(accountId, cycleId, options));
  const [prerequisites, listedSteps] = await Promise.all([cyclr.getCyclePrerequisites(accountId, cycle.Id, options), cyclr.listCycleSteps(accountId, cycle.Id, options)]);
  const steps = listedSteps.items;
  // Status is expected on the cycle but Cyclr's tests never check it: the list is asked when it is missing.
  const status = cycle.Status ?? (await cyclr.listCycles(accountId, options)).items.find((c) => c.Id === cycle.Id)?.Status;
  const sorted = sortPrerequisites(prerequisites.items);

  const connectors = cycleConnectors(cycle, steps, sorted.unauthenticated);
  const atLink: LoadedCycle["atLink"] = [];
  const connectorFacts = await mapConcurrently([...connectors], STEP_CONCURRENCY, async ([id, known]): Promise<CycleConnectorFacts> => {
    // The prerequisites decide (they are what stops activation); the cycle's own Authenticated may be an older copy.
    const ready = !sorted.unauthenticated.has(id);
    if (ready) return { accountConnectorId: id, name: known.name, ready };
    const pending = await deps.browserSteps.pending(accountId, id);
    if (pending) atLink.push({ accountConnectorId: id, step: pending });
    try {
      const accountConnector = await cyclr.getAccountConnector(accountId, id, options);
      const definition = await connectorDefinition(cyclr, accountId, accountConnector, signal);
      const ids = { accountConnectorId: id, accountId, cycleId: cycle.Id };
      let setup = whilePersonAtLink(computeSetupState(accountConnector, definition, accountId, cycle.Id), ids, pending);
      const name = accountConnector.Name ?? definition.Name;
      if (setup.state === "ready") {
        // Set up as far as this server can tell, yet Cyclr still says not authenticated: no loop back to the cycle.
        setup = {
          ...setup,
          nextStep: {
            arguments: {},
            instruction:
              `${name} looks set up, but Cyclr still reports it as not signed in. Sign it in again with reconnect_connector (accountConnectorId ${id}), ` +
              "or check it in the Cyclr console (Accounts > the account > Connectors).",
          },
        };
      }
      return { accountConnectorId: id, name, ready, setup };
    } catch (error) {
      if (signal.aborted) throw error;
      return { accountConnectorId: id, name: known.name, ready };
    }
  });

  const blockers: CycleBlocker[] = sorted.blockers.map((b) => withStep(b, steps));
  const values: CycleValueFacts[] = [];
  const perStep = await mapConcurrently([...sorted.stepsToRead], STEP_CONCURRENCY, (stepId) => stepNeeds(cyclr, accountId, stepId, steps, options));
  for (const found of perStep) {
    values.push(...found.values);
    blockers.push(...found.blockers);
  }
  const webhooks: CycleWebhook[] = steps
    .filter((s) => s.WebhookUrl !== undefined || /webhook/i.test(s.Method?.Name ?? ""))
    .map((s) => ({ stepId: s.Id, ...(s.Name !== undefined && { stepName: s.Name }), ...(s.WebhookUrl !== undefined && { url: s.WebhookUrl }) }));

  const facts: CycleFacts = {
    accountId,
    cycleId: cycle.Id,
    ...(cycle.Name !== undefined && { name: cycle.Name }),
    ...(status !== undefined && { status }),
    ...(cycle.LastSuccessfulRunDate !== undefined && { lastRun: cycle.LastSuccessfulRunDate }),
    connectors: connectorFacts,
    values,
    blockers,
    webhooks,
    hasPrerequisites: prerequisites.items.length + prerequisites.leftOut.length > 0,
  };
  const launchTags = await templateTags(cyclr, accountId, cycle, chatCannotFinish(facts), options);
  const setup = computeCycleSetup({ ...facts, ...(launchTags.length && { launchTags }) });
  const view: CycleView = {
    accountId,
    cycleId: cycle.Id,
    ...(cycle.Name !== undefined && { name: cycle.Name }),
    ...(status !== undefined && { status }),
    setup,
  };
  return { view, cycle, steps, atLink };
}

/**
 * The tags a LAUNCH link offers the cycle's template by: the cycle's own (a cycle carries its
 * template's), else, when LAUNCH is what would finish it, the template's. A template that cannot be
 * read gives none: no LAUNCH offer, and the rest of the look stands.
 */
async function templateTags(cyclr: CyclrOperations, accountId: string, cycle: Cycle, needed: boolean, options: CallOptions): Promise<string[]> {
  if (cycle.Tags.length || !needed || cycle.TemplateId === undefined) return cycle.Tags;
  try {
    return (await cyclr.getTemplate(accountId, cycle.TemplateId, options)).Tags;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return [];
  }
}

/** The cycle's account connectors, in its order: from its Connectors, its steps, and its prerequisites. */
function cycleConnectors(cycle: Cycle, steps: readonly CycleStep[], unauthenticated: ReadonlySet<number>): Map<number, { name: string }> {
  const found = new Map<number, { name: string }>();
  for (const c of cycle.Connectors) {
    if (c.AccountConnectorId === undefined || found.has(c.AccountConnectorId)) continue;
    found.set(c.AccountConnectorId, { name: c.Name ?? `account connector ${c.AccountConnectorId}` });
  }
  for (const s of steps) {
    const id = s.AccountConnector?.Id;
    if (id !== undefined && !found.has(id)) found.set(id, { name: s.AccountConnector?.Name ?? s.AccountConnector?.Connector?.Name ?? `account connector ${id}` });
  }
  for (const id of unauthenticated) if (!found.has(id)) found.set(id, { name: `account connector ${id}` });
  return found;
}

function withStep(blocker: CycleBlocker, steps: readonly CycleStep[]): CycleBlocker {
  const name = blocker.stepId !== undefined ? steps.find((s) => s.Id === blocker.stepId)?.Name : undefined;
  return name !== undefined ? { ...blocker, stepName: name } : blocker;
}

/**
 * What one step still needs: its prerequisites (40: a parameter, 41: a field mapping), matched to
 * its parameters and field mappings by id. Anything not matched, or of another reason, is named as
 * the partner's: never dropped.
 */
async function stepNeeds(cyclr: CyclrOperations, accountId: string, stepId: string, steps: readonly CycleStep[], options: CallOptions): Promise<{ values: CycleValueFacts[]; blockers: CycleBlocker[] }> {
  const step = steps.find((s) => s.Id === stepId);
  const where = { stepId, ...(step?.Name !== undefined && { stepName: step.Name }) };
  const connectorName = step?.AccountConnector?.Connector?.Name ?? step?.AccountConnector?.Name;
  const needs = (await cyclr.getStepPrerequisites(accountId, stepId, options)).items;
  const isParameter = (p: Prerequisite) => (p.ObjectType ?? "").toLowerCase() === "parameter" || p.ReasonCode === 40;
  const isField = (p: Prerequisite) => !isParameter(p) && ((p.ObjectType ?? "").toLowerCase().includes("fieldmapping") || p.ReasonCode === 41);
  const [parameters, fields] = await Promise.all([
    needs.some(isParameter) ? cyclr.listStepParameters(accountId, stepId, options).then((l) => l.items) : [],
    needs.some(isField) ? cyclr.listStepFieldMappings(accountId, stepId, options).then((l) => l.items) : [],
  ]);
  const values: CycleValueFacts[] = [];
  const blockers: CycleBlocker[] = [];
  for (const need of needs) {
    const base = { ...where, ...(connectorName !== undefined && { connectorName }) };
    if (isParameter(need)) {
      const found = parameters.find((p) => p.Parameter.Id === need.ObjectId);
      if (found) {
        const item = found.Parameter;
        values.push({
          ...base,
          kind: "parameter",
          id: item.Id,
          name: item.Name ?? `parameter ${item.Id}`,
          ...(item.Description !== undefined && { description: item.Description }),
          // No visibility flag on parameters was seen: offered unless one says false.
          visible: (found.IsLaunchVisible ?? item.IsLaunchVisible) !== false,
          lookup: item.Triggers.some((t) => t.TriggerId !== undefined),
          ...(item.Values.length && { allowedValues: item.Values }),
        });
        continue;
      }
    } else if (isField(need)) {
      // The docs' ObjectId of a missing field mapping is the field's id (283792 in both examples).
      const found = fields.find((f) => f.Field.Id === need.ObjectId);
      if (found) {
        const item = found.Field;
        values.push({
          ...base,
          kind: "field",
          id: item.Id,
          name: item.Name ?? `field ${item.Id}`,
          ...(item.Description !== undefined && { description: item.Description }),
          // IsLaunchVisible is the builder's "User Configurable"; when Cyclr leaves it out, the docs' API flow sets every missing mapping: offered.
          visible: (found.IsLaunchVisible ?? item.IsLaunchVisible) !== false,
          lookup: false,
          ...(item.Values.length && { allowedValues: item.Values }),
        });
        continue;
      }
    }
    blockers.push({
      ...where,
      reasonCode: need.ReasonCode,
      words: `${reasonWords(need.ReasonCode, need.Reason)}${need.ObjectId !== undefined ? ` (${need.ObjectType ?? "item"} ${need.ObjectId})` : ""}`,
      // A parameter or mapping the step does not list as one this server sets: of another kind (from an earlier step, say), for Cyclr's pages.
      ...((isParameter(need) || isField(need)) && { onCyclrPages: true }),
    });
  }
  return { values, blockers };
}

/** A cycle's view alone (get_cycle without a wait, and after each change). */
export async function loadCycleView(deps: Pick<ServerDeps, "cyclr" | "browserSteps">, accountId: string, cycleId: string, signal: AbortSignal, known?: Cycle): Promise<CycleView> {
  return (await loadCycle(deps, accountId, cycleId, signal, known)).view;
}

/**
 * Waits while the person is at a link this server gave out for one of the cycle's connectors (a
 * sign-in, a credential page), through that connector's shared poll, then reads the cycle again:
 * its setup then names the next connector, the values, or activation.
 */
export async function waitForCycle(
  deps: ServerDeps,
  accountId: string,
  cycleId: string,
  seconds: number,
  context: Pick<ToolContext, "signal" | "stopping" | "progress" | "rounds">,
): Promise<{ view: CycleView; outcome: WaitOutcome; seconds: number }> {
  const started = performance.now();
  const first = await loadCycle(deps, accountId, cycleId, context.signal);
  const at = first.atLink[0];
  if (!at) {
    // The person may have finished before the wait began: a connector now ready whose link is on record.
    let finished = false;
    for (const c of first.view.setup.connectors) {
      const step = c.ready ? await deps.browserSteps.step(accountId, c.accountConnectorId) : undefined;
      if (!step) continue;
      finished = true;
      if (!step.over) await deps.browserSteps.end(accountId, c.accountConnectorId);
    }
    return { view: first.view, outcome: finished ? "done" : "not_waiting", seconds: 0 };
  }
  // On 2026-07-28 the wait goes on in short rounds of the call (wait-rounds.ts).
  const run = waitRun(context, seconds * 1000);
  const { outcome } = await waitForAuthentication(deps.accountConnectorPolls, accountId, at.accountConnectorId, {
    timeoutMs: run.timeoutMs,
    // A shutdown ends the wait at once: the person's link stays valid, and the call can be repeated.
    signal: AbortSignal.any([context.signal, context.stopping]),
    waitingFor: at.step,
    onPoll: (waitedMs) => {
      const done = Math.min(seconds, Math.round((run.waitedBeforeMs + waitedMs) / 1000));
      return context.progress(done, seconds, `Waiting for the person to finish in their browser: ${done} s of ${seconds} s`);
    },
  });
  if (outcome === "timed_out" && run.next) run.next();
  if (outcome === "done") await deps.browserSteps.end(accountId, at.accountConnectorId);
  const view = await loadCycleView(deps, accountId, first.cycle.Id, context.signal, first.cycle);
  return { view, outcome, seconds: Math.round((run.waitedBeforeMs + performance.now() - started) / 100) / 10 };
}

/** After a running integration was repaired (a connector signed in again, a resumed cycle): see its next run go through. */
export function afterRepair(cycleId: string, accountId: string): NextStep {
  return {
    tool: "get_cycle_activity",
    arguments: { cycleId, accountId, waitForRun: WAIT_SECONDS },
    instruction: "It is running again: wait for its next run with get_cycle_activity and waitForRun, to see it go through (or what fails now).",
  };
}

/** The text content for a cycle: what it is, its state and the next step. */
export function describeCycle(view: CycleView): string {
  const waiting = view.setup.connectors.filter((c) => !c.ready).map((c) => c.name);
  return `Cycle ${view.cycleId} "${view.name ?? "unnamed"}" (${view.status ?? "status unknown"}${waiting.length ? `; not set up: ${waiting.join(", ")}` : ""}). ${cycleSummary(view.setup)}`;
}
