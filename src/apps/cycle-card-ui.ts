/**
 * The setup card's integration (cycle) view: its checklist, one button when the next step is a page
 * in the person's browser for one of its connectors (a sign-in, the credential page), and its health.
 * What it shows is decided in cycle-view.ts; this file draws it and makes the calls. While the person
 * is at their page it asks refresh_cycle_card on the connector card's schedule (refresh-loop.ts:
 * backing off, stopping after 10 minutes, starting over when shown again). Everything upstream (an
 * incident's message) is set as text, never as markup. A link lives only in the call that opens it.
 */
import { cardHeader, h, iconOf, stepList, supportBlock } from "./dom.js";
import { NOT_OPENED, openAnsweredLink, type CardHost } from "./host.js";
import { RefreshLoop } from "./refresh-loop.js";
import { REFRESH_WAIT_SECONDS, STOP_AFTER_MS } from "./refresh-schedule.js";
import {
  cycleCardView,
  cycleContextLine,
  cycleSupportDetails,
  cycleWaits,
  mergeCycles,
  readAccountActivity,
  readCycle,
  readCycleList,
  timeWords,
  type CardCycle,
  type CardCycleRow,
  type CardIncident,
} from "./cycle-view.js";

export class CycleCard {
  private current: CardCycle | undefined;
  private busy = false;
  private error: string | undefined;
  private notice: string | undefined;
  /** The page last opened from the card (its tool and arguments, never its link), to open a fresh one. */
  private opened: { tool: "create_oauth_link" | "create_credential_link"; args: Record<string, unknown> } | undefined;
  private generation = 0;
  private readonly detailsOpen = { value: false };
  private readonly loop: RefreshLoop;

  constructor(
    private readonly host: CardHost,
    private readonly root: HTMLElement,
  ) {
    this.loop = new RefreshLoop(
      () => this.askWhilePersonAway(),
      () => this.render(),
    );
  }

  close(): void {
    this.generation++;
    this.current = undefined;
    this.loop.end();
  }

  /** Shows a result about integrations; false when it is not one. */
  showResult(structured: unknown): boolean {
    const list = readCycleList(structured);
    if (list) {
      this.close();
      this.showList(list.rows, list.summary);
      return true;
    }
    const activity = readAccountActivity(structured);
    if (activity) {
      this.close();
      this.showActivity(activity.incidents);
      return true;
    }
    const found = readCycle(structured);
    if (!found) return false;
    this.show(found, "model");
    return true;
  }

  private show(found: CardCycle, origin: "model" | "card"): void {
    const fresh = this.current?.cycleId !== found.cycleId || this.current.accountId !== found.accountId;
    const before = this.current;
    this.current = mergeCycles(fresh ? undefined : this.current, found);
    if (fresh) {
      this.generation++;
      this.notice = undefined;
      this.opened = undefined;
      this.detailsOpen.value = false;
      this.loop.end();
    }
    this.error = undefined;
    this.render();
    // Fill in what this result leaves out (the health, the account's name) once.
    if (fresh || !this.current.health || !this.current.setup) void this.refresh({ withAccountName: !this.current.accountName });
    this.afterChange(before, origin);
  }

  private afterChange(before: CardCycle | undefined, origin: "model" | "card"): void {
    const now = this.current;
    if (!now) return;
    const newlyReady = now.setup?.connectors.some((k) => k.ready && before?.setup?.connectors.some((b) => b.accountConnectorId === k.accountConnectorId && !b.ready));
    if (newlyReady && origin === "card") void this.host.tellModel(cycleContextLine(now));
    if (cycleWaits(now)) this.loop.start();
    else this.loop.end();
  }

  private async refresh(options: { withAccountName?: boolean; waitSeconds?: number } = {}): Promise<boolean> {
    const c = this.current;
    if (!c) return false;
    const generation = this.generation;
    const answer = await this.host.callTool("refresh_cycle_card", {
      cycleId: c.cycleId,
      accountId: c.accountId,
      ...(options.waitSeconds !== undefined && { waitSeconds: options.waitSeconds }),
      withAccountName: options.withAccountName === true,
    });
    if (generation !== this.generation) return false;
    const seen = answer.ok ? readCycle(answer.structured) : undefined;
    if (!seen) {
      this.error = answer.text || "The card could not refresh.";
      this.render();
      return false;
    }
    const before = this.current;
    this.current = mergeCycles(before, seen);
    this.render();
    this.afterChange(before, "card");
    return true;
  }

  private async askWhilePersonAway(): Promise<"again" | "done"> {
    const generation = this.generation;
    await this.refresh({ waitSeconds: REFRESH_WAIT_SECONDS });
    if (generation !== this.generation) return "done";
    return cycleWaits(this.current) ? "again" : "done";
  }

  /** Asks the server for the connector's page (a fresh link each time), asks the host to open it, then follows the cycle. */
  private openStep(tool: "create_oauth_link" | "create_credential_link", args: Record<string, unknown>): void {
    if (this.busy) return;
    this.busy = true;
    this.error = undefined;
    this.notice = undefined;
    this.render();
    void (async () => {
      try {
        const answer = await this.host.callTool(tool, args);
        if (!answer.ok) {
          this.error = answer.text;
          return;
        }
        this.opened = { tool, args };
        if (await openAnsweredLink(this.host, answer)) this.notice = "The page is open in your browser. Closed it, or it did not show? Open it again: you get a fresh link.";
        else this.error = NOT_OPENED;
        this.loop.end();
        await this.refresh();
      } finally {
        this.busy = false;
        this.render();
      }
    })();
  }

  private showList(rows: CardCycleRow[], summary: string | undefined): void {
    this.root.replaceChildren(
      h(
        "section",
        { class: "card" },
        h("h1", { text: rows.length ? "Integrations" : "No integrations to show" }),
        summary ? h("p", { class: "status", text: summary }) : undefined,
        h(
          "ul",
          { class: "rows" },
          ...rows.map((row) => {
            const open = h("button", { class: "secondary", text: "Show", attrs: { type: "button" } });
            open.addEventListener("click", () => this.show({ accountId: row.accountId, cycleId: row.cycleId, name: row.name, ...(row.status && { status: row.status }) }, "card"));
            const words = [row.status, row.why ?? row.health].filter(Boolean).join(" · ");
            return h("li", { class: "row", attrs: { "data-cycle": row.cycleId } }, iconOf(row.name, undefined), h("span", { class: "grow" }, h("strong", { text: row.name }), h("small", { text: words })), open);
          }),
        ),
      ),
    );
  }

  private showActivity(incidents: (CardIncident & { cycle?: string })[]): void {
    this.root.replaceChildren(
      h(
        "section",
        { class: "card" },
        h("h1", { text: incidents.length ? "Recent problems in the account" : "No recent problems in the account" }),
        h(
          "ul",
          { class: "rows problems" },
          ...incidents.map((i) =>
            h(
              "li",
              {},
              h("span", { class: "problem", text: `${i.cycle ? `${i.cycle} · ` : ""}${i.step ? `${i.step}: ` : ""}${i.message ?? "(no message)"}` }),
              h("small", { text: [timeWords(i.at), i.level].filter(Boolean).join(" · ") }),
            ),
          ),
        ),
      ),
    );
  }

  private render(): void {
    const c = this.current;
    if (!c) return;
    const view = cycleCardView(c);
    const buttons = h("div", { class: "actions" });
    const { primary } = view;
    if (primary.kind === "oauth_link" || primary.kind === "credential_link") {
      const button = h("button", { class: "primary", text: this.busy ? "Working…" : primary.label, attrs: { type: "button", "data-action": primary.kind } });
      button.disabled = this.busy;
      button.addEventListener("click", () => this.openStep(primary.tool, primary.args));
      buttons.append(button);
    } else if (primary.kind === "wait" && this.opened) {
      const opened = this.opened;
      const reopen = h("button", { class: "secondary", text: this.busy ? "Working…" : "Open the page again", attrs: { type: "button", "data-action": "reopen" } });
      reopen.disabled = this.busy;
      reopen.addEventListener("click", () => this.openStep(opened.tool, opened.args));
      buttons.append(reopen);
    }
    const stopped = primary.kind === "wait" && this.loop.current === "stopped";
    if (stopped) {
      const check = h("button", { class: "primary", text: "Check now", attrs: { type: "button", "data-action": "check" } });
      check.addEventListener("click", () => this.loop.restart());
      buttons.prepend(check);
    }

    const health = view.health
      ? h(
          "section",
          { class: "health", attrs: { "data-tone": view.health.tone } },
          h("p", { class: `health-line ${view.health.tone}`, text: view.health.line }),
          view.health.problems.length
            ? h(
                "ul",
                { class: "rows problems" },
                ...view.health.problems.map((p) => h("li", {}, h("span", { class: "problem", text: p.text }), h("small", { text: p.detail }))),
              )
            : undefined,
        )
      : undefined;

    this.root.replaceChildren(
      h(
        "section",
        { class: "card cycle", attrs: { "data-cycle-state": c.setup?.state ?? "unknown", ...(c.health && { "data-health": c.health.state }) } },
        cardHeader(view.title, undefined, view.subtitle),
        view.steps.length ? stepList(view.steps) : undefined,
        stopped
          ? h("p", { class: "notice stopped", text: `Stopped checking after ${STOP_AFTER_MS / 60_000} minutes. Done in your browser? Check now.`, attrs: { role: "status" } })
          : view.status
            ? h("p", { class: "status", text: view.status, attrs: { role: "status" } })
            : undefined,
        this.notice && primary.kind === "wait" && !stopped ? h("p", { class: "notice", text: this.notice }) : undefined,
        this.error ? h("p", { class: "error", text: this.error, attrs: { role: "alert" } }) : undefined,
        buttons.childElementCount ? buttons : undefined,
        health,
        supportBlock(cycleSupportDetails(c), this.detailsOpen),
      ),
    );
  }
}
