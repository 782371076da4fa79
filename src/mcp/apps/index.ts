/**
 * Cards for hosts that render MCP Apps (io.modelcontextprotocol/ui, SEP-1865). Everything here is
 * registered disabled and shown only once the client has said, in initialize, that it renders
 * them: a client without the extension lists the same tools, with no _meta, and no ui:// resource.
 *
 * The metadata is written here from the extension's spec, with its constants and capability check
 * from @modelcontextprotocol/ext-apps/server: its registerAppTool and registerAppResource set _meta
 * at registration, before the client's capabilities are known, so they do not fit a server that
 * must answer two kinds of client alike.
 */
import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDefinition } from "../tool.js";
import { clientShowsCards } from "./capability.js";
import { CARD_MIME_TYPE, CARD_RESOURCE_META, CARDS, readCardHtml, toolUiMeta } from "./cards.js";

export { CARD_TOOLS } from "./tools/index.js";

export interface RegisteredToolOf {
  tool: ToolDefinition;
  registered: RegisteredTool;
}

/** How a card resource answers resources/read (server.ts's reader shape). */
export interface CardReader {
  match(uri: string): Record<string, string> | undefined;
  read(uri: URL): Promise<{ contents: { uri: string; mimeType: string; text: string; _meta: Record<string, unknown> }[] }>;
}

/**
 * Prepares the cards of the tools registered (those with `ui`), and shows them when the client
 * that initializes advertises the extension. Returns the readers of the ui:// resources, which
 * answer only once the cards are shown.
 */
export function offerCards(server: McpServer, tools: readonly RegisteredToolOf[]): CardReader[] {
  const withCards = tools.filter(({ tool }) => tool.ui);
  // The card helpers are hidden from clients without cards, like everything else here.
  for (const { tool, registered } of withCards) if (tool.ui?.visibility?.includes("model") === false) registered.disable();
  const used = new Set(withCards.filter(({ tool }) => tool.ui?.visibility?.includes("model") !== false).map(({ tool }) => tool.ui?.card));
  const cards = CARDS.filter((card) => used.has(card.name));
  let shown = false;
  const resources = cards.map((card) => {
    const resource = server.registerResource(
      card.name,
      card.uri,
      { title: card.title, description: card.description, mimeType: CARD_MIME_TYPE, _meta: CARD_RESOURCE_META },
      async (uri) => ({ contents: [{ uri: uri.href, mimeType: CARD_MIME_TYPE, text: await readCardHtml(card.name), _meta: CARD_RESOURCE_META }] }),
    );
    resource.disable();
    return resource;
  });

  const previous = server.server.oninitialized;
  server.server.oninitialized = () => {
    previous?.();
    if (shown || !clientShowsCards(server.server.getClientCapabilities())) return;
    shown = true;
    for (const { tool, registered } of withCards) {
      if (!tool.ui) continue;
      // Only the helpers are enabled here: whether a model-facing tool is offered is the caller's scope's to say.
      const helper = tool.ui.visibility?.includes("model") === false;
      registered.update({ _meta: toolUiMeta(tool.ui.card, tool.ui.visibility), ...(helper && { enabled: true }) });
    }
    for (const resource of resources) resource.enable();
  };

  return cards.map((card) => ({
    match: (uri) => (shown && uri === card.uri ? {} : undefined),
    read: async (uri) => ({ contents: [{ uri: uri.href, mimeType: CARD_MIME_TYPE, text: await readCardHtml(card.name), _meta: CARD_RESOURCE_META }] }),
  }));
}
