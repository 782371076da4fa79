/** Spawns the built server (dist/cli.js) and connects the SDK's Client to it over stdio. */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import type { Sandbox } from "../src/sandbox/index.js";

export { fillCredentialPage } from "../src/sandbox/consent-driver.js";

export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export interface ServerUnderTest {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  args?: string[];
  /** What the client declares it can do (elicitation, say). */
  capabilities?: ClientCapabilities;
  /** Registers the client's handlers (elicitation answers, notifications) before it connects. */
  prepare?: (client: Client) => void;
}

export async function spawnServer(options: SpawnOptions = {}): Promise<ServerUnderTest> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...(options.args ?? [])],
    env: { ...getDefaultEnvironment(), ...options.env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "cyclr-mcp-tests", version: "0.0.0" }, { capabilities: options.capabilities ?? {} });
  options.prepare?.(client);
  await client.connect(transport);
  // Listing the tools makes the client check every later result's structuredContent against its outputSchema.
  await client.listTools();
  return {
    client,
    stderr: () => stderr,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: () => client.close(),
  };
}

/** Environment that points the server at a sandbox with its partner client credentials. */
export function sandboxEnv(sandbox: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CYCLR_API_URL: sandbox.url,
    CYCLR_CLIENT_ID: sandbox.clientId,
    CYCLR_CLIENT_SECRET: sandbox.clientSecret,
    CYCLR_ACCOUNT_ID: sandbox.accountId,
    CYCLR_SERVICE_DOMAIN: sandbox.serviceDomainUrl,
    CYCLR_LOG_LEVEL: "debug",
    ...extra,
  };
}

export function text(result: CallToolResult): string {
  return result.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read structuredContent freely
export function structured(result: CallToolResult): any {
  if (result.isError) throw new Error(`tool failed: ${text(result)}`);
  return result.structuredContent;
}

