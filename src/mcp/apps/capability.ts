/** Whether a client shows MCP Apps: the one test, so that a client without the extension sees no change. */
import { getUiCapability, RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";

/**
 * True when the client advertised io.modelcontextprotocol/ui in capabilities.extensions and, if it
 * lists the kinds of card it renders, ours (text/html;profile=mcp-app) among them.
 */
export function clientShowsCards(capabilities: ClientCapabilities | undefined): boolean {
  const ui = getUiCapability(capabilities);
  if (!ui || typeof ui !== "object") return false;
  return !Array.isArray(ui.mimeTypes) || ui.mimeTypes.includes(RESOURCE_MIME_TYPE);
}
