/**
 * The setup card: an installed connector's steps, the settings the person may type here, and one
 * button for the next step. What it shows is decided in setup-view.ts; this file draws it and makes
 * the calls. A link it opens is kept only in the call that opens it, never in the card's state, on
 * the page or in anything it tells the model: "Open the page again" asks the server for a fresh one.
 */
import { cardHeader, h, iconOf, stepList, supportBlock } from "./dom.js";
import { NOT_OPENED, openAnsweredLink, type CardHost } from "./host.js";
import { RefreshLoop } from "./refresh-loop.js";
import { REFRESH_WAIT_SECONDS, STOP_AFTER_MS } from "./refresh-schedule.js";
import {
  linkLapsed,
  mergeViews,
  modelContextLine,
  propertiesToSave,
  readAccountConnector,
  readAccountConnectorList,
  setupCardView,
  supportDetails,
  type CardAccountConnector,
  type LinkTool,
} from "./setup-view.js";

export class SetupCard {
  private current: CardAccountConnector | undefined;
  private busy = false;
  private error: string | undefined;
  private notice: string | undefined;
  /** Bumped whenever the card shows another account connector: an answer about the earlier one is then dropped. */
  private generation = 0;
  private toldReady = new Set<number>();
  /** What the person has typed in the card's fields (never a secret: those are typed on the credential page), kept across redraws. */
  private typed: Record<string, string> = {};
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

  /** Stops everything the card does on its own (its asks): it is no longer shown. */
  close(): void {
    this.generation++;
    this.loop.end();
  }

  /** Shows what a tool result says; false when it is not about an account connector. */
  showResult(structured: unknown, origin: "model" | "card" = "model"): boolean {
    const list = readAccountConnectorList(structured);
    if (list) {
      this.showList(list);
      return true;
    }
    const found = readAccountConnector(structured);
    if (!found) return false;
    const fresh = this.current?.accountConnectorId !== found.accountConnectorId || this.current.accountId !== found.accountId;
    this.current = mergeViews(this.current, found);
    if (fresh) {
      this.generation++;
      this.typed = {};
      this.notice = undefined;
      this.detailsOpen.value = false;
      this.loop.end();
    }
    this.error = undefined;
    this.render();
    // A result without the connector's name, icon, account name or properties set (set_connector_properties, the link tools), or one the model got: fill it in.
    if (fresh || !this.current.connector) void this.refresh({ withIcon: !this.current.icon, withAccountName: !this.current.accountName });
    this.afterChange(origin);
    return true;
  }

  private afterChange(origin: "model" | "card"): void {
    const ac = this.current;
    if (!ac) return;
    if (ac.setup.state === "ready" && origin === "card" && !this.toldReady.has(ac.accountConnectorId)) {
      this.toldReady.add(ac.accountConnectorId);
      void this.host.tellModel(modelContextLine(ac, "updated"));
    }
    if (ac.setup.nextStep.tool === "get_account_connector") this.loop.start();
    else this.loop.end();
  }

  /** One refresh_setup_card; false when it failed (the card then says why) or answered for an earlier account connector. */
  private async refresh(options: { withIcon?: boolean; withAccountName?: boolean; waitSeconds?: number } = {}): Promise<boolean> {
    const ac = this.current;
    if (!ac) return false;
    const generation = this.generation;
    const answer = await this.host.callTool("refresh_setup_card", {
      accountConnectorId: ac.accountConnectorId,
      accountId: ac.accountId,
      ...(options.waitSeconds !== undefined && { waitSeconds: options.waitSeconds }),
      withIcon: options.withIcon === true,
      withAccountName: options.withAccountName === true,
    });
    if (generation !== this.generation) return false;
    const seen = answer.ok ? readAccountConnector(answer.structured) : undefined;
    if (!seen) {
      this.error = answer.text || "The card could not refresh.";
      this.render();
      return false;
    }
    const before = this.current;
    this.current = mergeViews(before, seen);
    if (linkLapsed(before, this.current)) this.notice = "That page's link has expired or was used before you finished: the button below gives you a new one.";
    else if (this.error && before?.setup.nextStep.tool === "get_account_connector") this.error = undefined;
    this.render();
    if (before?.setup.state !== seen.setup.state && seen.setup.state === "ready") this.afterChange("card");
    return true;
  }

  /** One ask of the loop while the person is at their page: "again" while they still are. */
  private async askWhilePersonAway(): Promise<"again" | "done"> {
    const generation = this.generation;
    await this.refresh({ waitSeconds: REFRESH_WAIT_SECONDS });
    if (generation !== this.generation) return "done";
    return this.current?.setup.nextStep.tool === "get_account_connector" ? "again" : "done";
  }

  private async run(action: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = undefined;
    this.notice = undefined;
    this.render();
    try {
      await action();
    } finally {
      this.busy = false;
      this.render();
    }
  }

  private save(typed: Record<string, string>): Promise<void> {
    return this.run(async () => {
      const ac = this.current;
      if (!ac) return;
      const properties = propertiesToSave(setupCardView(ac).editable, typed);
      if (properties.length === 0) {
        this.error = "Fill in the settings first.";
        return;
      }
      const answer = await this.host.callTool("set_connector_properties", { accountConnectorId: ac.accountConnectorId, accountId: ac.accountId, properties });
      const seen = answer.ok ? readAccountConnector(answer.structured) : undefined;
      if (!seen) {
        this.error = answer.text;
        return;
      }
      const results = (answer.structured as { results?: { name: string; outcome: string; error?: string }[] }).results ?? [];
      const failed = results.filter((r) => r.outcome !== "set");
      if (failed.length) this.error = failed.map((r) => `${r.name}: ${r.error ?? r.outcome}`).join("; ");
      for (const r of results) if (r.outcome === "set") delete this.typed[r.name];
      // Saved here: the properties step applies to this connector, whatever the answer lists.
      this.current = { ...mergeViews(this.current, seen), hasProperties: true };
      this.afterChange("card");
    });
  }

  /** Asks the server for a page (a fresh link each time) and asks the host to open it. */
  private openStep(tool: LinkTool): Promise<void> {
    return this.run(async () => {
      const ac = this.current;
      if (!ac) return;
      const answer = await this.host.callTool(tool, { accountConnectorId: ac.accountConnectorId, accountId: ac.accountId });
      const seen = answer.ok ? readAccountConnector(answer.structured) : undefined;
      if (!seen) {
        this.error = answer.text;
        return;
      }
      const opened = await openAnsweredLink(this.host, answer);
      this.notice = opened
        ? tool === "create_oauth_link"
          ? "The sign-in page is open in your browser. Closed it, or it did not show? Open it again: you get a fresh link."
          : "The secure page is open in your browser. Closed it, or it did not show? Open it again: you get a fresh link."
        : undefined;
      if (!opened) this.error = NOT_OPENED;
      this.current = mergeViews(this.current, seen);
      this.loop.end();
      this.afterChange("card");
    });
  }

  private showList(list: CardAccountConnector[]): void {
    this.generation++;
    this.current = undefined;
    this.loop.end();
    this.root.replaceChildren(
      h(
        "section",
        { class: "card" },
        h("h1", { text: list.length ? "Installed connectors" : "Nothing is installed yet" }),
        h(
          "ul",
          { class: "rows" },
          ...list.map((ac) => {
            const view = setupCardView(ac);
            const open = h("button", { class: "secondary", text: ac.setup.state === "ready" ? "Show" : "Continue setup", attrs: { type: "button" } });
            open.addEventListener("click", () => this.showResult(ac, "card"));
            return h("li", { class: "row" }, iconOf(view.title, ac.icon), h("span", { class: "grow" }, h("strong", { text: view.title }), h("small", { text: stateWords(ac) })), open);
          }),
        ),
      ),
    );
  }

  private render(): void {
    const ac = this.current;
    if (!ac) return;
    const view = setupCardView(ac);
    const action = view.primary;
    // Not a <form> submit: hosts sandbox the card without allow-forms, where a submit never fires.
    const form = h("div", { class: "fields" });
    const act = () => {
      if (action.kind === "save") void this.save({ ...this.typed });
      else if (action.kind === "credential_link" || action.kind === "oauth_link") void this.openStep(action.tool);
      else if (action.kind === "wait") void this.openStep(action.reopen);
    };
    for (const property of view.editable) {
      const id = `field-${property.name}`;
      const input = property.allowedValues?.length
        ? h("select", { attrs: { id, name: property.name } }, h("option", { text: "Choose…", attrs: { value: "" } }), ...property.allowedValues.map((v) => h("option", { text: v, attrs: { value: v } })))
        : h("input", { attrs: { id, name: property.name, type: "text", autocomplete: "off", spellcheck: "false" } });
      input.value = this.typed[property.name] ?? "";
      input.addEventListener("input", () => (this.typed[property.name] = input.value));
      input.addEventListener("change", () => (this.typed[property.name] = input.value));
      input.addEventListener("keydown", (event) => {
        if (event instanceof KeyboardEvent && event.key === "Enter") act();
      });
      form.append(h("label", { attrs: { for: id } }, h("span", { text: property.label ?? property.name }), property.description ? h("small", { text: property.description }) : undefined, input));
    }
    if (view.onSecurePage.length && action.kind === "save") {
      form.append(h("p", { class: "secure", text: `${view.onSecurePage.join(", ")}: typed on a secure page next, never here.` }));
    }
    const buttons = h("div", { class: "actions" });
    if (action.kind !== "none") {
      // While the person is away the card's one button opens their page again (a fresh link): the wait itself is the status line.
      const primary = h("button", { class: action.kind === "wait" ? "secondary" : "primary", text: this.busy ? "Working…" : action.label, attrs: { type: "button", "data-action": action.kind === "wait" ? "reopen" : action.kind } });
      primary.disabled = this.busy;
      primary.addEventListener("click", act);
      buttons.append(primary);
    }
    const stopped = action.kind === "wait" && this.loop.current === "stopped";
    if (stopped) {
      const check = h("button", { class: "primary", text: "Check now", attrs: { type: "button", "data-action": "check" } });
      check.disabled = this.busy;
      check.addEventListener("click", () => this.loop.restart());
      buttons.prepend(check);
    }
    form.append(buttons);

    this.root.replaceChildren(
      h(
        "section",
        { class: `card state-${ac.setup.state}`, attrs: { "data-state": ac.setup.state } },
        cardHeader(view.title, ac.icon, view.subtitle),
        stepList(view.steps),
        stopped
          ? h("p", { class: "notice stopped", text: `Stopped checking after ${STOP_AFTER_MS / 60_000} minutes. Done in your browser? Check now. Closed the page? Open it again.`, attrs: { role: "status" } })
          : h("p", { class: "status", text: view.status, attrs: { role: "status" } }),
        // What happened to the page matters only while the card waits for the person there, or when it offers a new one.
        this.notice && !stopped && action.kind !== "save" && action.kind !== "none" ? h("p", { class: "notice", text: this.notice }) : undefined,
        this.error ? h("p", { class: "error", text: this.error, attrs: { role: "alert" } }) : undefined,
        action.kind === "none" && ac.setup.state === "ready" ? h("p", { class: "done", text: `✓ ${action.label}` }) : form,
        supportBlock(supportDetails(ac), this.detailsOpen),
      ),
    );
  }
}

function stateWords(ac: CardAccountConnector): string {
  switch (ac.setup.state) {
    case "ready":
      return "Ready";
    case "needs_properties":
      return "Needs settings";
    case "needs_authentication":
      return "Needs sign-in";
  }
}

