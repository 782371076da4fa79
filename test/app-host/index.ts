/**
 * A test host for the cards, as a host that renders MCP Apps would be: the SDK Client (connected
 * to the built server, advertising io.modelcontextprotocol/ui) plays the model's side and the
 * host's connection; a Chromium page (test/app-host/page.ts, with ext-apps's AppBridge) renders
 * the card. The host forwards the card's tool calls to the server (only to tools whose visibility
 * allows the card, as the spec asks of hosts), and records the links it asks to open, what it
 * tells the model, and every message between card and host.
 */
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { build } from "esbuild";
import type { Browser, FrameLocator, Page } from "playwright-core";

export const UI_EXTENSION = { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } };

export interface CardHostUnderTest {
  page: Page;
  /** The card, inside its sandboxed iframe. */
  card: FrameLocator;
  /** What the model was given: the results of the calls it made, and what the card told it. */
  modelVisible: string[];
  /** Links the card asked the host to open. */
  openedLinks: string[];
  /** ui/update-model-context and ui/message texts from the card. */
  toldModel: string[];
  /** Every JSON-RPC message between host and card. */
  traffic: { direction: "to-card" | "from-card"; message: string }[];
  /** The tool calls the card made through the host. */
  cardCalls: { name: string; args: Record<string, unknown> }[];
  /** The model calls a tool; the host renders its card beside the result. */
  modelCalls(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

let pageScript: Promise<string> | undefined;
function hostPageScript(): Promise<string> {
  pageScript ??= build({
    entryPoints: [fileURLToPath(new URL("./page.ts", import.meta.url))],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "warning",
  }).then((result) => result.outputFiles[0]?.text ?? "");
  return pageScript;
}

function uiOf(tool: Tool | undefined): { resourceUri?: string; visibility?: string[] } | undefined {
  return (tool?._meta as { ui?: { resourceUri?: string; visibility?: string[] } } | undefined)?.ui;
}

export async function openCardHost(browser: Browser, client: Client): Promise<CardHostUnderTest> {
  const { tools } = await client.listTools();
  const page = await browser.newPage({ viewport: { width: 640, height: 720 } });
  const host: CardHostUnderTest = {
    page,
    card: page.frameLocator("#card"),
    modelVisible: [],
    openedLinks: [],
    toldModel: [],
    traffic: [],
    cardCalls: [],
    modelCalls: async (name, args = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      host.modelVisible.push(JSON.stringify(result));
      const uri = uiOf(tools.find((t) => t.name === name))?.resourceUri;
      if (!uri) throw new Error(`${name} shows no card`);
      const read = await client.readResource({ uri });
      const html = read.contents[0] && "text" in read.contents[0] ? read.contents[0].text : "";
      await page.evaluate(([h, a, r]) => (globalThis as unknown as ShowCard).showCard(h, a, r), [html, args, result] as const);
      return result;
    },
    close: () => page.close(),
  };
  await page.exposeFunction("hostCallTool", async (name: string, args: Record<string, unknown>): Promise<CallToolResult> => {
    host.cardCalls.push({ name, args });
    const visibility = uiOf(tools.find((t) => t.name === name))?.visibility ?? ["model", "app"];
    if (!tools.some((t) => t.name === name) || !visibility.includes("app")) {
      return { content: [{ type: "text", text: `The host does not let the card call ${name}.` }], isError: true };
    }
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  });
  await page.exposeFunction("hostOpenLink", (url: string) => {
    host.openedLinks.push(url);
    return true;
  });
  await page.exposeFunction("hostModelContext", (text: string) => {
    host.toldModel.push(text);
    host.modelVisible.push(text);
  });
  await page.exposeFunction("hostMessage", (text: string) => {
    host.toldModel.push(text);
    host.modelVisible.push(text);
  });
  await page.exposeFunction("hostRecord", (direction: "to-card" | "from-card", message: string) => {
    host.traffic.push({ direction, message });
  });
  await page.setContent(`<!doctype html><html><head><title>Test host</title></head><body style="margin:16px;font-family:sans-serif"></body></html>`);
  await page.addScriptTag({ content: await hostPageScript() });
  return host;
}

/** What page.ts puts on the page's window. */
interface ShowCard {
  showCard(html: string, toolArguments: Record<string, unknown>, result: CallToolResult): Promise<void>;
}
