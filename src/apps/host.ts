/**
 * The host as the cards use it, over the MCP Apps protocol (@modelcontextprotocol/ext-apps's App):
 * tool calls go to this server through the host, links open through the host, and the model hears
 * only what modelContext is given (ids and states: never a link, a value or a secret).
 */
import { applyDocumentTheme, applyHostStyleVariables, type App, type McpUiStyleVariableKey, type McpUiStyles } from "@modelcontextprotocol/ext-apps";

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

/** What a card says when the host would not open a page for the person. */
export const NOT_OPENED = "Your chat app did not open the page. Try again, or ask the assistant for the link.";

/**
 * Opens the page a link tool answered with; true when the host opened it, or when the answer holds
 * no link (the client opened it already). The link lives in this call only: opened, then dropped.
 */
export async function openAnsweredLink(host: CardHost, answer: ToolAnswer): Promise<boolean> {
  const url = (answer.structured as { url?: unknown } | undefined)?.url;
  return typeof url === "string" ? host.openLink(url) : true;
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

/**
 * Follows the host's light or dark theme and its style variables (the host context's `theme` and
 * `styles.variables`, SEP-1865): card.css reads the variables where the host sets them and keeps
 * its own colours for the rest. A variable the host stops sending is removed, so that the card
 * never mixes an old palette's colours with a new one's.
 */
export function followTheme(app: App): void {
  let applied: string[] = [];
  const apply = () => {
    const context = app.getHostContext();
    if (context?.theme) applyDocumentTheme(context.theme);
    // Hosts send any subset of the variables (the type lists them all, each possibly undefined).
    const variables: Partial<McpUiStyles> = context?.styles?.variables ?? {};
    const given = Object.keys(variables).filter((name) => variables[name as McpUiStyleVariableKey] !== undefined);
    const root = document.documentElement;
    for (const name of applied) if (!given.includes(name)) root.style.removeProperty(name);
    applyHostStyleVariables(variables as McpUiStyles, root);
    applied = given;
  };
  app.onhostcontextchanged = apply;
  apply();
}
