/**
 * Whether a client shows MCP Apps: the one test, so that a client without the extension sees no change.
 * Written from the extension's spec rather than imported from @modelcontextprotocol/ext-apps/server:
 * loading that module costs every start-up about 16 ms for a constant and a property read (a unit
 * test checks both agree with the package's own).
 */
/** The extension's name in capabilities.extensions (io.modelcontextprotocol/ui, SEP-1865). */
export const UI_EXTENSION = "io.modelcontextprotocol/ui";
/** The MIME type of an MCP App's HTML resource. */
export const CARD_MIME_TYPE = "text/html;profile=mcp-app";

/**
 * True when the client advertised io.modelcontextprotocol/ui in capabilities.extensions and, if it
 * lists the kinds of card it renders, ours (text/html;profile=mcp-app) among them.
 */
export function clientShowsCards(capabilities: object | null | undefined): boolean {
  const extensions = (capabilities as { extensions?: Record<string, unknown> } | undefined)?.extensions;
  const ui = extensions?.[UI_EXTENSION];
  if (!ui || typeof ui !== "object") return false;
  const { mimeTypes } = ui as { mimeTypes?: unknown };
  return !Array.isArray(mimeTypes) || mimeTypes.includes(CARD_MIME_TYPE);
}
