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
import type { McpUiHostContext } from "@modelcontextprotocol/ext-apps/app-bridge";
import { build } from "esbuild";
import type { Browser, FrameLocator, Page } from "playwright-core";
import type { TextContrast } from "./contrast-types.js";

export type { TextContrast };

export const UI_EXTENSION = { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } };

/** A call the card made through the host; `at` is the page's clock then (fake when the test runs one). */
export interface CardCall {
  name: string;
  args: Record<string, unknown>;
  at: number;
}

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
  cardCalls: CardCall[];
  /** Requests the card sent (tools/call, ui/open-link…) that the host has not answered yet, as the messages between them show. */
  unanswered(): number;
  /**
   * Answers the card's calls of one tool in the test's stead (undefined: forward as usual), as a
   * host in a test may: for a wait whose time the test runs on the page's fake clock, say.
   */
  answerCardCalls(name: string, answer: ((args: Record<string, unknown>) => Promise<CallToolResult>) | undefined): void;
  /** The next link the card asks to open is refused, as a host whose pop-up was blocked. */
  refuseNextLink(): void;
  /** The model calls a tool; the host renders its card beside the result. */
  modelCalls(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** The host's theme and style variables change (ui/notifications/host-context-changed). */
  setHostContext(context: McpUiHostContext): Promise<void>;
  /** The contrast of every visible text of the card, measured in its frame. */
  textContrasts(): Promise<TextContrast[]>;
  close(): Promise<void>;
}

export interface CardHostOptions {
  /** The host context the card starts with; a light theme with no palette by default. */
  hostContext?: McpUiHostContext;
  /** Runs the page on Playwright's fake clock, paused at this time: the test moves it on. */
  pausedClockAt?: Date;
}

const scripts = new Map<string, Promise<string>>();
function bundled(file: string): Promise<string> {
  let script = scripts.get(file);
  if (!script) {
    script = build({
      entryPoints: [fileURLToPath(new URL(file, import.meta.url))],
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "warning",
    }).then((result) => result.outputFiles[0]?.text ?? "");
    scripts.set(file, script);
  }
  return script;
}

function uiOf(tool: Tool | undefined): { resourceUri?: string; visibility?: string[] } | undefined {
  return (tool?._meta as { ui?: { resourceUri?: string; visibility?: string[] } } | undefined)?.ui;
}

export async function openCardHost(browser: Browser, client: Client, options: CardHostOptions = {}): Promise<CardHostUnderTest> {
  const { tools } = await client.listTools();
  const page = await browser.newPage({ viewport: { width: 640, height: 720 } });
  if (options.pausedClockAt) {
    // Installed a minute earlier: its time runs until paused, and a pause cannot go back.
    await page.clock.install({ time: options.pausedClockAt.getTime() - 60_000 });
    await page.clock.pauseAt(options.pausedClockAt);
  }
  let hostContext: McpUiHostContext = options.hostContext ?? { theme: "light", displayMode: "inline", platform: "web", locale: "en" };
  const answers = new Map<string, (args: Record<string, unknown>) => Promise<CallToolResult>>();
  let refuseLink = false;
  /** Ids of the card's requests not answered yet (from the recorded messages). */
  const open = new Set<string>();
  const cardFrame = async () => {
    const frame = await (await page.$("#card"))?.contentFrame();
    if (!frame) throw new Error("no card is shown");
    return frame;
  };
  const host: CardHostUnderTest = {
    page,
    card: page.frameLocator("#card"),
    modelVisible: [],
    openedLinks: [],
    toldModel: [],
    traffic: [],
    cardCalls: [],
    unanswered: () => open.size,
    answerCardCalls: (name, answer) => {
      if (answer) answers.set(name, answer);
      else answers.delete(name);
    },
    refuseNextLink: () => {
      refuseLink = true;
    },
    modelCalls: async (name, args = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      host.modelVisible.push(JSON.stringify(result));
      const uri = uiOf(tools.find((t) => t.name === name))?.resourceUri;
      if (!uri) throw new Error(`${name} shows no card`);
      const read = await client.readResource({ uri });
      const html = read.contents[0] && "text" in read.contents[0] ? read.contents[0].text : "";
      // Passed as plain JSON: Playwright's type of an evaluate argument is too deep for the host context's type.
      const shown: [string, unknown, unknown, unknown] = [html, args, result, hostContext];
      await page.evaluate(([h, a, r, c]) => (globalThis as unknown as ShowCard).showCard(h, a, r, c), shown);
      return result;
    },
    setHostContext: async (context) => {
      hostContext = context;
      await page.evaluate((c) => (globalThis as unknown as ShowCard).setHostContext(c), context as unknown);
    },
    textContrasts: async () => {
      const frame = await cardFrame();
      await frame.evaluate(await bundled("./contrast.ts"));
      return frame.evaluate("window.cardTextContrasts()") as Promise<TextContrast[]>;
    },
    close: () => page.close(),
  };
  await page.exposeFunction("hostCallTool", async (name: string, args: Record<string, unknown>, at: number): Promise<CallToolResult> => {
    host.cardCalls.push({ name, args, at });
    const visibility = uiOf(tools.find((t) => t.name === name))?.visibility ?? ["model", "app"];
    if (!tools.some((t) => t.name === name) || !visibility.includes("app")) {
      return { content: [{ type: "text", text: `The host does not let the card call ${name}.` }], isError: true };
    }
    const answer = answers.get(name);
    return answer ? await answer(args) : ((await client.callTool({ name, arguments: args })) as CallToolResult);
  });
  await page.exposeFunction("hostOpenLink", (url: string) => {
    host.openedLinks.push(url);
    const refused = refuseLink;
    refuseLink = false;
    return !refused;
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
    const { id, method } = JSON.parse(message) as { id?: string | number; method?: string };
    if (id === undefined) return;
    if (direction === "from-card" && method !== undefined) open.add(String(id));
    else if (direction === "to-card" && method === undefined) open.delete(String(id));
  });
  await page.setContent(`<!doctype html><html><head><title>Test host</title></head><body style="margin:16px;font-family:sans-serif"></body></html>`);
  await page.addScriptTag({ content: await bundled("./page.ts") });
  return host;
}

/** What page.ts puts on the page's window. */
interface ShowCard {
  showCard(html: string, toolArguments: unknown, result: unknown, hostContext: unknown): Promise<void>;
  setHostContext(hostContext: unknown): void;
}
