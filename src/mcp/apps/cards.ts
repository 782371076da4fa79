/**
 * The cards a host that renders MCP Apps shows beside a tool result: one ui:// resource each, one
 * self-contained HTML file made at build time (scripts/build-cards.mjs from src/apps/), so the card
 * needs nothing from any origin and the host can hold it to a CSP that allows nothing.
 */
import { readFile } from "node:fs/promises";
import { PACKAGE_ROOT } from "../../version.js";
import { CARD_MIME_TYPE } from "./capability.js";

export type CardName = "catalog-picker" | "setup-card";

export interface CardDefinition {
  name: CardName;
  uri: string;
  title: string;
  description: string;
}

export const CARDS: readonly CardDefinition[] = [
  {
    name: "catalog-picker",
    uri: "ui://cyclr/catalog-picker.html",
    title: "Connector picker",
    description: "The connectors list_connectors found, as cards with a filter box and an Install button; after an install it becomes the setup card.",
  },
  {
    name: "setup-card",
    uri: "ui://cyclr/setup-card.html",
    title: "Connector setup card",
    description:
      "An installed connector's setup as three steps (properties, authentication, ready): the missing non-secret properties to fill in, and one button for the next step.",
  },
];

export { CARD_MIME_TYPE };

/**
 * No domain of any kind: the card's script and styles are inline and its icons are data URIs, so
 * the host's CSP may allow no network, no frames and no other resources at all.
 */
export const CARD_RESOURCE_META = {
  ui: { csp: { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] }, prefersBorder: true },
} satisfies Record<string, unknown>;

export function cardDefinition(name: CardName): CardDefinition {
  const card = CARDS.find((c) => c.name === name);
  if (!card) throw new Error(`no card named ${name}`);
  return card;
}

/** The `_meta` of a tool that shows a card: the new key and the one older hosts read. */
export function toolUiMeta(card: CardName, visibility?: readonly ("model" | "app")[]): Record<string, unknown> {
  const { uri } = cardDefinition(card);
  return { ui: { resourceUri: uri, ...(visibility && { visibility: [...visibility] }) }, "ui/resourceUri": uri };
}

// From the package's folder, wherever this module runs from (the sources under vitest, dist/, or a chunk of the bundle).
const BUILT = new URL("dist/apps/", PACKAGE_ROOT);

/** The card's HTML, as `npm run build` wrote it. */
export async function readCardHtml(name: CardName): Promise<string> {
  try {
    return await readFile(new URL(`${name}.html`, BUILT), "utf8");
  } catch (error) {
    throw new Error(`The ${name} card is not built (dist/apps/${name}.html): run npm run build.`, { cause: error });
  }
}
