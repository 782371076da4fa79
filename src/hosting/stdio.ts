/**
 * MCP over stdio: stdout carries only the protocol; resolves when the client goes away. The SDK's
 * serveStdio decides the revision from the client's first message: a 2025-11-25 client
 * (initialize) is served as before, a 2026-07-28 client (server/discover, per-request _meta) gets
 * that revision. One server from the factory serves the connection either way.
 */
import { serveStdio as serveStdioEntry } from "@modelcontextprotocol/server/stdio";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import type { InputRounds } from "../mcp/input-rounds.js";
import { createServer, type ServerHandle, type ToolSelection } from "../mcp/server.js";
import type { ServerDeps } from "../mcp/tool.js";

export async function serveStdio(options: { deps: ServerDeps; redactor: Redactor; logger: Logger; selection?: ToolSelection; inputRounds?: InputRounds }): Promise<void> {
  const servers: ServerHandle[] = [];
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    // The transport closes when the client closes stdin (or the pipe breaks).
    process.stdin.once("end", () => resolve());
    process.stdin.once("close", () => resolve());
  });
  const entry = serveStdioEntry(
    () => {
      const handle = createServer(options);
      servers.push(handle);
      return handle.server;
    },
    {
      legacy: "serve",
      transport,
      onerror: (error) => options.logger.warn("protocol error", { error: options.redactor.text(error.message) }),
    },
  );
  await closed;
  // Stops background work (watching for a sign-in) as well; closing twice is harmless.
  await entry.close().catch(() => undefined);
  await Promise.allSettled(servers.map((handle) => handle.close()));
}
