/**
 * The connector picker: what list_connectors found, as cards with a filter box. "Install" installs
 * through the host, tells the model, and turns the picker into the setup card of the new install.
 */
import { h, iconOf } from "./dom.js";
import type { CardHost } from "./host.js";
import { describeAuth, filterConnectors, readConnectorList, type PickerList } from "./picker-view.js";
import { SetupCard } from "./setup-card-ui.js";
import { modelContextLine, readAccountConnector } from "./setup-view.js";

export class ConnectorPicker {
  private list: PickerList | undefined;
  private filter = "";
  private icons = new Map<number, string>();
  private installing: number | undefined;
  private error: string | undefined;
  private setupCard: SetupCard | undefined;

  constructor(
    private readonly host: CardHost,
    private readonly root: HTMLElement,
  ) {}

  showResult(structured: unknown): boolean {
    const list = readConnectorList(structured);
    if (!list) return this.setupCard?.showResult(structured) ?? false;
    this.list = list;
    this.setupCard?.close();
    this.setupCard = undefined;
    this.render();
    void this.loadIcons(list);
    return true;
  }

  private async loadIcons(list: PickerList): Promise<void> {
    const ids = list.connectors.map((c) => c.id).filter((id) => !this.icons.has(id)).slice(0, 50);
    if (ids.length === 0) return;
    const answer = await this.host.callTool("get_connector_icons", { connectorIds: ids, accountId: list.accountId });
    const icons = answer.ok ? (answer.structured as { icons?: { connectorId: number; icon?: string }[] }).icons ?? [] : [];
    for (const { connectorId, icon } of icons) if (icon) this.icons.set(connectorId, icon);
    if (this.list === list && !this.setupCard) this.render();
  }

  private async install(connectorId: number): Promise<void> {
    const list = this.list;
    if (!list || this.installing !== undefined) return;
    this.installing = connectorId;
    this.error = undefined;
    this.render();
    const answer = await this.host.callTool("install_connector", { connectorId, accountId: list.accountId });
    this.installing = undefined;
    const installed = answer.ok ? readAccountConnector(answer.structured) : undefined;
    if (!installed) {
      this.error = answer.text || "The install failed.";
      this.render();
      return;
    }
    void this.host.tellModel(modelContextLine(installed, "installed"));
    this.setupCard = new SetupCard(this.host, this.root);
    const icon = this.icons.get(connectorId);
    this.setupCard.showResult({ ...(answer.structured as object), ...(icon && { icon }) }, "card");
  }

  private render(): void {
    const list = this.list;
    if (!list) return;
    const shown = filterConnectors(list.connectors, this.filter);
    const filter = h("input", { class: "filter", attrs: { type: "search", placeholder: "Filter by name, category or sign-in", "aria-label": "Filter connectors", value: this.filter } });
    filter.addEventListener("input", () => {
      this.filter = filter.value;
      this.renderGrid(grid, filterConnectors(list.connectors, this.filter));
    });
    const grid = h("ul", { class: "grid" });
    this.renderGrid(grid, shown);
    this.root.replaceChildren(
      h(
        "section",
        { class: "card picker" },
        h("h1", { text: list.connectors.length ? `Connectors (${list.total})` : "No connectors match" }),
        filter,
        this.error ? h("p", { class: "error", text: this.error, attrs: { role: "alert" } }) : undefined,
        grid,
        list.hasMore ? h("p", { class: "status", text: "More match: ask the assistant to narrow the search." }) : undefined,
      ),
    );
  }

  private renderGrid(grid: HTMLElement, connectors: PickerList["connectors"]): void {
    grid.replaceChildren(
      ...connectors.map((c) => {
        const button = h("button", { class: "primary", text: this.installing === c.id ? "Installing…" : "Install", attrs: { "data-connector-id": String(c.id) } });
        button.disabled = this.installing !== undefined;
        button.addEventListener("click", () => void this.install(c.id));
        return h(
          "li",
          { class: "tile", attrs: { "data-connector": c.name } },
          h("div", { class: "tile-head" }, iconOf(c.name, this.icons.get(c.id)), h("strong", { text: c.name })),
          h("small", { text: describeAuth(c.authTypes) }),
          c.categories.length ? h("small", { class: "muted", text: c.categories.join(" · ") }) : undefined,
          button,
        );
      }),
    );
  }
}
