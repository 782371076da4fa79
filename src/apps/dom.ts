/** A few DOM helpers for the cards. Text is always set as text, never as HTML: a connector's name may be anything. */

type Child = Node | string | false | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string; attrs?: Record<string, string> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  for (const child of children) if (child !== false && child !== undefined) element.append(child);
  return element;
}

/** An icon from a data URI, or a letter tile when there is none (the CSP allows images from data: only). */
export function iconOf(name: string, icon: string | undefined): HTMLElement {
  if (icon?.startsWith("data:image/")) return h("img", { class: "icon", attrs: { src: icon, alt: "" } });
  return h("span", { class: "icon letter", text: (name.trim()[0] ?? "?").toUpperCase(), attrs: { "aria-hidden": "true" } });
}

/** A card's header: its icon, its title and, under it, the account's name when known. */
export function cardHeader(title: string, icon: string | undefined, subtitle: string | undefined): HTMLElement {
  return h("header", {}, iconOf(title, icon), h("span", { class: "grow" }, h("h1", { text: title }), subtitle ? h("small", { class: "account", text: subtitle }) : undefined));
}

/** A checklist: each step done, current or to do. */
export function stepList(steps: readonly { key: string; label: string; status: string }[]): HTMLElement {
  return h("ol", { class: "steps" }, ...steps.map((s) => h("li", { class: s.status, text: s.label, attrs: { "data-step": s.key, "aria-current": s.status === "current" ? "step" : "false" } })));
}

/** "Details for support", closed until opened: the ids a support person asks for. `open` keeps its state across redraws. */
export function supportBlock(rows: readonly { label: string; value: string }[], open: { value: boolean }): HTMLElement {
  const details = h("details", { class: "support" }, h("summary", { text: "Details for support" }), h("dl", {}, ...rows.flatMap((d) => [h("dt", { text: d.label }), h("dd", { text: d.value })])));
  details.open = open.value;
  details.addEventListener("toggle", () => (open.value = details.open));
  return details;
}
