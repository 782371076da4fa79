/**
 * What the setup card shows of an integration (a cycle), decided from a tool result alone: pure, no
 * DOM, unit-tested in Node (test/unit/card-views.test.ts). Its checklist (each connector, then the
 * values the template leaves to the person, then running) and its health (status, last run, recent
 * problems and what to do). Results are read defensively, as the connector card's are: a card may be
 * handed any tool's result, from a server of another version. An incident's message is shown as
 * text, never as markup (the card sets textContent), and the server has redacted it already.
 */
import type { StepStatus } from "./setup-view.js";

/** One line of the checklist: a connector (by its account connector id), the values, or running. */
export interface CycleStep {
  key: string;
  label: string;
  status: StepStatus;
}

export type CycleStateName = "needs_connectors" | "needs_values" | "ready_to_activate" | "active" | "paused";
const CYCLE_STATES: readonly CycleStateName[] = ["needs_connectors", "needs_values", "ready_to_activate", "active", "paused"];

export interface CardCycleSetup {
  state: CycleStateName;
  connectors: { accountConnectorId: number; name: string; ready: boolean }[];
  values: { name: string; step?: string }[];
  partner: string[];
  nextStep: { tool?: string; arguments: Record<string, unknown>; instruction: string };
}

export interface CardIncident {
  at?: string;
  level: string;
  step?: string;
  message?: string;
  action: string;
}

export interface CardCycleHealth {
  state: string;
  why?: string;
  recent: CardIncident[];
}

/** One integration as the card knows it. */
export interface CardCycle {
  accountId: string;
  cycleId: string;
  name?: string;
  status?: string;
  /** Cyclr's last successful run, when it ran. */
  lastRun?: string;
  setup?: CardCycleSetup;
  health?: CardCycleHealth;
  accountName?: string;
  /** Values were asked for once: their step stays, ticked, when none is left. */
  hadValues?: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const optionalString = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

function readCycleSetup(value: unknown): CardCycleSetup | undefined {
  if (!isRecord(value) || !CYCLE_STATES.includes(value.state as CycleStateName)) return undefined;
  const next = isRecord(value.nextStep) ? value.nextStep : {};
  const tool = optionalString(next.tool);
  return {
    state: value.state as CycleStateName,
    connectors: (Array.isArray(value.connectors) ? value.connectors : []).flatMap((c) =>
      isRecord(c) && typeof c.accountConnectorId === "number" && typeof c.name === "string" ? [{ accountConnectorId: c.accountConnectorId, name: c.name, ready: c.ready === true }] : [],
    ),
    values: (Array.isArray(value.values) ? value.values : []).flatMap((v) => {
      if (!isRecord(v) || typeof v.name !== "string") return [];
      const step = optionalString(v.step);
      return [{ name: v.name, ...(step && { step }) }];
    }),
    partner: (Array.isArray(value.partner) ? value.partner : []).filter((p): p is string => typeof p === "string"),
    nextStep: { ...(tool && { tool }), arguments: isRecord(next.arguments) ? next.arguments : {}, instruction: optionalString(next.instruction) ?? "" },
  };
}

function readIncident(value: unknown): CardIncident | undefined {
  if (!isRecord(value)) return undefined;
  const at = optionalString(value.at);
  const step = optionalString(value.step);
  const message = optionalString(value.message);
  return { ...(at && { at }), level: optionalString(value.level) ?? "Error", ...(step && { step }), ...(message && { message }), action: optionalString(value.action) ?? "partner" };
}

/**
 * A cycle from get_cycle, install_template, set_step_value, activate_cycle, pause_cycle,
 * get_cycle_activity (with its cycle) or refresh_cycle_card; undefined for anything else.
 */
export function readCycle(value: unknown): CardCycle | undefined {
  if (!isRecord(value) || typeof value.accountId !== "string" || typeof value.cycleId !== "string" || typeof value.accountConnectorId === "number") return undefined;
  const setup = readCycleSetup(value.setup);
  const incidents = Array.isArray(value.incidents) ? value.incidents.map(readIncident).filter((i): i is CardIncident => i !== undefined) : undefined;
  const healthValue = isRecord(value.health) ? value.health : undefined;
  const healthState = optionalString(healthValue?.state) ?? optionalString(value.health);
  if (!setup && !incidents && !healthState) return undefined;
  const found: CardCycle = { accountId: value.accountId, cycleId: value.cycleId };
  const name = optionalString(value.name);
  const status = optionalString(value.status);
  const lastRun = optionalString(value.lastRun) ?? optionalString(healthValue?.lastRun);
  const accountName = optionalString(value.accountName)?.trim();
  if (name) found.name = name;
  if (status) found.status = status;
  if (lastRun) found.lastRun = lastRun;
  if (accountName) found.accountName = accountName;
  if (setup) {
    found.setup = setup;
    // Values asked for, or one just set (set_step_value's result): their step applies to this cycle.
    if (setup.values.length || (value.outcome === "set" && isRecord(value.target))) found.hadValues = true;
  }
  if (healthState) {
    const why = optionalString(healthValue?.why) ?? optionalString(value.why);
    const recent = Array.isArray(healthValue?.recent) ? healthValue.recent.map(readIncident).filter((i): i is CardIncident => i !== undefined) : (incidents ?? []);
    found.health = { state: healthState, ...(why && { why }), recent: recent.slice(0, 3) };
  }
  return found;
}

/** A later view of the same cycle keeps what the earlier one knew (setup, health, name, account name) when the later result leaves it out. */
export function mergeCycles(earlier: CardCycle | undefined, later: CardCycle): CardCycle {
  if (!earlier || earlier.cycleId !== later.cycleId || earlier.accountId !== later.accountId) return later;
  const merged: CardCycle = { ...earlier, ...later };
  if (earlier.hadValues || later.hadValues) merged.hadValues = true;
  return merged;
}

export interface CardCycleRow {
  accountId: string;
  cycleId: string;
  name: string;
  status?: string;
  health?: string;
  why?: string;
}

/** The integrations of a list_cycles result. */
export function readCycleList(value: unknown): { rows: CardCycleRow[]; summary?: string } | undefined {
  if (!isRecord(value) || typeof value.accountId !== "string" || !Array.isArray(value.cycles)) return undefined;
  const accountId = value.accountId;
  const rows = value.cycles.flatMap((c): CardCycleRow[] => {
    if (!isRecord(c) || typeof c.cycleId !== "string") return [];
    const status = optionalString(c.status);
    const health = optionalString(c.health);
    const why = optionalString(c.why);
    return [{ accountId, cycleId: c.cycleId, name: optionalString(c.name) ?? c.cycleId, ...(status && { status }), ...(health && { health }), ...(why && { why }) }];
  });
  const summary = optionalString(value.summary);
  return { rows, ...(summary && { summary }) };
}

/** The account's incidents of a get_cycle_activity result without a cycle. */
export function readAccountActivity(value: unknown): { accountId: string; incidents: (CardIncident & { cycle?: string })[] } | undefined {
  if (!isRecord(value) || typeof value.accountId !== "string" || value.cycleId !== undefined || !Array.isArray(value.incidents)) return undefined;
  return {
    accountId: value.accountId,
    incidents: value.incidents.flatMap((i) => {
      const incident = readIncident(i);
      const cycle = isRecord(i) ? optionalString(i.cycle) : undefined;
      return incident ? [{ ...incident, ...(cycle && { cycle }) }] : [];
    }),
  };
}

/** The card's one button for a cycle: a page in the person's browser for one of its connectors, or none. */
export type CyclePrimary =
  | { kind: "oauth_link" | "credential_link"; label: string; tool: "create_oauth_link" | "create_credential_link"; args: Record<string, unknown> }
  | { kind: "wait" }
  | { kind: "none" };

export interface CycleCardView {
  title: string;
  subtitle?: string;
  steps: CycleStep[];
  primary: CyclePrimary;
  status: string;
  /** Running, paused, ...: the words and whether it is good news. */
  health?: { line: string; tone: "ok" | "bad" | "muted"; problems: { text: string; detail: string }[] };
}

/** "2026-03-02 09:15 UTC": the same for every person, whatever their browser's language. */
export function timeWords(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return undefined;
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

const ACTION_WORDS: Record<string, string> = {
  reconnect: "Its connector needs signing in again",
  set_value: "A value it needs is missing",
  wait: "Cyclr retries by itself",
  partner: "For the partner to look into",
};

function stepsOf(c: CardCycle, setup: CardCycleSetup): CycleStep[] {
  const firstWaiting = setup.connectors.find((k) => !k.ready);
  const steps: CycleStep[] = setup.connectors.map((k) => ({
    key: `connector-${k.accountConnectorId}`,
    label: k.name,
    status: (k.ready ? "done" : k === firstWaiting && setup.state === "needs_connectors" ? "current" : "todo") satisfies StepStatus,
  }));
  if (setup.values.length || c.hadValues || setup.state === "needs_values") {
    const status: StepStatus = setup.state === "needs_values" ? "current" : setup.state === "needs_connectors" ? "todo" : "done";
    steps.push({ key: "values", label: "Values", status });
  }
  const running: StepStatus = setup.state === "active" ? "done" : setup.state === "ready_to_activate" || setup.state === "paused" ? "current" : "todo";
  steps.push({ key: "running", label: "Running", status: running });
  return steps;
}

function statusWords(c: CardCycle, setup: CardCycleSetup): string {
  const waiting = setup.connectors.find((k) => !k.ready);
  const partner = setup.partner.length ? ` Waiting on the partner for: ${setup.partner.join("; ")}.` : "";
  switch (setup.state) {
    case "needs_connectors":
      if (setup.nextStep.tool === "get_cycle") return `Waiting for you to finish with ${waiting?.name ?? "the connector"} in your browser. This card updates itself once you are done.`;
      return `${waiting?.name ?? "A connector"} needs connecting first.${partner}`;
    case "needs_values":
      return setup.values.length ? `The assistant asks you for ${setup.values.map((v) => v.name).join(", ")}.${partner}` : `Nothing is left for you to set.${partner}`;
    case "ready_to_activate":
      return "Everything is set: tell the assistant when it should start.";
    case "paused":
      return "Paused. It has everything it needs: tell the assistant when it should start again.";
    case "active":
      return c.health && ["failing", "not_signed_in", "stopped"].includes(c.health.state) ? "Running, but it fails: see below." : "Running.";
  }
}

function healthOf(c: CardCycle): CycleCardView["health"] {
  if (!c.health && !c.status && !c.lastRun) return undefined;
  const state = c.health?.state;
  const tone = state === "failing" || state === "not_signed_in" || state === "stopped" ? "bad" : state === "healthy" ? "ok" : "muted";
  const run = timeWords(c.lastRun);
  const line = `${c.status ?? "Status unknown"} · ${run ? `last successful run ${run}` : "never ran"}`;
  const problems = (c.health?.recent ?? []).map((i) => ({
    text: `${i.step ? `${i.step}: ` : ""}${i.message ?? "(no message)"}`,
    detail: [timeWords(i.at), ACTION_WORDS[i.action] ?? i.action].filter(Boolean).join(" · "),
  }));
  // The problems below say what failed; without them, the server's why says it.
  const verdict = state ? (problems.length || !c.health?.why ? STATE_WORDS[state] : `${c.health.why.charAt(0).toUpperCase()}${c.health.why.slice(1)}`) : undefined;
  return { line: verdict ? `${line} · ${verdict}` : line, tone, problems };
}

const STATE_WORDS: Record<string, string> = {
  failing: "it fails",
  not_signed_in: "a connector is not signed in",
  stopped: "stopped after errors",
  some_errors: "some runs failed",
  healthy: "runs fine",
  not_set_up: "not set up yet",
  paused: "paused",
};

export function cycleCardView(c: CardCycle): CycleCardView {
  const title = c.name ?? `Integration ${c.cycleId}`;
  const health = healthOf(c);
  const base = { title, ...(c.accountName && { subtitle: c.accountName }), ...(health && { health }) };
  const setup = c.setup;
  if (!setup) return { ...base, steps: [], primary: { kind: "none" }, status: c.health?.why ? "See its health below." : "" };
  const next = setup.nextStep;
  const connector = setup.connectors.find((k) => k.accountConnectorId === next.arguments.accountConnectorId)?.name ?? setup.connectors.find((k) => !k.ready)?.name ?? "the connector";
  let primary: CyclePrimary = { kind: "none" };
  if (next.tool === "create_oauth_link") primary = { kind: "oauth_link", label: `Sign in to ${connector}`, tool: "create_oauth_link", args: next.arguments };
  else if (next.tool === "create_credential_link") primary = { kind: "credential_link", label: `Enter ${connector}'s credentials`, tool: "create_credential_link", args: next.arguments };
  else if (next.tool === "get_cycle" && next.arguments.waitForActivation !== undefined) primary = { kind: "wait" };
  return { ...base, steps: stepsOf(c, setup), primary, status: statusWords(c, setup) };
}

/** Whether the card waits for the person at a page for one of the cycle's connectors. */
export function cycleWaits(c: CardCycle | undefined): boolean {
  return c?.setup?.nextStep.tool === "get_cycle" && c.setup.nextStep.arguments.waitForActivation !== undefined;
}

/** What the card tells the model when a connector of the cycle was signed in from the card: ids and states only. */
export function cycleContextLine(c: CardCycle): string {
  return `In the setup card, the person connected a connector of integration ${c.name ?? c.cycleId} (cycle ${c.cycleId}, account ${c.accountId}); its setup state is now ${c.setup?.state ?? "unknown"}.`;
}

export function cycleSupportDetails(c: CardCycle): { label: string; value: string }[] {
  return [
    { label: "Account ID", value: c.accountId },
    { label: "Cycle ID", value: c.cycleId },
    ...(c.setup ? [{ label: "Setup state", value: c.setup.state }] : []),
    ...(c.health ? [{ label: "Health", value: c.health.state }] : []),
  ];
}
