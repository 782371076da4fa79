/**
 * The server factory: registers every tool and resource from their definitions, with one error
 * mapping and one redactor. Transports live in hosting/.
 */
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { VERSION } from "../version.js";
import { describeError } from "./errors.js";
import { INSTRUCTIONS } from "./instructions.js";
import { RESOURCES } from "./resources/index.js";
import type { ResourceDefinition } from "./resources/resource.js";
import type { ToolDefinition, ServerDeps } from "./tool.js";
import { TOOLS } from "./tools/index.js";

export interface ServerOptions {
  deps: ServerDeps;
  redactor: Redactor;
  logger: Logger;
}

export function createServer({ deps, redactor, logger }: ServerOptions): { server: McpServer; close: () => Promise<void> } {
  const server = new McpServer(
    { name: "cyclr-mcp", title: "Cyclr connector setup", version: VERSION },
    { instructions: INSTRUCTIONS },
  );
  // Malformed input from the client (a line that is not JSON-RPC, say) is reported, not fatal.
  server.server.onerror = (error) => logger.warn("protocol error", { error: redactor.text(error.message) });
  for (const tool of TOOLS) registerTool(server, tool as unknown as ToolDefinition, deps, redactor, logger);
  for (const resource of RESOURCES) registerResource(server, resource, deps, redactor, logger);
  return { server, close: () => server.close() };
}

function registerTool(server: McpServer, tool: ToolDefinition, deps: ServerDeps, redactor: Redactor, logger: Logger): void {
  const handle = tool.handler(deps);
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: { title: tool.title, ...tool.annotations },
    },
    async (args: Record<string, unknown>, extra): Promise<CallToolResult> => {
      const typedArgs = args as z.output<z.ZodObject<z.ZodRawShape>>;
      const callRedactor = tool.secrets ? redactor.with(tool.secrets(typedArgs)) : redactor;
      const started = performance.now();
      try {
        const result = await handle(typedArgs, { signal: extra.signal });
        logger.debug("tool call", { tool: tool.name, ms: Math.round(performance.now() - started) });
        return {
          content: [{ type: "text", text: callRedactor.text(result.text) }],
          structuredContent: callRedactor.value(result.structuredContent) as Record<string, unknown>,
        };
      } catch (error) {
        const described = describeError(error);
        if (described === undefined) {
          // A bug, not a Cyclr or input problem: keep the stack for whoever reads the log.
          logger.error("tool call failed unexpectedly", { tool: tool.name, error: callRedactor.text(error instanceof Error ? (error.stack ?? error.message) : String(error)) });
        } else {
          logger.warn("tool call failed", { tool: tool.name, error: callRedactor.text(described) });
        }
        const text = described ?? `The ${tool.name} tool failed unexpectedly. The details are in the server's log; try again, or report it.`;
        return { content: [{ type: "text", text: callRedactor.text(text) }], isError: true };
      }
    },
  );
}

function registerResource(server: McpServer, resource: ResourceDefinition, deps: ServerDeps, redactor: Redactor, logger: Logger): void {
  const read = resource.read(deps);
  const metadata = { title: resource.title, description: resource.description, mimeType: resource.mimeType };
  const contents = async (uri: URL, variables: Record<string, string>, signal: AbortSignal) => {
    try {
      const text = await read(variables, { signal });
      return { contents: [{ uri: uri.href, mimeType: resource.mimeType, text }] };
    } catch (error) {
      const described = describeError(error);
      logger.warn("resource read failed", { uri: uri.href, error: redactor.text(error instanceof Error ? error.message : String(error)) });
      throw new McpError(ErrorCode.InternalError, redactor.text(described ?? `Reading ${uri.href} failed unexpectedly; see the server's log.`));
    }
  };
  if (resource.uri) {
    server.registerResource(resource.name, resource.uri, metadata, (uri, extra) => contents(uri, {}, extra.signal));
  } else if (resource.uriTemplate) {
    const template = new ResourceTemplate(resource.uriTemplate, { list: undefined });
    server.registerResource(resource.name, template, metadata, (uri, variables, extra) =>
      contents(uri, Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? "") : v])), extra.signal),
    );
  }
}
