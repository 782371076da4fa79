#!/usr/bin/env node
/**
 * The cold-start reference: the smallest useful MCP server on the same SDK line (v2), one tool,
 * over stdio, served the way cyclr-mcp is (serveStdio: a 2025-11-25 client initializes, a
 * 2026-07-28 one discovers). cyclr-mcp's start-up is measured against this.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

serveStdio(() => {
  const server = new McpServer({ name: "reference", version: "1.0.0" });
  server.registerTool("echo", { description: "Echo the text.", inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  return server;
});
