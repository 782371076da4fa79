/**
 * Cards for hosts that render MCP Apps (io.modelcontextprotocol/ui, SEP-1865), shown only to a
 * client that says it renders them: on 2025-11-25 in initialize, on 2026-07-28 in the request's
 * own _meta. A client without the extension lists the same tools, with no _meta, no card helper
 * and no ui:// resource. Decided per request (server.ts lists tools and resources through here),
 * so one server answers both kinds of client alike.
 *
 * The metadata is written here from the extension's spec: @modelcontextprotocol/ext-apps/server's
 * registerAppTool and registerAppResource set _meta at registration, before anything is known of
 * the client.
 */
import type { ToolDefinition } from "../tool.js";
import { CARD_MIME_TYPE, CARD_RESOURCE_META, CARDS, readCardHtml, toolUiMeta, type CardDefinition } from "./cards.js";

export { CARD_TOOLS } from "./tools/index.js";
export { clientShowsCards } from "./capability.js";

/** A card resource as resources/list gives it. */
export interface ListedCard {
  uri: string;
  name: string;
  title: string;
  description: string;
  mimeType: string;
  _meta: Record<string, unknown>;
}

/** The cards of the tools a server offers. */
export class Cards {
  private readonly cards: readonly CardDefinition[];

  constructor(tools: readonly ToolDefinition[]) {
    // Only the cards a model-facing tool shows: a helper alone brings none.
    const used = new Set(tools.filter((tool) => tool.ui && !isCardHelper(tool)).map((tool) => tool.ui?.card));
    this.cards = CARDS.filter((card) => used.has(card.name));
  }

  /** Whether a tool is listed: a card helper only to a client that shows cards. */
  listed(tool: ToolDefinition, shown: boolean): boolean {
    return shown || !isCardHelper(tool);
  }

  /** The _meta a tool is listed with: its card, for a client that shows cards. */
  toolMeta(tool: ToolDefinition, shown: boolean): Record<string, unknown> | undefined {
    return shown && tool.ui ? toolUiMeta(tool.ui.card, tool.ui.visibility) : undefined;
  }

  /** The ui:// resources, for a client that shows cards. */
  resources(shown: boolean): ListedCard[] {
    if (!shown) return [];
    return this.cards.map((card) => ({ uri: card.uri, name: card.name, title: card.title, description: card.description, mimeType: CARD_MIME_TYPE, _meta: CARD_RESOURCE_META }));
  }

  /** Reads a card, for a client that shows cards; undefined when the uri is none of them. */
  read(uri: string, shown: boolean): Promise<{ contents: { uri: string; mimeType: string; text: string; _meta: Record<string, unknown> }[] }> | undefined {
    const card = shown ? this.cards.find((c) => c.uri === uri) : undefined;
    if (!card) return undefined;
    return readCardHtml(card.name).then((text) => ({ contents: [{ uri: card.uri, mimeType: CARD_MIME_TYPE, text, _meta: CARD_RESOURCE_META }] }));
  }
}

/** A tool only the cards call (visibility ["app"]). */
export function isCardHelper(tool: ToolDefinition): boolean {
  return tool.ui?.visibility?.includes("model") === false;
}
