/**
 * Is an integration working? The health of a cycle from what Cyclr says of it (its status, its last
 * successful run, its connectors) and its recent error incidents; what an incident asks of a person
 * (reconnect the step's connector, set a missing value, hand it to the partner, or nothing: Cyclr
 * retries by itself); which cycles need a person, most urgent first; and one line for the account.
 * Pure: the tools read Cyclr, this decides.
 */
import { isActive } from "./cycle-setup.js";
import type { NextStep } from "./setup-state.js";

/** How far back "recent" errors go, in days: the attention list's window. */
export const RECENT_DAYS = 7;

export type IncidentAction = "reconnect" | "set_value" | "partner" | "wait";

/** Cyclr writes "never" as 0001-01-01T00:00:00, and UTC times without a zone. */
export function runTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const at = Date.parse(/^\d{4}-\d\d-\d\dT[\d:.]+$/.test(value) ? `${value}Z` : value);
  return Number.isFinite(at) && new Date(at).getUTCFullYear() > 1 ? at : undefined;
}

const SIGNED_OUT =
  /\b401\b|unauthori[sz]ed|invalid[_ ]grant|invalid[_ ]session|session (?:has )?expired|(?:access |refresh |oauth )?token (?:has |is )?(?:expired|revoked|invalid)|expired (?:access )?token|invalid[_ ](?:access[_ ])?token|not authenticated|authentication (?:failed|required)|re-?authenticate|credentials? (?:are |is )?(?:invalid|expired|revoked)|revoked/i;
const RATE_LIMITED = /\b429\b|too many requests|rate limit/i;
const VALUE_MISSING = /\b(?:is|are) (?:required|missing|mandatory)\b|required (?:field|value|parameter)|missing (?:required )?(?:field|value|parameter|mapping)|cannot be (?:null|empty|blank)|must not be (?:null|empty|blank)|no value (?:was )?(?:given|set|mapped)/i;

/**
 * What an incident asks of a person, from its messages (Cyclr's ShortMessage is often generic,
 * "Failed to call the method": the third party's answer in FullMessage says why). Only the start of
 * a long message is read.
 */
export function incidentAction(shortMessage: string | undefined, fullMessage: string | undefined): IncidentAction {
  const words = `${shortMessage ?? ""}\n${(fullMessage ?? "").slice(0, 4000)}`;
  if (SIGNED_OUT.test(words)) return "reconnect";
  if (RATE_LIMITED.test(words)) return "wait";
  if (VALUE_MISSING.test(words)) return "set_value";
  return "partner";
}

/** The action in a few words, with the step's connector when known. */
export function actionWords(action: IncidentAction, connector?: string): string {
  switch (action) {
    case "reconnect":
      return `reconnect ${connector ?? "the step's connector"}: its sign-in was refused`;
    case "set_value":
      return "a value the step needs is missing: set it, or hand it to the partner if it is the template's";
    case "wait":
      return "the application limited the rate of calls: Cyclr waits and retries by itself";
    case "partner":
      return "hand it to the partner (the template's builder), with the step and the transaction id";
  }
}

/**
 * What a failed transaction leaves to do. Cyclr's API has no call that retries one (its tests and
 * docs show reads of transactions only), so this is said instead of offered.
 */
export function retryNote(stepErrorAction: string | undefined): string {
  const automatic = /retry/i.test(stepErrorAction ?? "");
  return (
    "Cyclr's API has no call to retry a failed transaction. " +
    (automatic
      ? "This integration's On Step Error setting is Retry After a Wait: Cyclr retries a failed call by itself (up to 5 times, after 5 minutes, then 35 minutes, 1 h 35 and longer). "
      : "Once the cause is fixed, the next run picks up new data; ") +
    "if the data of a transaction that failed must still go through, give its transaction id to the partner, who can look into it in the Cyclr console (the cycle's reports)."
  );
}

/** A connector of a cycle as the health needs it. */
export interface HealthConnector {
  accountConnectorId?: number;
  name: string;
  /** Cyclr says it is authenticated; undefined when nothing said. */
  signedIn?: boolean;
}

/** A recent error incident, reduced to what the health says of it. */
export interface RecentError {
  at?: string;
  step?: string;
  message?: string;
  action: IncidentAction;
}

export interface CycleHealthFacts {
  accountId: string;
  cycleId: string;
  name?: string;
  status?: string;
  /** LastSuccessfulRunDate as Cyclr gives it. */
  lastRun?: string;
  connectors: HealthConnector[];
  /** Error incidents in the recent window (RECENT_DAYS); undefined when they could not be read. */
  recentErrors?: number;
  /** The count stopped at the reading's bound: there are at least this many. */
  recentErrorsCapped?: boolean;
  latestError?: RecentError;
  /** Only when its prerequisites were read: some remain (a value, a connector, the partner's). */
  prerequisitesMissing?: boolean;
}

export type CycleHealthState = "failing" | "not_signed_in" | "stopped" | "some_errors" | "not_set_up" | "healthy" | "paused";

export interface CycleHealth {
  state: CycleHealthState;
  /** Needs a person: errors in the last days, a connector not signed in, or paused with prerequisites missing. */
  attention: boolean;
  /** Why, in a few words, when it needs attention. */
  why?: string;
  /** Lower is more urgent. */
  urgency: number;
  nextStep: NextStep;
}

function errorsWords(facts: CycleHealthFacts): string {
  const n = facts.recentErrors ?? 0;
  const count = `${facts.recentErrorsCapped ? "at least " : ""}${n} error${n === 1 ? "" : "s"} in the last ${RECENT_DAYS} days`;
  const latest = facts.latestError;
  const where = latest?.step ? ` at step "${latest.step}"` : "";
  const said = latest?.message ? `, last: "${latest.message.length > 80 ? `${latest.message.slice(0, 79)}…` : latest.message}"` : "";
  return `${count}${where}${said}`;
}

export function cycleHealth(facts: CycleHealthFacts): CycleHealth {
  const ids = { cycleId: facts.cycleId, accountId: facts.accountId };
  const activity: NextStep = {
    tool: "get_cycle_activity",
    arguments: { ...ids, level: "error" },
    instruction: "See what failed, where and why, and what to do about it.",
  };
  const toCycle = (instruction: string): NextStep => ({ tool: "get_cycle", arguments: ids, instruction });
  const signedOut = facts.connectors.filter((c) => c.signedIn === false).map((c) => c.name);
  const errors = facts.recentErrors ?? 0;
  const lastRun = runTime(facts.lastRun);
  const latestAt = runTime(facts.latestError?.at);
  // Failing now: errors, and no successful run since the latest of them (or no time to tell).
  const failingNow = errors > 0 && (lastRun === undefined || latestAt === undefined || latestAt >= lastRun);

  if (isActive(facts.status)) {
    if (signedOut.length) {
      return {
        state: "not_signed_in",
        attention: true,
        why: `${signedOut.join(" and ")} ${signedOut.length === 1 ? "is" : "are"} not signed in, so its steps fail`,
        urgency: 0,
        nextStep: toCycle(`${signedOut.join(" and ")} must be signed in again: get_cycle leads into the sign-in.`),
      };
    }
    if (failingNow) return { state: "failing", attention: true, why: `failing: ${errorsWords(facts)}`, urgency: 1, nextStep: activity };
    if (errors > 0) {
      return { state: "some_errors", attention: true, why: `runs, but some failed: ${errorsWords(facts)}`, urgency: 2, nextStep: activity };
    }
    return { state: "healthy", attention: false, urgency: 9, nextStep: { arguments: {}, instruction: "It runs, with no error in the last days." } };
  }

  const paused = `${facts.status ?? "not running"}`.toLowerCase();
  if (lastRun !== undefined && errors > 0) {
    return {
      state: "stopped",
      attention: true,
      why: `${paused} after errors (Cyclr stops an integration on error when its On Step Error setting says so): ${errorsWords(facts)}`,
      urgency: 1,
      nextStep: activity,
    };
  }
  if (signedOut.length) {
    return {
      state: "not_set_up",
      attention: true,
      why: `${paused}: ${signedOut.join(" and ")} ${signedOut.length === 1 ? "is" : "are"} not signed in`,
      urgency: 3,
      nextStep: toCycle("get_cycle leads through what it still needs, connectors first."),
    };
  }
  if (facts.prerequisitesMissing) {
    return { state: "not_set_up", attention: true, why: `${paused}: it still needs values before it can run`, urgency: 3, nextStep: toCycle("get_cycle lists what it still needs.") };
  }
  return {
    state: "paused",
    attention: false,
    urgency: 9,
    nextStep: toCycle(`It is ${paused}${lastRun === undefined ? " and has never run" : ""}: get_cycle says whether it can start (activate_cycle, once the person agrees).`),
  };
}

/** The cycles that need a person, most urgent first (then by name, so the order is stable). */
export function needingAttention<T extends { name?: string; cycleId: string; health: CycleHealth }>(cycles: readonly T[]): T[] {
  return cycles
    .filter((c) => c.health.attention)
    .sort((a, b) => a.health.urgency - b.health.urgency || (a.name ?? "").localeCompare(b.name ?? "") || a.cycleId.localeCompare(b.cycleId));
}

/** "2 of 5 integrations need attention: Salesforce contacts to Mailchimp (failing: …); …". */
export function cyclesSummary(total: number, needing: readonly { name?: string; cycleId: string; health: CycleHealth }[], errorsUnknown = false): string {
  const caveat = errorsUnknown ? " (recent errors could not be read: only their status and connectors were checked)" : "";
  if (total === 0) return "This account has no integrations (cycles).";
  if (needing.length === 0) return `All ${total} integration${total === 1 ? " looks" : "s look"} fine${caveat}.`;
  const shown = needing.slice(0, 5).map((c) => `${c.name ?? c.cycleId} (${c.health.why ?? c.health.state})`);
  const more = needing.length > 5 ? `; and ${needing.length - 5} more` : "";
  return `${needing.length} of ${total} integration${total === 1 ? "" : "s"} need${needing.length === 1 ? "s" : ""} attention: ${shown.join("; ")}${more}${caveat}.`;
}
