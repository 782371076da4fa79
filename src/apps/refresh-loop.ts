/**
 * The setup card's asking loop while the person is at their page, on the schedule of
 * refresh-schedule.ts: it asks only while the card's page is visible, stops after STOP_AFTER_MS,
 * and starts over (a fresh schedule) when the card is shown again (its tab or window comes back,
 * or it is scrolled back into view after it stopped) or the person presses a button.
 */
import { nextRefresh } from "./refresh-schedule.js";

export type LoopState = "idle" | "running" | "hidden" | "stopped";

export class RefreshLoop {
  private state: LoopState = "idle";
  /** Bumped by every start and end: a sleep or an ask of an earlier run then ends quietly. */
  private run = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;

  /**
   * @param ask one refresh; "again" while the person is still at their page, "done" once the card moved on.
   * @param changed called when the loop stops or starts, so the card can say so.
   */
  constructor(
    private readonly ask: () => Promise<"again" | "done">,
    private readonly changed: (state: LoopState) => void,
  ) {
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        if (this.state === "running") this.set("hidden", true);
      } else if (this.state === "hidden" || this.state === "stopped") {
        this.start();
      }
    });
    // Scrolled out of the chat's view and back: the person is looking at the card again. (Out of
    // view it keeps asking while it runs, so that the model hears of the change.)
    let inView = true;
    new IntersectionObserver((entries) => {
      const now = entries.some((entry) => entry.isIntersecting);
      if (now && !inView && this.state === "stopped") this.start();
      inView = now;
    }).observe(document.body);
  }

  /** Ends the loop for good: the card shows something else. */

  get current(): LoopState {
    return this.state;
  }

  /** Starts a fresh schedule (or keeps the one running): the person is at their page now. */
  start(): void {
    if (this.state === "running") return;
    if (document.visibilityState === "hidden") {
      this.set("hidden", true);
      return;
    }
    this.set("running", true);
    void this.loop(this.run);
  }

  /** Starts over at once: the person asked (a button), so the next ask is now. */
  restart(): void {
    this.set("idle", true);
    this.start();
  }

  /** Ends the loop: the card no longer waits for the person. */
  end(): void {
    this.set("idle", true);
  }

  private set(state: LoopState, endRun: boolean): void {
    if (endRun) {
      this.run++;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.wake?.();
      this.wake = undefined;
    }
    const before = this.state;
    this.state = state;
    if (before !== state) this.changed(state);
  }

  private async loop(run: number): Promise<void> {
    const started = Date.now();
    for (let asked = 0; ; asked++) {
      const pause = nextRefresh(asked, Date.now() - started);
      if (pause === "stop") {
        if (run === this.run) this.set("stopped", true);
        return;
      }
      if (pause > 0) await this.sleep(pause);
      if (run !== this.run) return;
      const outcome = await this.ask();
      if (run !== this.run) return;
      if (outcome === "done") {
        this.set("idle", true);
        return;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }
}
