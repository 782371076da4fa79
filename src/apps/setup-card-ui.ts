/**
 * The setup card: an installed connector's three steps, the settings the person may type here,
 * and one button for the next step. What it shows is decided in setup-view.ts; this file draws it
 * and makes the calls. A link it opens is kept only in the call that opens it, never in the card's
 * state, on the page or in anything it tells the model.
 */
import { h, iconOf } from "./dom.js";
import type { CardHost } from "./host.js";
import {
  mergeViews,
  modelContextLine,
  propertiesToSave,
  readAccountConnector,
  readAccountConnectorList,
  setupCardView,
  type CardAccountConnector,
} from "./setup-view.js";

/** How long each refresh waits for the person at their link (the server's shared poll does the looking). */
const REFRESH_WAIT_SECONDS = 20;

export class SetupCard {
  private current: CardAccountConnector | undefined;
  private busy = false;
  private error: string | undefined;
  private notice: string | undefined;
  /** Bumped whenever the card shows another account connector: an old refresh loop then stops. */
  private generation = 0;
  private toldReady = new Set<number>();
  private waiting = false;
  /** What the person has typed in the card's fields (never a secret: those are typed on the credential page), kept across redraws. */
  private typed: Record<string, string> = {};

  constructor(
    private readonly host: CardHost,
    private readonly root: HTMLElement,
  ) {}

  /** Shows what a tool result says; false when it is not about an account connector. */
  showResult(structured: unknown, origin: "model" | "card" = "model"): boolean {
    const list = readAccountConnectorList(structured);
    if (list) {
      this.showList(list);
      return true;
    }
    const found = readAccountConnector(structured);
    if (!found) return false;
    const fresh = this.current?.accountConnectorId !== found.accountConnectorId;
    this.current = mergeViews(this.current, found);
    if (fresh) {
      this.generation++;
      this.typed = {};
    }
    this.error = undefined;
    this.render();
    // A result without the connector's name or icon (set_connector_properties, the link tools), or one the model got: fill it in.
    if (fresh || !this.current.connector) void this.refresh({ withIcon: !this.current.icon });
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
    if (ac.setup.nextStep.tool === "get_account_connector") void this.waitForPerson();
  }

  private async refresh(options: { withIcon?: boolean; waitSeconds?: number } = {}): Promise<boolean> {
    const ac = this.current;
    if (!ac) return false;
    const generation = this.generation;
    const answer = await this.host.callTool("refresh_setup_card", {
      accountConnectorId: ac.accountConnectorId,
      accountId: ac.accountId,
      ...(options.waitSeconds !== undefined && { waitSeconds: options.waitSeconds }),
      withIcon: options.withIcon === true,
    });
    if (generation !== this.generation) return false;
    const seen = answer.ok ? readAccountConnector(answer.structured) : undefined;
    if (!seen) {
      this.error = answer.text || "The card could not refresh.";
      this.render();
      return false;
    }
    const before = this.current?.setup.state;
    this.current = mergeViews(this.current, seen);
    this.render();
    if (before !== seen.setup.state && seen.setup.state === "ready") this.afterChange("card");
    return true;
  }

  /** While the person is at their link: refresh (each call waits on the server) until the next step is no longer a wait. */
  private async waitForPerson(): Promise<void> {
    if (this.waiting) return;
    this.waiting = true;
    try {
      const generation = this.generation;
      while (generation === this.generation && this.current?.setup.nextStep.tool === "get_account_connector") {
        if (!(await this.refresh({ waitSeconds: REFRESH_WAIT_SECONDS }))) return;
      }
    } finally {
      this.waiting = false;
    }
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
      this.current = mergeViews(this.current, seen);
      this.afterChange("card");
    });
  }

  private openStep(tool: "create_credential_link" | "create_oauth_link"): Promise<void> {
    return this.run(async () => {
      const ac = this.current;
      if (!ac) return;
      const answer = await this.host.callTool(tool, { accountConnectorId: ac.accountConnectorId, accountId: ac.accountId });
      const seen = answer.ok ? readAccountConnector(answer.structured) : undefined;
      if (!seen) {
        this.error = answer.text;
        return;
      }
      // The link lives in this call only: opened, then dropped.
      const url = (answer.structured as { url?: unknown }).url;
      if (typeof url === "string") {
        const opened = await this.host.openLink(url);
        if (!opened) this.error = "Your chat app did not open the page. Ask the assistant for the link instead.";
      }
      this.notice = tool === "create_oauth_link" ? "The sign-in page is open in your browser." : "The secure page is open in your browser.";
      this.current = mergeViews(this.current, seen);
      this.afterChange("card");
    });
  }

  private showList(list: CardAccountConnector[]): void {
    this.generation++;
    this.current = undefined;
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
            const open = h("button", { class: "secondary", text: view.steps.every((s) => s.status === "done") ? "Show" : "Continue setup" });
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
    // Not a <form> submit: hosts sandbox the card without allow-forms, where a submit never fires.
    const form = h("div", { class: "fields" });
    const action = view.primary;
    const act = () => {
      if (action.kind === "save") void this.save({ ...this.typed });
      else if (action.kind === "credential_link" || action.kind === "oauth_link") void this.openStep(action.tool);
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
    const primary = h("button", { class: `primary ${view.primary.kind}`, text: this.busy ? "Working…" : view.primary.label, attrs: { type: "button", "data-action": view.primary.kind } });
    primary.disabled = this.busy || view.primary.kind === "wait" || view.primary.kind === "none";
    primary.addEventListener("click", act);
    if (view.onSecurePage.length && view.primary.kind === "save") {
      form.append(h("p", { class: "secure", text: `${view.onSecurePage.join(", ")}: typed on a secure page next, never here.` }));
    }
    form.append(primary);
    this.root.replaceChildren(
      h(
        "section",
        { class: `card state-${ac.setup.state}`, attrs: { "data-state": ac.setup.state } },
        h("header", {}, iconOf(view.title, ac.icon), h("span", { class: "grow" }, h("h1", { text: view.title }), h("small", { text: `Account connector ${ac.accountConnectorId}` }))),
        h("ol", { class: "steps" }, ...view.steps.map((step) => h("li", { class: step.status, text: step.label, attrs: { "data-step": step.key, "aria-current": step.status === "current" ? "step" : "false" } }))),
        h("p", { class: "status", text: view.status }),
        // "The page is open" matters only while the card waits for the person there.
        this.notice && view.primary.kind === "wait" ? h("p", { class: "notice", text: this.notice }) : undefined,
        this.error ? h("p", { class: "error", text: this.error, attrs: { role: "alert" } }) : undefined,
        view.primary.kind === "none" && ac.setup.state === "ready" ? h("p", { class: "done", text: `✓ ${view.primary.label}` }) : form,
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
