/**
 * The setup state of a cycle (an integration installed from a template): which of its connectors
 * still need setting up, which step values the person still has to give, what only the partner can
 * fix, and the next call. Pure: derived from what Cyclr answered (the cycle, its prerequisites, its
 * steps' prerequisites and mappings). Order follows Cyclr's own end-user screens: connectors first
 * (a lookup needs an authenticated connector), then values, then activation.
 */
import type { Prerequisite } from "../cyclr/schemas.js";
import type { NextStep, SetupState } from "./setup-state.js";

export type CycleStateName = "needs_connectors" | "needs_values" | "ready_to_activate" | "active" | "paused";

/** The intervals Cyclr accepts for a scheduled cycle, in minutes (cycle activation docs). */
export const CYCLE_INTERVALS = [1, 5, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 10080] as const;
/** The interval suggested when the person has no preference. */
export const DEFAULT_INTERVAL = 15;

/**
 * Cyclr's prerequisite reason codes (docs: get cycle prerequisites), in plain words, and whose they
 * are to fix: the person's (a connector, a value the template leaves to them) or the partner's (the
 * template's design: steps, decisions, delays).
 */
export const REASONS: Readonly<Record<number, { words: string; whose: "person" | "partner" }>> = {
  0: { words: "Cyclr reports a problem it does not name", whose: "partner" },
  10: { words: "the integration needs at least two steps", whose: "partner" },
  11: { words: "the integration's steps must all be connected, with one trigger", whose: "partner" },
  20: { words: "a connector is not signed in", whose: "person" },
  30: { words: "a step has values to set", whose: "person" },
  31: { words: "a decision step has no criteria", whose: "partner" },
  32: { words: "a delay step has no time period", whose: "partner" },
  33: { words: "a wait-until step has no date", whose: "partner" },
  40: { words: "a step parameter has no value", whose: "person" },
  41: { words: "a field mapping has no value", whose: "person" },
  42: { words: "a collection key mapping is missing", whose: "partner" },
  43: { words: "a webhook key mapping is missing", whose: "partner" },
  50: { words: "a condition has no left operand", whose: "partner" },
  51: { words: "a condition has no right operand", whose: "partner" },
  60: { words: "a delay has no unit", whose: "partner" },
  61: { words: "a delay has no interval", whose: "partner" },
  70: { words: "a wait-until step has no date", whose: "partner" },
};

export function reasonWords(code: number, reason?: string): string {
  return REASONS[code]?.words ?? (reason ? reason.charAt(0).toLowerCase() + reason.slice(1) : `Cyclr reports reason ${code}`);
}

/** One of the cycle's connectors, as the setup needs it. */
export interface CycleConnectorFacts {
  accountConnectorId: number;
  name: string;
  /** Cyclr says it is authenticated (no prerequisite 20 names it). */
  ready: boolean;
  /** Its own setup state (computed with the cycle's id), for one that is not ready and could be read. */
  setup?: SetupState;
}

/** A value a step still needs (from the step's prerequisites and its parameters or field mappings). */
export interface CycleValueFacts {
  stepId: string;
  stepName?: string;
  connectorName?: string;
  kind: "parameter" | "field";
  id: string;
  name: string;
  description?: string;
  /**
   * The person may set it: a field mapping Cyclr marks visible to the end user (IsLaunchVisible, the
   * builder's "User Configurable"); parameters carry no such flag in anything seen, so they are
   * offered unless one says false. The rest is the partner's design.
   */
  visible: boolean;
  /** Its choices come from a lookup in the connector's account (set_step_value lists them first). */
  lookup: boolean;
  allowedValues?: string[];
}

/** Something stopping activation that no tool here can set: the partner's to fix, in words. */
export interface CycleBlocker {
  reasonCode: number;
  words: string;
  stepId?: string;
  stepName?: string;
}

export interface CycleWebhook {
  stepId: string;
  stepName?: string;
  /** The URL the sending application must call; unknown when Cyclr's answer does not carry it. */
  url?: string;
}

export interface CycleFacts {
  accountId: string;
  cycleId: string;
  name?: string;
  /** Cyclr's status: "Active" runs; "Paused" after install or a pause; the full list is unknown. */
  status?: string;
  /** LastSuccessfulRunDate: Cyclr's "never" is 0001-01-01. */
  lastRun?: string;
  connectors: CycleConnectorFacts[];
  values: CycleValueFacts[];
  blockers: CycleBlocker[];
  webhooks: CycleWebhook[];
  /** Prerequisites remain (Cyclr's list is not empty), whether or not they could be explained. */
  hasPrerequisites: boolean;
}

export interface CycleSetupValue {
  stepId: string;
  step?: string;
  kind: "parameter" | "field";
  id: string;
  name: string;
  lookup?: boolean;
  allowedValues?: string[];
}

export interface CycleSetup {
  state: CycleStateName;
  /** Each connector of the cycle, and whether it is ready. */
  connectors: { accountConnectorId: number; name: string; ready: boolean }[];
  /** Values the person still has to give. */
  values: CycleSetupValue[];
  /** What only the partner can fix (in the template, in the Cyclr console); left out when nothing. */
  partner?: string[];
  /** Webhook steps: the URL the sending application must call. */
  webhooks?: CycleWebhook[];
  nextStep: NextStep;
}

export function isActive(status: string | undefined): boolean {
  return (status ?? "").toLowerCase() === "active";
}

/** Whether the cycle has run before: Cyclr's "never" is 0001-01-01T00:00:00. */
function hasRun(lastRun: string | undefined): boolean {
  if (!lastRun) return false;
  const at = Date.parse(lastRun.endsWith("Z") ? lastRun : `${lastRun}Z`);
  return Number.isFinite(at) && new Date(at).getUTCFullYear() > 1;
}

export function computeCycleSetup(facts: CycleFacts): CycleSetup {
  const ids = { cycleId: facts.cycleId, accountId: facts.accountId };
  const connectors = facts.connectors.map((c) => ({ accountConnectorId: c.accountConnectorId, name: c.name, ready: c.ready }));
  const mine = facts.values.filter((v) => v.visible);
  const values = mine.map((v): CycleSetupValue => ({
    stepId: v.stepId,
    ...(v.stepName !== undefined && { step: v.stepName }),
    kind: v.kind,
    id: v.id,
    name: v.name,
    // Its description comes with the next step that asks for it, not in the list.
    ...(v.lookup && { lookup: true }),
    ...(v.allowedValues?.length && { allowedValues: v.allowedValues }),
  }));
  const partner = [
    ...facts.values.filter((v) => !v.visible).map((v) => `${describeValue(v)} has no value, and the template does not leave it to the person (not user configurable)`),
    ...facts.blockers.map((b) => `${b.stepName ? `step "${b.stepName}": ` : ""}${b.words}`),
  ];
  const base = { connectors, values, ...(partner.length && { partner }), ...(facts.webhooks.length && { webhooks: facts.webhooks }) };
  const partnerNote = partner.length
    ? ` Only the partner can fix the rest, in the template (Cyclr console, the step's setup): ${partner.join("; ")}. Tell the person it waits on the partner.`
    : "";

  const waiting = facts.connectors.filter((c) => !c.ready);
  if (waiting.length) {
    // A connector with a tool to call first; one that only the console can finish is named instead.
    const actionable = waiting.find((c) => c.setup?.nextStep.tool) ?? waiting[0]!;
    const others = waiting.filter((c) => c !== actionable).map((c) => c.name);
    const then = others.length ? ` Then ${others.join(", ")}.` : "";
    const nextStep: NextStep = actionable.setup
      ? { ...actionable.setup.nextStep, instruction: `${actionable.name} first: ${actionable.setup.nextStep.instruction}${then}` }
      : { tool: "get_account_connector", arguments: { accountConnectorId: actionable.accountConnectorId, accountId: facts.accountId }, instruction: `${actionable.name} is not signed in: check it with get_account_connector.${then}` };
    return { state: "needs_connectors", ...base, nextStep };
  }

  const first = mine[0];
  if (first) {
    const target = { stepId: first.stepId, [first.kind]: first.id };
    const rest = mine.length > 1 ? ` ${mine.length - 1} more after it: ${mine.slice(1).map(describeValue).join("; ")}.` : "";
    const nextStep: NextStep = first.lookup
      ? {
          tool: "set_step_value",
          arguments: { ...ids, ...target },
          instruction: `${describeValue(first)} needs a value chosen from the person's ${first.connectorName ?? "connector"} account: set_step_value without a value lists the choices (or asks the person in a form).${rest}${partnerNote}`,
        }
      : {
          tool: "set_step_value",
          arguments: { ...ids, ...target, value: first.allowedValues?.length ? `<one of: ${first.allowedValues.join(" | ")}>` : `<${first.name}>` },
          instruction: `Ask the person for ${describeValue(first)}${first.description ? ` (${first.description.replace(/\.+$/, "")})` : ""}, then set it with set_step_value.${rest}${partnerNote}`,
        };
    return { state: "needs_values", ...base, nextStep };
  }

  if (partner.length || facts.hasPrerequisites) {
    const unexplained = partner.length ? "" : " Cyclr still reports prerequisites this server cannot explain: check the cycle in the Cyclr console.";
    return { state: "needs_values", ...base, nextStep: { arguments: {}, instruction: `Nothing is left for the person to set.${partnerNote}${unexplained}` } };
  }

  const hook = facts.webhooks[0];
  const webhookNote = hook
    ? ` It starts from a webhook: the application that sends the data must call ${hook.url ?? `the webhook URL of step "${hook.stepName ?? hook.stepId}" (the Cyclr console shows it in that step's setup)`}; ` +
      "the person pastes it in that application's webhook (or notification) settings."
    : "";
  if (isActive(facts.status)) {
    return { state: "active", ...base, nextStep: { arguments: {}, instruction: `The integration is running.${webhookNote} To stop it: pause_cycle.` } };
  }
  const paused = hasRun(facts.lastRun);
  const schedule: Record<string, number> = hook ? {} : { interval: DEFAULT_INTERVAL };
  return {
    state: paused ? "paused" : "ready_to_activate",
    ...base,
    nextStep: {
      tool: "activate_cycle",
      arguments: { ...ids, ...schedule, confirm: "<true once the person agrees>" },
      instruction:
        `${paused ? "It is paused, and has everything it needs to run again." : "Everything is set."} ` +
        (hook ? "" : `Ask the person how often it should run (every ${DEFAULT_INTERVAL} minutes unless they say otherwise; allowed: ${CYCLE_INTERVALS.join(", ")} minutes). `) +
        `Activating starts moving their data, so they confirm first.${webhookNote}`,
    },
  };
}

function describeValue(value: CycleValueFacts): string {
  const where = value.stepName ? `step "${value.stepName}"${value.connectorName ? ` (${value.connectorName})` : ""}` : `step ${value.stepId}`;
  return `${where}: ${value.kind} "${value.name}"`;
}

/** The cycle-level prerequisites, sorted into what the facts need: connectors not ready, steps to look into, blockers. */
export function sortPrerequisites(prerequisites: readonly Prerequisite[]): {
  unauthenticated: Set<number>;
  /** Steps whose own prerequisites say which values are missing (reason 30; any other Action-level value reason). */
  stepsToRead: Set<string>;
  blockers: CycleBlocker[];
} {
  const unauthenticated = new Set<number>();
  const stepsToRead = new Set<string>();
  const blockers: CycleBlocker[] = [];
  for (const p of prerequisites) {
    const objectType = (p.ObjectType ?? "").toLowerCase();
    if (p.ReasonCode === 20 && p.ObjectId !== undefined && /^\d+$/.test(p.ObjectId)) {
      unauthenticated.add(Number(p.ObjectId));
    } else if ((p.ReasonCode === 30 || p.ReasonCode === 40 || p.ReasonCode === 41) && p.ObjectId !== undefined && objectType === "action") {
      stepsToRead.add(p.ObjectId);
    } else {
      blockers.push({ reasonCode: p.ReasonCode, words: reasonWords(p.ReasonCode, p.Reason), ...(p.ObjectId !== undefined && objectType !== "accountconnector" && { stepId: p.ObjectId }) });
    }
  }
  return { unauthenticated, stepsToRead, blockers };
}

/** One-line summary for a tool's text. */
export function cycleSummary(setup: CycleSetup): string {
  const next = setup.nextStep.tool ? `Next: ${setup.nextStep.tool}. ${setup.nextStep.instruction}` : setup.nextStep.instruction;
  return `Setup: ${setup.state}. ${next}`;
}
