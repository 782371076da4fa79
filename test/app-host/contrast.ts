/**
 * Runs inside a card's frame (bundled by esbuild and evaluated there by the test host): the
 * contrast of every visible text against what is drawn behind it, by WCAG 2's formula. Colours
 * come from the computed styles, read back through a canvas so that any CSS colour a host palette
 * uses (hex, rgb, hsl, oklch) turns into sRGB; semi-transparent backgrounds are laid over what is
 * beneath them, and a text's opacity over its background.
 */

import type { TextContrast } from "./contrast-types.js";

type Rgba = [number, number, number, number];

declare global {
  interface Window {
    cardTextContrasts(): TextContrast[];
  }
}

window.cardTextContrasts = () => {
  const canvas = document.createElement("canvas");
  canvas.width = 1;
  canvas.height = 1;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new Error("no 2d canvas");
  const rgba = (css: string): Rgba => {
    context.clearRect(0, 0, 1, 1);
    context.fillStyle = "#000";
    context.fillStyle = css;
    context.fillRect(0, 0, 1, 1);
    const [r = 0, g = 0, b = 0, a = 0] = context.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top: Rgba, below: Rgba): Rgba => {
    const a = top[3];
    return [top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a), 1];
  };
  const luminance = ([r, g, b]: Rgba) =>
    [r, g, b].map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4)).reduce((sum, c, i) => sum + c * ([0.2126, 0.7152, 0.0722][i] ?? 0), 0);
  const ratio = (a: Rgba, b: Rgba) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return Math.round(((light + 0.05) / (dark + 0.05)) * 100) / 100;
  };
  const hex = (c: Rgba) => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;

  /** What is painted behind an element: its own and its ancestors' backgrounds, laid from the page's white up. */
  const backgroundOf = (element: Element): Rgba => {
    const layers: Rgba[] = [];
    for (let at: Element | null = element; at; at = at.parentElement) {
      const colour = rgba(getComputedStyle(at).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    return layers.reverse().reduce<Rgba>((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  const opacityOf = (element: Element): number => {
    let opacity = 1;
    for (let at: Element | null = element; at; at = at.parentElement) opacity *= Number(getComputedStyle(at).opacity);
    return opacity;
  };
  const where = (element: Element, kind: string) => `${element.tagName.toLowerCase()}${element.className ? `.${String(element.className).replaceAll(" ", ".")}` : ""} (${kind})`;
  const measure = (element: Element, text: string, colour: string, kind: string): TextContrast => {
    const background = backgroundOf(element);
    const fg = rgba(colour);
    const seen = over([fg[0], fg[1], fg[2], fg[3] * opacityOf(element)], background);
    return { text: text.slice(0, 60), where: where(element, kind), ratio: ratio(seen, background), color: hex(seen), background: hex(background) };
  };

  const found: TextContrast[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent?.trim() ?? "";
    const element = node.parentElement;
    if (!text || !element || element.closest("script, style, option")) continue;
    // Laid out and not hidden: a text in a closed <details> or a display:none box has no boxes.
    const range = document.createRange();
    range.selectNodeContents(node);
    if (range.getClientRects().length === 0 || !element.checkVisibility({ visibilityProperty: true })) continue;
    found.push(measure(element, text, getComputedStyle(element).color, "text"));
  }
  for (const field of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) {
    if (field.getClientRects().length === 0 || !field.checkVisibility({ visibilityProperty: true })) continue;
    const value = field instanceof HTMLSelectElement ? (field.selectedOptions[0]?.text ?? "") : field.value;
    if (value) found.push(measure(field, value, getComputedStyle(field).color, "value"));
    else if (field instanceof HTMLInputElement && field.placeholder) found.push(measure(field, field.placeholder, getComputedStyle(field, "::placeholder").color, "placeholder"));
  }
  return found;
};
