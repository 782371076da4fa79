/** MCP over stdio: stdout carries only the protocol; resolves when the client goes away. */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { createServer, type ToolSelection } from "../mcp/server.js";
import type { ServerDeps } from "../mcp/tool.js";

export async function serveStdio(options: { deps: ServerDeps; redactor: Redactor; logger: Logger; selection?: ToolSelection }): Promise<void> {
  const { server, close } = createServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The SDK's stdio transport does not notice the client closing stdin: do it here.
    process.stdin.once("end", () => void close().finally(resolve));
  });
  await server.connect(transport);
  await closed;
  // Stops background work (watching for a sign-in) as well; closing twice is harmless.
  await close().catch(() => undefined);
}
