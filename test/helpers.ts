/** Spawns the built server (dist/cli.js) and connects the SDK's Client to it over stdio. */
import { spawn } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult, ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import type { Sandbox } from "../src/sandbox/index.js";

export { fillCredentialPage } from "../src/sandbox/consent-driver.js";

export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** The model-facing tools, in the order a client lists them (the order of a setup), whichever revision it speaks. */
export const TOOL_NAMES = [
  "list_accounts",
  "create_account",
  "list_connectors",
  "list_account_connectors",
  "install_connector",
  "set_connector_properties",
  "create_credential_link",
  "authenticate_connector",
  "create_oauth_link",
  "get_account_connector",
  "list_templates",
  "install_template",
  "get_cycle",
  "set_step_value",
  "activate_cycle",
  "pause_cycle",
  "create_launch_link",
  "create_marketplace_link",
  "list_cycles",
  "get_cycle_activity",
  "reconnect_connector",
  "remove_account_connector",
];

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


/** A raw HTTP request (any Host header, any body), for what a client library would not send. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

export interface HttpServerUnderTest {
  /** The MCP endpoint, e.g. http://127.0.0.1:41234/mcp. */
  url: string;
  origin: string;
  stderr(): string;
  /** A connected SDK client, with these extra request headers (Authorization, X-Cyclr-Account). */
  connect(headers?: Record<string, string>): Promise<Client>;
  /** Closes the clients, sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Only sends the signal (clients stay connected) and resolves with the exit code. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Spawns the built CLI in hosted mode on a free loopback port and waits until it listens. */
export async function spawnHttpServer(options: { env?: Record<string, string>; args?: string[] } = {}): Promise<HttpServerUnderTest> {
  const child = spawn(process.execPath, [CLI, "--http", "--port", "0", ...(options.args ?? [])], {
    env: { ...getDefaultEnvironment(), ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const found = /serving MCP at (http:\/\/[^\s]+\/mcp)/.exec(stderr);
      if (found?.[1]) resolve(found[1]);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  const clients: Client[] = [];
  return {
    url,
    origin: new URL(url).origin,
    stderr: () => stderr,
    connect: async (headers = {}) => {
      const client = new Client({ name: "cyclr-mcp-tests", version: "0.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      await client.listTools();
      clients.push(client);
      return client;
    },
    kill: (signal) => {
      child.kill(signal);
      return exited;
    },
    stop: async (signal = "SIGTERM") => {
      await Promise.allSettled(clients.map((c) => c.close()));
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The 2026-07-28 revision's per-request envelope, as a client sends it in params._meta. */
export const MODERN_REVISION = "2026-07-28";

export interface ModernRequestOptions {
  /** Extra request headers (Authorization). */
  headers?: Record<string, string>;
  /** What the client says it can do, in this request's _meta. */
  capabilities?: Record<string, unknown>;
  /** A retry's answers and the state the server gave (input_required). */
  inputResponses?: Record<string, unknown>;
  requestState?: string;
}

/**
 * One raw 2026-07-28 request (what a client without the SDK sends): the _meta envelope and the
 * headers the revision requires. Resolves with the HTTP status and the JSON-RPC message answered
 * (read from an event stream when the answer is one).
 */
export async function modernRequest(
  url: string,
  method: string,
  params: Record<string, unknown>,
  options: ModernRequestOptions = {},
): Promise<{ status: number; message: { result?: Record<string, unknown> & { resultType?: string }; error?: { code: number; message: string; data?: unknown } } }> {
  const body = {
    jsonrpc: "2.0",
    id: Math.floor(Math.random() * 1e9),
    method,
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
        "io.modelcontextprotocol/clientInfo": { name: "raw-2026", version: "0" },
        "io.modelcontextprotocol/clientCapabilities": options.capabilities ?? {},
      },
      ...(options.inputResponses && { inputResponses: options.inputResponses }),
      ...(options.requestState !== undefined && { requestState: options.requestState }),
    },
  };
  const name = typeof params.name === "string" ? params.name : typeof params.uri === "string" ? params.uri : undefined;
  const response = await rawRequest(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN_REVISION,
      "mcp-method": method,
      ...(name !== undefined && { "mcp-name": name }),
      ...options.headers,
    },
    body: JSON.stringify(body),
  });
  const text = String(response.headers["content-type"] ?? "").startsWith("text/event-stream")
    ? (response.body.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).pop() ?? "{}")
    : response.body;
  return { status: response.status, message: JSON.parse(text) };
}
