/**
 * Waiting for the person to finish a step in their browser (an OAuth sign-in, a credential page):
 * looks at the account connector with backoff until its setup moves on, the time is up, or the
 * caller gives up. Everyone waiting on the same account connector shares one poll of Cyclr, so
 * many waits (retries, several sessions, a background watch) cost what one does.
 */
import * as z from "zod";
import type { CyclrOperations } from "../../cyclr/client.js";
import { readJson, type Store } from "../../store/index.js";
import { loadAccountConnectorView, type AccountConnectorView } from "./account-connectors.js";

/** done: the person finished the step (setup moved on); not_waiting: the next step was not the person's in a browser. */
export type WaitOutcome = "done" | "timed_out" | "not_waiting";

/** Steps the person takes in a browser, after the assistant gave them a link. */
const BROWSER_STEPS = new Set(["create_oauth_link", "create_credential_link"]);

/**
 * The links this server gave out, per account connector: which browser step the person is on. It
 * tells a wait what to wait for, even when the person finished before the wait began. Kept in the
 * store, so that every replica knows it, for as long as the link is valid, then for a while as a
 * step that is over: a link used (on any replica, with or without a wait running) or expired is
 * not waited on, and the next step is a new link.
 */
export class BrowserSteps {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** `link` names the link (a credential link's id, an OAuth link's landing id), so that only its own use ends the step. */
  async record(accountId: string, accountConnectorId: number, tool: BrowserStep, until: Date, link?: string): Promise<void> {
    const ttlMs = until.getTime() - this.now();
    if (ttlMs <= 0) return;
    const step: StoredStep = { tool, until: until.getTime(), ...(link !== undefined && { link }) };
    await this.store.set(stepKey(accountId, accountConnectorId), JSON.stringify(step), { ttlMs: ttlMs + REMEMBER_OVER_MS });
  }

  /** The step the person is on: its tool while its link is valid and unused. */
  async pending(accountId: string, accountConnectorId: number): Promise<BrowserStep | undefined> {
    const step = await this.step(accountId, accountConnectorId);
    return step && !step.over ? step.tool : undefined;
  }

  /** The last browser step given out, and whether it is over (its link used or expired); undefined when none is known. */
  async step(accountId: string, accountConnectorId: number): Promise<{ tool: BrowserStep; over: boolean } | undefined> {
    const step = await readJson(this.store, stepKey(accountId, accountConnectorId), StoredStepSchema);
    return step && { tool: step.tool, over: step.ended === true || step.until <= this.now() };
  }

  /**
   * The person finished the step: a link was used (with `link`: only if the step is still that
   * link's, not one given out since), or a look at Cyclr showed it done. Every replica sees it over.
   */
  async end(accountId: string, accountConnectorId: number, link?: string): Promise<void> {
    const key = stepKey(accountId, accountConnectorId);
    const text = await this.store.get(key);
    if (text === undefined) return;
    const step = parseStep(text);
    if (!step || step.ended || (link !== undefined && step.link !== link)) return;
    const ttlMs = step.until - this.now() + REMEMBER_OVER_MS;
    // Replaced only while it holds what was read: a link given out meanwhile stays the person's step.
    if (ttlMs > 0 && (await this.store.delete(key, text))) {
      await this.store.set(key, JSON.stringify({ ...step, ended: true } satisfies StoredStep), { ttlMs, onlyIfAbsent: true });
    }
  }
}

export type BrowserStep = "create_oauth_link" | "create_credential_link";
const StoredStepSchema = z.object({
  tool: z.enum(["create_oauth_link", "create_credential_link"]),
  /** When the link stops working. */
  until: z.number(),
  link: z.string().optional(),
  /** The person used the link: the step is over though the link's time is not. */
  ended: z.boolean().optional(),
});
type StoredStep = z.infer<typeof StoredStepSchema>;
/** How long a step is remembered once its link's time is over: a wait in that time knows no one is at it. */
const REMEMBER_OVER_MS = 30 * 60_000;

function parseStep(text: string): StoredStep | undefined {
  try {
    const parsed = StoredStepSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function stepKey(accountId: string, accountConnectorId: number): string {
  return `step:${encodeURIComponent(accountId)}:${accountConnectorId}`;
}

export interface WaitOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** The browser step the person was sent to (create_oauth_link or create_credential_link), if known. */
  waitingFor?: string;
  /**
   * That step's link was used or has expired: no one is at it, so the wait takes one look and
   * returns (done if the setup moved past the step, else not_waiting), rather than wait for no one.
   */
  stepOver?: boolean;
  /** Called after each look, with the time waited so far. */
  onPoll?: (waitedMs: number, view: AccountConnectorView) => Promise<void>;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 5_000;
/** A waiter that joins a poll is given its latest view if it is this fresh; otherwise a look is taken now. */
const FRESH_MS = 1_000;

/** The delay before look number n (0-based): 1 s, growing by half each time, at most 5 s. */
export function pollDelay(attempt: number): number {
  return Math.min(MAX_DELAY_MS, Math.round(FIRST_DELAY_MS * 1.5 ** attempt));
}

/** One look at the account connector: its view, or why the look failed. `at` is when it began. */
type Look = { seq: number; at: number } & ({ view: AccountConnectorView } | { error: unknown });

/**
 * The poll loop of one account connector while anyone waits on it: looks with pollDelay's backoff,
 * keeps the latest look, and hands it to whoever is waiting for one. It has its own AbortController,
 * so no waiter's cancellation stops it; it stops, aborting a look under way, when the last waiter leaves.
 */
class SharedPoll {
  private readonly controller = new AbortController();
  private waiters = 0;
  private latest: Look | undefined;
  private looking = false;
  private seq = 0;
  private readonly listeners = new Set<(look: Look) => void>();
  /** Ends the loop's pause early (a waiter needs a fresh view); set while it pauses. */
  private wake: (() => void) | undefined;

  constructor(
    private readonly load: (signal: AbortSignal) => Promise<AccountConnectorView>,
    private readonly stopped: () => void,
  ) {}

  join(): void {
    this.waiters += 1;
    if (this.waiters === 1) void this.run();
  }

  leave(): void {
    this.waiters -= 1;
    if (this.waiters > 0) return;
    this.controller.abort();
    this.stopped();
  }

  /** The first look newer than look `seq`: the latest if it is, else the next one taken. */
  next(seq: number): Promise<Look> {
    if (this.latest && this.latest.seq > seq) return Promise.resolve(this.latest);
    return new Promise((resolve) => this.listeners.add(resolve));
  }

  /** A view at most FRESH_MS old: the latest, the look under way, or one taken now. A failed look is not reused. */
  fresh(): Promise<Look> {
    const latest = this.latest;
    if (latest && "view" in latest && performance.now() - latest.at <= FRESH_MS) return Promise.resolve(latest);
    const next = this.next(latest?.seq ?? 0);
    if (!this.looking) this.wake?.();
    return next;
  }

  /** The person finished somewhere (this replica or another): look now rather than at the end of the pause. */
  lookNow(): void {
    if (!this.looking) this.wake?.();
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    for (let attempt = 0; !signal.aborted; attempt++) {
      const at = performance.now();
      const seq = ++this.seq;
      this.looking = true;
      let look: Look;
      try {
        look = { seq, at, view: await this.load(signal) };
      } catch (error) {
        look = { seq, at, error };
      }
      this.looking = false;
      if (signal.aborted) return;
      this.latest = look;
      const listeners = [...this.listeners];
      this.listeners.clear();
      for (const listener of listeners) listener(look);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, pollDelay(attempt));
        signal.addEventListener("abort", done, { once: true });
        this.wake = done;
      });
    }
  }
}

/**
 * The polls under way, one per account connector (account id + account connector id), shared by
 * every session of a process. Looks go through the process's own Cyclr client: a shared poll is no
 * one session's call.
 */
export class AccountConnectorPolls {
  private readonly polls = new Map<string, SharedPoll>();
  private readonly unsubscribe: (() => void) | undefined;

  /**
   * With a store, a poll looks at once when any replica says the person finished (a credential
   * page used there): the wait ends as soon as Cyclr shows it, and polling stays the fallback.
   */
  constructor(
    private readonly cyclr: CyclrOperations,
    store?: Store,
    /** Hosted mode: the operations over a token Cyclr restricted to the account polled (least privilege). */
    private readonly cyclrForAccount?: (accountId: string) => CyclrOperations,
  ) {
    this.unsubscribe = store?.subscribe((event) => {
      if (event.kind === "step finished") this.polls.get(`${event.accountId}\n${event.accountConnectorId}`)?.lookNow();
    });
  }

  close(): void {
    this.unsubscribe?.();
  }

  /** Registers a waiter, starting the poll if it is the first; call leave() when done. */
  join(accountId: string, accountConnectorId: number): { fresh: () => Promise<Look>; next: (seq: number) => Promise<Look>; leave: () => void } {
    const key = `${accountId}\n${accountConnectorId}`;
    let poll = this.polls.get(key);
    if (!poll) {
      const made: SharedPoll = new SharedPoll(
        (signal) => loadAccountConnectorView(this.cyclrForAccount?.(accountId) ?? this.cyclr, accountId, accountConnectorId, signal),
        () => {
          if (this.polls.get(key) === made) this.polls.delete(key);
        },
      );
      poll = made;
      this.polls.set(key, poll);
    }
    const joined = poll;
    joined.join();
    let left = false;
    return {
      fresh: () => joined.fresh(),
      next: (seq) => joined.next(seq),
      leave: () => {
        if (left) return;
        left = true;
        joined.leave();
      },
    };
  }

  /** How many account connectors are being polled now. */
  get active(): number {
    return this.polls.size;
  }
}

/** The look, or the caller's cancellation; `undefined` when waitMs passes first. */
function until(look: Promise<Look>, signal: AbortSignal, waitMs?: number): Promise<Look | undefined> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(signal.reason));
    const timer = waitMs === undefined ? undefined : setTimeout(() => finish(() => resolve(undefined)), waitMs);
    signal.addEventListener("abort", onAbort, { once: true });
    void look.then((value) => finish(() => resolve(value)));
  });
}

function viewOf(look: Look): AccountConnectorView {
  if ("error" in look) throw look.error;
  return look.view;
}

export async function waitForAuthentication(
  polls: AccountConnectorPolls,
  accountId: string,
  accountConnectorId: number,
  options: WaitOptions,
): Promise<{ view: AccountConnectorView; outcome: WaitOutcome }> {
  const started = performance.now();
  const poll = polls.join(accountId, accountConnectorId);
  try {
    let step = options.waitingFor;
    // The first answer stays prompt: a view at most a second old.
    let look = (await until(poll.fresh(), options.signal)) as Look;
    for (let first = true; ; first = false) {
      const view = viewOf(look);
      const waited = performance.now() - started;
      const next = view.setup.nextStep.tool;
      // The step the person is on: the link given out, else the step the setup asks for if it is a browser step.
      if (step === undefined && first && !options.stepOver && next !== undefined && BROWSER_STEPS.has(next)) step = next;
      if (step === undefined) return { view, outcome: view.setup.state === "ready" ? "done" : "not_waiting" };
      if (next !== step) return { view, outcome: "done" };
      if (options.stepOver) return { view, outcome: "not_waiting" };
      const remaining = options.timeoutMs - waited;
      if (remaining <= 0) return { view, outcome: "timed_out" };
      // Progress only while the wait goes on: a notification sent just before the result reaches the
      // SDK's client after it and is reported as "a progress notification for an unknown token".
      await options.onPoll?.(waited, view);
      // The poll's next look; at this waiter's deadline, a last fresh one to decide on.
      look = (await until(poll.next(look.seq), options.signal, remaining)) ?? ((await until(poll.fresh(), options.signal)) as Look);
    }
  } finally {
    poll.leave();
  }
}
