/**
 * The sandbox's cycles at work: an active cycle runs on its interval, in compressed time (a minute
 * of a cycle's schedule lasts `minuteMs`), each run a transaction; a step whose connector is not
 * signed in, or whose sign-in was revoked at the application (a sandbox switch: Cyclr still calls it
 * authenticated, as Acme's Salesforce), fails with an error incident until it is signed in again,
 * and then runs succeed (LastSuccessfulRunDate moves on). Incidents and transactions are served in
 * the shapes of ../shared/cyclr/cycles.md: GET /v1.0/cycles/{id}/incidents (and DELETE),
 * /v1.0/cycles/incidents/error|warning, /v1.0/cycles/transactions, /v1.0/cycles/{id}/transactions[/{id}].
 *
 * Runs are made lazily: each API request first catches up with the runs that fell due since the
 * last one (advance, called by api.ts), so the sandbox keeps no timer. What the notes leave unknown is marked "inferred".
 */
import { randomUUID } from "node:crypto";
import { isObject, json, message, paged, parseJson, type ApiOptions, type SandboxRequest, type SandboxResponse } from "./answers.js";
import type { CycleRecord, SandboxCycles, StepRecord } from "./cycles.js";
import type { AccountConnectorRecord } from "./records.js";

export interface IncidentRecord {
  Id: string;
  CycleId: string;
  CycleName: string;
  IncidentLevel: "Error" | "Warning";
  ShortMessage: string;
  FullMessage: string;
  StepId: string | null;
  StepName: string | null;
  TransactionId: string | null;
  /** Inferred name: Cyclr's tests assert no time field on an incident (the server reads several). */
  CreatedOnUtc: string;
}

export interface TransactionRecord {
  Id: string;
  CycleId: string;
  /** "Completed" is the status Cyclr's tests filter on; "Errored" is inferred. */
  Status: "Completed" | "Errored";
  StartedOnUtc: string;
  CompletedOnUtc: string;
  steps: { StepId: string; StepName: string; Status: "Completed" | "Errored"; Message: string | null }[];
}

/** What the runs need of the rest of the sandbox. */
export interface RunHost {
  cycles: SandboxCycles;
  accountConnector(accountId: string, id: number): AccountConnectorRecord | undefined;
  isAuthenticated(record: AccountConnectorRecord): boolean;
  connectorName(record: AccountConnectorRecord): string;
}

/** An incident a test adds (sandbox.addIncidents): what is left out is made up. */
export type IncidentSeed = Partial<Omit<IncidentRecord, "CycleId" | "CycleName">>;

/** Kept per cycle, oldest dropped first: a failing cycle in compressed time makes many. */
const MAX_INCIDENTS = 20_000;
const MAX_TRANSACTIONS = 500;
/** Runs made at once for one cycle when a long pause fell due; the rest are skipped, as Cyclr does not queue missed schedules (inferred). */
const MAX_CATCH_UP = 20;

/** A minute of a cycle's schedule lasts 0.2 s: a cycle that runs every 15 minutes runs every 3 seconds. */
export const DEFAULT_MINUTE_MS = 200;

const iso = (ms: number) => new Date(ms).toISOString();

export class CycleRuns {
  readonly incidents = new Map<string, IncidentRecord[]>();
  readonly transactions = new Map<string, TransactionRecord[]>();
  /** Account connectors whose sign-in was revoked at the application: the AuthValue then stored, failing until another is stored. */
  private readonly revoked = new Map<number, string | null>();
  /** When each active cycle runs next (ms since the epoch). */
  private readonly due = new Map<string, number>();
  /** Cycles whose next run was set in minutes of their schedule before the first advance (minuteMs may change until then). */
  private readonly soon = new Map<string, { from: number; minutes: number }>();

  constructor(
    private readonly host: RunHost,
    public minuteMs = DEFAULT_MINUTE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes every run that fell due since the last call. */
  advance(): void {
    const now = this.now();
    for (const cycle of this.host.cycles.cycles.values()) {
      if (cycle.Status !== "Active") {
        this.due.delete(cycle.Id);
        continue;
      }
      const webhook = cycle.steps[0]?.webhookId !== undefined;
      // A webhook trigger runs when called; a cycle with neither schedule nor RunOnce has nothing to run on.
      if (webhook || (cycle.Interval === null && !cycle.RunOnce)) continue;
      const every = (cycle.Interval ?? 1) * this.minuteMs;
      let next = this.due.get(cycle.Id);
      const soon = this.soon.get(cycle.Id);
      if (next === undefined && soon) {
        next = soon.from + soon.minutes * this.minuteMs;
        this.soon.delete(cycle.Id);
      }
      if (next === undefined) {
        // Inferred: the first run one interval after the start (a single run five minutes after), so that a cycle just activated has not run yet.
        const start = cycle.StartTime ? Math.max(Date.parse(cycle.StartTime), now) : now;
        next = start + (cycle.RunOnce ? 5 * this.minuteMs : every);
        this.due.set(cycle.Id, next);
      }
      let made = 0;
      while (next <= now && cycle.Status === "Active") {
        if (made++ < MAX_CATCH_UP) this.run(cycle, next);
        next += every;
        if (cycle.RunOnce) {
          cycle.Status = "Paused";
          break;
        }
      }
      if (made > MAX_CATCH_UP) next = now + every;
      if (cycle.Status === "Active") this.due.set(cycle.Id, next);
      else this.due.delete(cycle.Id);
    }
  }

  /** The cycle's next run, in minutes of its schedule from now: the seeded cycles' runs go on from where they were. */
  scheduleIn(cycle: CycleRecord, minutes: number): void {
    this.soon.set(cycle.Id, { from: this.now(), minutes });
  }

  /** One run: its steps in order, until one fails. */
  private run(cycle: CycleRecord, at: number): void {
    const transaction: TransactionRecord = { Id: randomUUID(), CycleId: cycle.Id, Status: "Completed", StartedOnUtc: iso(at), CompletedOnUtc: iso(at + 200), steps: [] };
    for (const step of cycle.steps) {
      const failure = this.failure(cycle, step);
      if (failure) {
        transaction.Status = "Errored";
        transaction.steps.push({ StepId: step.Id, StepName: step.Name, Status: "Errored", Message: failure.short });
        this.addIncident(cycle, { IncidentLevel: "Error", ShortMessage: failure.short, FullMessage: failure.full, StepId: step.Id, StepName: step.Name, TransactionId: transaction.Id, CreatedOnUtc: iso(at + 150) });
        break;
      }
      transaction.steps.push({ StepId: step.Id, StepName: step.Name, Status: "Completed", Message: null });
    }
    if (transaction.Status === "Completed") cycle.LastSuccessfulRunDate = iso(at + 200);
    this.keep(this.transactions, cycle.Id, transaction, MAX_TRANSACTIONS);
  }

  /** Why a step fails now, in Cyclr's words (the Transaction Error Webhook's Message list and its Detail: the third party's HTTP exchange). */
  private failure(cycle: CycleRecord, step: StepRecord): { short: string; full: string } | undefined {
    if (step.AccountConnectorId === null) return undefined;
    const record = this.host.accountConnector(cycle.AccountId, step.AccountConnectorId);
    if (!record) return { short: "Failed to call the method", full: `Account connector ${step.AccountConnectorId} was not found: it may have been removed from the account.` };
    const name = this.host.connectorName(record);
    const host = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "")}.example.com`;
    if (!this.host.isAuthenticated(record)) {
      return { short: "Failed to call the method", full: `Account connector '${record.Name}' is not authenticated. Authenticate it before the step can run.` };
    }
    const revokedAt = this.revoked.get(record.Id);
    if (revokedAt !== undefined && revokedAt === record.AuthValue) {
      // The application refuses the stored credential; the request Cyclr sent (with it) comes along, as Cyclr's error Detail shows.
      const token = accessTokenOf(record.AuthValue) ?? record.AuthValue ?? "";
      return {
        short: "Failed to call the method",
        full:
          `401 Unauthorized\r\n[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]\r\n\r\n\r\nHTTP Request:\r\n` +
          `GET https://${host}/api/${step.MethodName.replace(/[^A-Za-z]+/g, "/").toLowerCase()} HTTP/1.1\r\nAccept: application/json\r\nAuthorization: Bearer ${token}\r\nUser-Agent: Cyclr\r\nUser-Agent: (https://cyclr.com)`,
      };
    }
    this.revoked.delete(record.Id);
    return undefined;
  }

  /** The sandbox switch: the application revokes the connector's sign-in; Cyclr does not notice (it still calls it authenticated). */
  revoke(record: AccountConnectorRecord): void {
    this.revoked.set(record.Id, record.AuthValue);
  }

  addIncident(cycle: CycleRecord, seed: IncidentSeed): IncidentRecord {
    const step = seed.StepId ? cycle.steps.find((s) => s.Id === seed.StepId) : undefined;
    const incident: IncidentRecord = {
      Id: seed.Id ?? randomUUID(),
      CycleId: cycle.Id,
      CycleName: cycle.Name,
      IncidentLevel: seed.IncidentLevel ?? "Error",
      ShortMessage: seed.ShortMessage ?? "Failed to call the method",
      FullMessage: seed.FullMessage ?? "500 Internal Server Error",
      StepId: seed.StepId ?? null,
      StepName: seed.StepName ?? step?.Name ?? null,
      TransactionId: seed.TransactionId ?? randomUUID(),
      CreatedOnUtc: seed.CreatedOnUtc ?? iso(this.now()),
    };
    // Kept in time order, as Cyclr sorts them (one added with an earlier time goes in its place).
    const list = this.incidents.get(cycle.Id) ?? [];
    let at = list.length;
    while (at > 0 && (list[at - 1]?.CreatedOnUtc ?? "") > incident.CreatedOnUtc) at--;
    list.splice(at, 0, incident);
    if (list.length > MAX_INCIDENTS) list.splice(0, list.length - MAX_INCIDENTS);
    this.incidents.set(cycle.Id, list);
    return incident;
  }

  private keep<T>(map: Map<string, T[]>, cycleId: string, item: T, max: number): void {
    const list = map.get(cycleId) ?? [];
    list.push(item);
    if (list.length > max) list.splice(0, list.length - max);
    map.set(cycleId, list);
  }

  /** The account's cycles' incidents, oldest first. */
  private incidentsOf(cycles: readonly CycleRecord[]): IncidentRecord[] {
    const all = cycles.flatMap((c) => this.incidents.get(c.Id) ?? []);
    return cycles.length > 1 ? all.sort((a, b) => a.CreatedOnUtc.localeCompare(b.CreatedOnUtc)) : all;
  }

  /**
   * GET /v1.0/cycles/incidents/{level} and /v1.0/cycles/transactions (account level), and a cycle's
   * incidents and transactions; undefined for any other route.
   */
  routes(req: SandboxRequest, options: ApiOptions, accountId: string, id: string, action: string | undefined, itemId: string | undefined): SandboxResponse | undefined {
    if (id === "incidents") {
      if (req.method !== "GET" || (action !== "error" && action !== "warning") || itemId !== undefined) return undefined;
      const level = action === "error" ? "Error" : "Warning";
      const listed = this.incidentsOf(this.host.cycles.cyclesOf(accountId)).filter((i) => i.IncidentLevel === level && within(i.CreatedOnUtc, req.query));
      return paged(ordered(listed, req.query), req.query, options, (i) => i);
    }
    if (id === "transactions") {
      if (req.method !== "GET" || action !== undefined) return undefined;
      const cycles = this.host.cycles.cyclesOf(accountId);
      const listed = cycles.flatMap((c) => this.transactions.get(c.Id) ?? []).filter((t) => transactionMatches(t, req.query));
      return paged(ordered(listed.sort((a, b) => a.StartedOnUtc.localeCompare(b.StartedOnUtc)), req.query), req.query, options, renderTransaction);
    }
    const cycle = this.host.cycles.cycle(accountId, id);
    if (!cycle) return undefined;
    if (action === "incidents" && itemId === undefined) {
      if (req.method === "DELETE") {
        this.incidents.delete(cycle.Id);
        return json(200, { Message: "Incidents deleted." });
      }
      if (req.method !== "GET") return undefined;
      // Inferred, strictest: the cycle's own list honours no date filter (Cyclr's tests show none on it).
      return paged(ordered(this.incidents.get(cycle.Id) ?? [], req.query), req.query, options, (i) => i);
    }
    if (action === "transactions" && req.method === "GET") {
      const listed = (this.transactions.get(cycle.Id) ?? []).filter((t) => transactionMatches(t, req.query));
      if (itemId === undefined) return paged(ordered(listed, req.query), req.query, options, renderTransaction);
      const transaction = listed.find((t) => t.Id.toLowerCase() === itemId.toLowerCase());
      if (!transaction) return message(404, `Transaction '${itemId}' not found.`);
      // The transaction's items: one per step it reached (Cyclr's tests check only that there are some).
      const query = req.query.query?.toLowerCase();
      return json(200, transaction.steps.filter((s) => !query || `${s.StepName} ${s.Message ?? ""}`.toLowerCase().includes(query)));
    }
    return undefined;
  }

  /** The sandbox control: POST /__sandbox/revoke-sign-in {accountId, accountConnectorId}. */
  revokeControl(body: string, find: (accountId: string, id: number) => AccountConnectorRecord | undefined): SandboxResponse {
    let parsed: unknown;
    try {
      parsed = parseJson({ method: "POST", path: "", query: {}, headers: {}, body });
    } catch {
      return message(400, "The body must be JSON.");
    }
    const accountId = isObject(parsed) && typeof parsed.accountId === "string" ? parsed.accountId : "";
    const id = isObject(parsed) && typeof parsed.accountConnectorId === "number" ? parsed.accountConnectorId : NaN;
    const record = find(accountId, id);
    if (!record) return message(404, "No such account connector: give accountId and accountConnectorId.");
    this.revoke(record);
    return json(200, { Message: `The sign-in of '${record.Name}' was revoked at the application; Cyclr still calls it authenticated.` });
  }
}

/** The OAuth access token inside an AuthValue, as Cyclr sends it to the application. */
function accessTokenOf(authValue: string | null): string | undefined {
  if (!authValue) return undefined;
  try {
    const parsed = JSON.parse(authValue) as { AccessToken?: unknown };
    return typeof parsed.AccessToken === "string" ? parsed.AccessToken : undefined;
  } catch {
    return undefined;
  }
}

/** after/before as Cyclr's tests send them: 2020-01-01, 01/02/2021. */
function within(at: string, query: Record<string, string>): boolean {
  const time = Date.parse(at);
  const after = query.after ? Date.parse(query.after) : NaN;
  const before = query.before ? Date.parse(query.before) : NaN;
  return (Number.isNaN(after) || time >= after) && (Number.isNaN(before) || time < before);
}

function transactionMatches(t: TransactionRecord, query: Record<string, string>): boolean {
  return within(t.StartedOnUtc, query) && (!query.status || t.Status.toLowerCase() === query.status.toLowerCase());
}

/** Oldest first unless sortOrderAsc=false (inferred default: Cyclr's tests always send it). */
function ordered<T>(items: readonly T[], query: Record<string, string>): T[] {
  return query.sortOrderAsc === "false" ? [...items].reverse() : [...items];
}

function renderTransaction(t: TransactionRecord): Record<string, unknown> {
  return { Id: t.Id, CycleId: t.CycleId, Status: t.Status, StartedOnUtc: t.StartedOnUtc, CompletedOnUtc: t.CompletedOnUtc };
}
