/**
 * The browser half of the test host (test/app-host/index.ts is the Node half): ext-apps's AppBridge
 * renders a card in a sandboxed iframe (scripts only, an opaque origin) and speaks the MCP Apps
 * protocol with it over postMessage. What the card asks for (tools/call, ui/open-link, model
 * context, messages) is handed to functions the Node half exposes; every message either way is
 * recorded there too. Bundled by esbuild when the tests start; runs in the test's Chromium only.
 */
import { AppBridge, PostMessageTransport, type McpUiHostContext } from "@modelcontextprotocol/ext-apps/app-bridge";
import type { CallToolResult } from "@modelcontextprotocol/client";

interface HostFunctions {
  /** `at` is this page's clock (a test may run it fake), when the card made the call. */
  hostCallTool(name: string, args: Record<string, unknown>, at: number): Promise<CallToolResult>;
  hostOpenLink(url: string): Promise<boolean>;
  hostModelContext(text: string): Promise<void>;
  hostMessage(text: string): Promise<void>;
  hostRecord(direction: "to-card" | "from-card", message: string): Promise<void>;
}

declare global {
  interface Window extends HostFunctions {
    showCard(html: string, toolArguments: Record<string, unknown>, result: CallToolResult, hostContext: McpUiHostContext): Promise<void>;
    /** Changes the host context (theme, style variables) the way a host does: the card hears what changed. */
    setHostContext(hostContext: McpUiHostContext): void;
  }
}

const textOf = (content: readonly { type: string; text?: string }[] | undefined) => (content ?? []).map((c) => c.text ?? "").join("\n");

let current: AppBridge | undefined;

window.setHostContext = (hostContext) => {
  if (!current) throw new Error("no card is shown");
  current.setHostContext(hostContext);
};

window.showCard = async (html, toolArguments, result, hostContext) => {
  document.getElementById("card")?.remove();
  const iframe = document.createElement("iframe");
  iframe.id = "card";
  iframe.setAttribute("sandbox", "allow-scripts");
  iframe.style.cssText = "width: 560px; height: 640px; border: 1px solid #d9dce1; border-radius: 12px;";
  document.body.append(iframe);
  const frame = iframe.contentWindow;
  if (!frame) throw new Error("no frame");

  const bridge = new AppBridge(
    null,
    { name: "cyclr-mcp test host", version: "0.0.0" },
    { openLinks: {}, serverTools: {}, updateModelContext: { text: {} }, message: { text: {} }, logging: {} },
    { hostContext },
  );
  current = bridge;
  bridge.oncalltool = (params) => window.hostCallTool(params.name, params.arguments ?? {}, Date.now());
  bridge.onopenlink = async ({ url }) => ((await window.hostOpenLink(url)) ? {} : { isError: true });
  bridge.onupdatemodelcontext = async ({ content }) => {
    await window.hostModelContext(textOf(content as { type: string; text?: string }[]));
    return {};
  };
  bridge.onmessage = async ({ content }) => {
    await window.hostMessage(textOf(content as { type: string; text?: string }[]));
    return {};
  };
  // As hosts do: the frame takes the height the card asks for (ext-apps's autoResize).
  bridge.onsizechange = ({ height }) => {
    if (height !== undefined) iframe.style.height = `${Math.min(Math.max(height, 120), 900)}px`;
  };
  const initialized = new Promise<void>((resolve) => (bridge.oninitialized = () => resolve()));

  const transport = new PostMessageTransport(frame, frame);
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    await window.hostRecord("to-card", JSON.stringify(message));
    return send(message, options);
  };
  window.addEventListener("message", (event) => {
    if (event.source === frame) void window.hostRecord("from-card", JSON.stringify(event.data));
  });
  await bridge.connect(transport);
  iframe.srcdoc = html;
  await initialized;
  await bridge.sendToolInput({ arguments: toolArguments });
  await bridge.sendToolResult(result);
};
