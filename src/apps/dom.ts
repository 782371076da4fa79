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
