/**
 * The host as the cards use it, over the MCP Apps protocol (@modelcontextprotocol/ext-apps's App):
 * tool calls go to this server through the host, links open through the host, and the model hears
 * only what modelContext is given (ids and states: never a link, a value or a secret).
 */
import type { App } from "@modelcontextprotocol/ext-apps";

export interface ToolAnswer {
  ok: boolean;
  structured: unknown;
  /** The result's text: why it failed, when it did. */
  text: string;
}

export interface CardHost {
  callTool(name: string, args: Record<string, unknown>): Promise<ToolAnswer>;
  /** Asks the host to open the link; false when it refused or cannot. */
  openLink(url: string): Promise<boolean>;
  /** Tells the model what the person did in the card, where the host allows it. */
  tellModel(text: string): Promise<void>;
}

export function cardHost(app: App): CardHost {
  return {
    async callTool(name, args) {
      try {
        const result = await app.callServerTool({ name, arguments: args });
        const text = result.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
        return { ok: result.isError !== true, structured: result.structuredContent, text };
      } catch (error) {
        return { ok: false, structured: undefined, text: error instanceof Error ? error.message : String(error) };
      }
    },
    async openLink(url) {
      try {
        return (await app.openLink({ url })).isError !== true;
      } catch {
        return false;
      }
    },
    async tellModel(text) {
      if (!app.getHostCapabilities()?.updateModelContext) return;
      await app.updateModelContext({ content: [{ type: "text", text }] }).catch(() => undefined);
    },
  };
}

/** Follows the host's light or dark theme. */
export function followTheme(app: App): void {
  const apply = () => {
    const theme = app.getHostContext()?.theme;
    if (theme) document.documentElement.dataset.theme = theme;
  };
  app.onhostcontextchanged = apply;
  apply();
}
