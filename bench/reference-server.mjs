#!/usr/bin/env node
/**
 * The cold-start reference: the smallest useful MCP server on the same SDK, one tool, over stdio.
 * cyclr-mcp's start-up is measured against this.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "reference", version: "1.0.0" });
server.registerTool("echo", { description: "Echo the text.", inputSchema: { text: z.string() } }, async ({ text }) => ({
  content: [{ type: "text", text }],
}));
await server.connect(new StdioServerTransport());
