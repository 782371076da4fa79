/** Connects a card to its host and hands it each tool result the host delivers. */
import { App } from "@modelcontextprotocol/ext-apps";
import { h } from "./dom.js";
import { cardHost, followTheme, type CardHost } from "./host.js";

interface Card {
  showResult(structured: unknown): boolean;
}

export function startCard(name: string, make: (host: CardHost, root: HTMLElement) => Card): void {
  const root = document.getElementById("card") ?? document.body.appendChild(h("main", { attrs: { id: "card" } }));
  root.replaceChildren(h("p", { class: "status", text: "Loading…" }));
  const app = new App({ name, version: "1" }, {}, { autoResize: true });
  const card = make(cardHost(app), root);
  app.ontoolresult = (result) => {
    if (result.isError) {
      root.replaceChildren(h("p", { class: "error", text: "The assistant's call failed; see its answer in the chat." }));
      return;
    }
    if (!card.showResult(result.structuredContent)) root.replaceChildren(h("p", { class: "status", text: "Nothing to show for this result." }));
  };
  app.ontoolcancelled = () => root.replaceChildren(h("p", { class: "status", text: "The call was cancelled." }));
  void app.connect().then(() => followTheme(app));
}
