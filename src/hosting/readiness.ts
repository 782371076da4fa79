/**
 * /readyz: whether this replica can do its work now (the shared store answers, Cyclr gives a token,
 * an issuer's keys are at hand), answered within READY_WITHIN_MS whatever those do, so that a load
 * balancer's probe with a short timeout gets the answer that names the problem, not a timeout, and
 * no probe holds a connection for long.
 *
 * Each check runs at most once at a time, in the background of the probes: a probe waits for it at
 * most the bound. A check that failed, or did not answer within the bound, is known to be failing:
 * the next probes are told so at once, without waiting on it again, while one check at a time finds
 * out whether it is back (so a probe after recovery may still say "not ready"; the next one sees it).
 */
import type { Store } from "../store/index.js";

/** The most a probe of /readyz waits for the checks (the README states it). */
export const READY_WITHIN_MS = 1_000;

export interface ReadinessChecks {
  /** The shared store: why it cannot be used now, or undefined when it can. */
  store?: Pick<Store, "name" | "problem">;
  /** Cyclr's token endpoint (or the sandbox) gives a token. */
  cyclr: () => Promise<boolean>;
  /** With an issuer, its keys are at hand. */
  keys: () => Promise<boolean>;
}

export interface ReadinessAnswer {
  status: 200 | 503;
  body: { status: "ready" | "not ready" | "shutting down"; store?: string };
  headers: Record<string, string>;
}

/** What a check found: all well, or a problem (a text naming the store, or none: the probe reveals nothing else). */
type Outcome = { ok: true } | { ok: false; problem?: string };

/** One check, run at most once at a time, its last outcome kept. */
class Check {
  private running: Promise<Outcome> | undefined;
  private last: Outcome | undefined;

  constructor(
    private readonly run: () => Promise<Outcome>,
    /** What a check that has not answered within the bound means. */
    private readonly late: Outcome,
  ) {}

  /** The outcome by `deadline`: known failing at once (a new check starts behind it), else the check's own, else `late`. */
  async outcome(deadline: Promise<undefined>): Promise<Outcome> {
    const running = this.start();
    if (this.last && !this.last.ok) return this.last;
    const outcome = await Promise.race([running, deadline]);
    if (outcome) return outcome;
    // Known failing until the check under way says otherwise.
    this.last = this.late;
    return this.late;
  }

  private start(): Promise<Outcome> {
    this.running ??= this.run()
      .catch((): Outcome => this.late)
      .then((outcome) => {
        this.last = outcome;
        this.running = undefined;
        return outcome;
      });
    return this.running;
  }
}

export class Readiness {
  private readonly store: Check | undefined;
  private readonly others: Check[];

  constructor(checks: ReadinessChecks, private readonly withinMs = READY_WITHIN_MS) {
    const { store } = checks;
    const failed: Outcome = { ok: false };
    this.store =
      store &&
      new Check(
        async () => {
          const problem = await store.problem();
          return problem === undefined ? { ok: true } : { ok: false, problem };
        },
        { ok: false, problem: `${store.name} does not answer` },
      );
    this.others = [checks.cyclr, checks.keys].map((check) => new Check(async () => ((await check()) ? { ok: true } : failed), failed));
  }

  /** The probe's answer: every check within the bound; the store's problem named first (without it, the token and links cannot be shared, whatever Cyclr says). */
  async probe(closing: boolean): Promise<ReadinessAnswer> {
    if (closing) return { status: 503, body: { status: "shutting down" }, headers: { "retry-after": "5" } };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.withinMs);
      timer.unref();
    });
    try {
      const [store, ...others] = await Promise.all([this.store?.outcome(deadline) ?? { ok: true as const }, ...this.others.map((check) => check.outcome(deadline))]);
      if (store && !store.ok) return { status: 503, body: { status: "not ready", ...(store.problem !== undefined && { store: store.problem }) }, headers: { "retry-after": "5" } };
      return others.every((outcome) => outcome.ok) ? { status: 200, body: { status: "ready" }, headers: {} } : { status: 503, body: { status: "not ready" }, headers: {} };
    } finally {
      clearTimeout(timer);
    }
  }
}
