/**
 * A cycle's activity (its incidents), or the account's across its cycles, one page at a time with
 * bounded memory: with no filter a page of the tool is a page of Cyclr's; with a filter (a time, a
 * level, or the account's errors and warnings merged) Cyclr's pages are read newest first and
 * filtered as they come, at most MAX_SCAN_PAGES of them, holding one of Cyclr's pages and the
 * tool's page at a time. Also the wait for a cycle's next run, after a fix.
 */
import type { CallOptions, IncidentPage, Listed } from "../../cyclr/client.js";
import type { Incident } from "../../cyclr/schemas.js";
import { runTime } from "../../setup/cycle-health.js";
import type { ToolContext, ServerDeps } from "../tool.js";
import { pollDelay } from "./authentication-wait.js";
import { waitRun } from "./wait-rounds.js";
import { incidentEntry, type IncidentEntry } from "./cycle-health.js";

/** Cyclr's pages read at most for one filtered page of the tool (100 incidents each). */
export const MAX_SCAN_PAGES = 20;
const SCAN_PAGE_SIZE = 100;

export type ActivityLevel = "error" | "warning" | "any";

export interface ActivityQuery {
  cycleId?: string;
  /** Only incidents at or after this time (ms); Cyclr is sent its day as `after`. */
  since?: number;
  level: ActivityLevel;
  page: number;
  pageSize: number;
  full: boolean;
}

export interface ActivityPage {
  incidents: IncidentEntry[];
  hasMore: boolean;
  /** The scan stopped at MAX_SCAN_PAGES: older incidents were not looked through. */
  capped: boolean;
  /** Incidents without a time Cyclr gave: `since` could only be applied by Cyclr. */
  undated: number;
}

type FetchPage = (page: IncidentPage) => Promise<Listed<Incident>>;

/** Cyclr's incidents of one list, newest first, a page held at a time. */
class IncidentStream {
  private buffer: Incident[] = [];
  private page = 0;
  private done = false;
  private previousFirst: string | undefined;
  private longest = 0;
  private lastAt = Number.POSITIVE_INFINITY;
  /** Times came newest first so far: an incident older than `since` ends the stream. */
  ordered = true;
  pagesRead = 0;
  capped = false;

  constructor(
    private readonly fetch: FetchPage,
    private readonly after: string | undefined,
  ) {}

  async peek(): Promise<Incident | undefined> {
    while (this.buffer.length === 0 && !this.done) {
      if (this.page >= MAX_SCAN_PAGES) {
        this.done = true;
        this.capped = true;
        break;
      }
      this.page += 1;
      const listed = await this.fetch({ page: this.page, pageSize: SCAN_PAGE_SIZE, newestFirst: true, ...(this.after !== undefined && { after: this.after }) });
      this.pagesRead += 1;
      const first = listed.items[0] ? key(listed.items[0]) : undefined;
      if (listed.items.length === 0 || (this.page > 1 && first === this.previousFirst)) {
        this.done = true;
        break;
      }
      this.previousFirst = first;
      // A page shorter than one before is the last; a short first page may be Cyclr's cap on pageSize, so the next page settles it.
      const size = listed.items.length + listed.leftOut.length;
      if (this.page > 1 && size < this.longest) this.done = true;
      this.longest = Math.max(this.longest, size);
      this.buffer = listed.items;
    }
    const head = this.buffer[0];
    if (head?.At !== undefined) {
      const at = Date.parse(head.At);
      if (at > this.lastAt) this.ordered = false;
    }
    return head;
  }

  async next(): Promise<Incident | undefined> {
    const head = await this.peek();
    if (head) {
      this.buffer.shift();
      if (head.At !== undefined) this.lastAt = Math.min(this.lastAt, Date.parse(head.At));
    }
    return head;
  }

  stop(): void {
    this.done = true;
    this.buffer = [];
  }
}

function key(incident: Incident): string {
  return `${incident.Id ?? ""}|${incident.TransactionId ?? ""}|${incident.StepId ?? ""}|${incident.At ?? ""}`;
}

const timeOf = (incident: Incident) => (incident.At !== undefined ? Date.parse(incident.At) : Number.NEGATIVE_INFINITY);

/** The tool's page of a cycle's or the account's incidents. */
export async function readActivity(deps: Pick<ServerDeps, "cyclr">, accountId: string, query: ActivityQuery, options: CallOptions): Promise<ActivityPage> {
  const after = query.since !== undefined ? new Date(query.since).toISOString().slice(0, 10) : undefined;
  const entry = (incident: Incident) => incidentEntry(incident, { full: query.full, withCycle: query.cycleId === undefined });

  // No filter on a cycle: a page of the tool is a page of Cyclr's.
  if (query.cycleId !== undefined && query.since === undefined && query.level === "any") {
    const listed = await deps.cyclr.listCycleIncidentsPage(accountId, query.cycleId, { page: query.page, pageSize: query.pageSize, newestFirst: true }, options);
    return {
      incidents: listed.items.map(entry),
      hasMore: listed.items.length + listed.leftOut.length >= query.pageSize,
      capped: false,
      undated: listed.items.filter((i) => i.At === undefined).length,
    };
  }

  const cycleId = query.cycleId;
  const streams =
    cycleId !== undefined
      ? [new IncidentStream((page) => deps.cyclr.listCycleIncidentsPage(accountId, cycleId, page, options), after)]
      : (query.level === "any" ? (["error", "warning"] as const) : [query.level]).map((level) => new IncidentStream((page) => deps.cyclr.listAccountIncidentsPage(accountId, level, page, options), after));
  const wanted = (incident: Incident) => query.level === "any" || (incident.IncidentLevel ?? "").toLowerCase() === query.level;

  const skip = (query.page - 1) * query.pageSize;
  let matched = 0;
  let undated = 0;
  const incidents: IncidentEntry[] = [];
  let hasMore = false;
  for (;;) {
    // The newest head of the streams (two when the account's errors and warnings are merged).
    let pick: IncidentStream | undefined;
    let head: Incident | undefined;
    for (const stream of streams) {
      const candidate = await stream.peek();
      if (candidate && (!head || timeOf(candidate) > timeOf(head))) {
        head = candidate;
        pick = stream;
      }
    }
    if (!pick || !head) break;
    await pick.next();
    if (query.since !== undefined && head.At !== undefined && Date.parse(head.At) < query.since) {
      // Newest first: everything after it in this stream is older still (unless Cyclr's order was not by time).
      if (pick.ordered) pick.stop();
      continue;
    }
    if (!wanted(head)) continue;
    if (head.At === undefined) undated += 1;
    matched += 1;
    if (matched <= skip) continue;
    if (incidents.length === query.pageSize) {
      hasMore = true;
      break;
    }
    incidents.push(entry(head));
  }
  return { incidents, hasMore, capped: streams.some((s) => s.capped), undated };
}

export type RunOutcome = "ran" | "failed" | "timed_out" | "not_running";

/**
 * Waits for the cycle's next run after a fix: until Cyclr's last successful run moves on ("ran"),
 * a new error incident appears ("failed"), or the time is up. Compares with what it saw at the
 * start, not with clocks; on 2026-07-28 the wait goes on in rounds of the call (wait-rounds.ts),
 * and what it saw at the start travels with them (incident ids and a time: no customer data).
 * A shutdown or a cancellation ends it early.
 */
export async function waitForNextRun(
  deps: Pick<ServerDeps, "cyclr">,
  accountId: string,
  cycleId: string,
  seconds: number,
  context: Pick<ToolContext, "signal" | "stopping" | "progress" | "rounds">,
): Promise<{ outcome: RunOutcome; seconds: number }> {
  const started = performance.now();
  const signal = AbortSignal.any([context.signal, context.stopping]);
  const options = { signal };
  const look = async () => {
    const [cycle, newest] = await Promise.all([
      deps.cyclr.getCycle(accountId, cycleId, options),
      deps.cyclr.listCycleIncidentsPage(accountId, cycleId, { page: 1, pageSize: 5, newestFirst: true }, options),
    ]);
    return { cycle, errors: newest.items.filter((i) => (i.IncidentLevel ?? "Error").toLowerCase() === "error") };
  };
  const run = waitRun(context, seconds * 1000);
  const waited = () => Math.round((run.waitedBeforeMs + performance.now() - started) / 100) / 10;
  const first = await look();
  if (!/^active$/i.test(first.cycle.Status ?? "")) return { outcome: "not_running", seconds: 0 };
  const carried = context.rounds.carried("runBaseline");
  const baseline = isBaseline(carried) ? carried : { lastRun: first.cycle.LastSuccessfulRunDate ?? null, known: first.errors.map(key) };
  context.rounds.carry("runBaseline", baseline);
  const known = new Set(baseline.known);
  const check = (now: Awaited<ReturnType<typeof look>>): RunOutcome | undefined => {
    const ran = now.cycle.LastSuccessfulRunDate !== undefined && now.cycle.LastSuccessfulRunDate !== baseline.lastRun;
    const failed = now.errors.find((i) => !known.has(key(i)));
    if (ran && (!failed || timeOf(failed) <= (runTime(now.cycle.LastSuccessfulRunDate) ?? 0))) return "ran";
    if (failed) return "failed";
    return /^active$/i.test(now.cycle.Status ?? "") ? undefined : "not_running";
  };
  // A later round may find the run already made.
  const already = check(first);
  if (already) return { outcome: already, seconds: waited() };
  for (let attempt = 0; ; attempt++) {
    const delay = Math.min(pollDelay(attempt), run.timeoutMs - (performance.now() - started));
    if (delay <= 0) break;
    try {
      await sleep(delay, signal);
    } catch {
      return { outcome: "timed_out", seconds: waited() };
    }
    let now;
    try {
      now = await look();
    } catch (error) {
      if (signal.aborted) return { outcome: "timed_out", seconds: waited() };
      throw error;
    }
    const outcome = check(now);
    if (outcome) return { outcome, seconds: waited() };
    const done = Math.min(seconds, Math.round((run.waitedBeforeMs + performance.now() - started) / 1000));
    await context.progress(done, seconds, `Waiting for the integration's next run: ${done} s of ${seconds} s`);
  }
  // This round's share is over: the next round of the call goes on waiting (2026-07-28), else the wait is over.
  if (run.next) run.next();
  return { outcome: "timed_out", seconds: waited() };
}

function isBaseline(value: unknown): value is { lastRun: string | null; known: string[] } {
  if (typeof value !== "object" || value === null) return false;
  const { lastRun, known } = value as { lastRun?: unknown; known?: unknown };
  return (lastRun === null || typeof lastRun === "string") && Array.isArray(known) && known.every((k) => typeof k === "string");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}
