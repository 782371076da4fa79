/**
 * One way to open either client the server serves: the v1 SDK's Client, which speaks 2025-11-25
 * (initialize, a session) as most desktops still do, or the v2 SDK's Client pinned to 2026-07-28
 * (server/discover, per-request _meta, no session), over stdio (spawning dist/cli.js) or HTTP. Tests
 * written against this run unchanged against both revisions.
 */
import { Client as ModernClient, StreamableHTTPClientTransport as ModernHttpTransport, type ClientCapabilities } from "@modelcontextprotocol/client";
import { getDefaultEnvironment as modernEnvironment, StdioClientTransport as ModernStdioTransport } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport as LegacyStdioTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as LegacyHttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { CLI } from "./helpers.js";

export type Revision = "2025-11-25" | "2026-07-28";
export const REVISIONS: readonly Revision[] = ["2025-11-25", "2026-07-28"];

/** Where the client connects: a server it spawns over stdio, or a running one over HTTP. */
export type Over = { stdio: { env?: Record<string, string>; args?: string[] } } | { http: { url: string; headers?: Record<string, string> } };

/** What the person does when the server asks (form or URL elicitation). */
export type Elicit = (params: { mode?: string; message: string; url?: string; requestedSchema?: { properties: Record<string, { enum?: string[] }> } }) => Promise<{ action: "accept" | "decline" | "cancel"; content?: Record<string, string> }>;

export interface OpenOptions {
  revision: Revision;
  over: Over;
  capabilities?: ClientCapabilities;
  /** Answers the server's questions (the client then declares what `capabilities` says). */
  elicit?: Elicit;
  /** Log messages the server sends. */
  onLog?: (params: { level: string; data: unknown }) => void;
}

export interface ToolCallResult {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface TestClient {
  revision: Revision;
  /** The revision the connection landed on, as the client reports it. */
  negotiated(): string | undefined;
  call(name: string, args?: Record<string, unknown>, options?: { onprogress?: (progress: { progress: number }) => void; logLevel?: string }): Promise<ToolCallResult>;
  listTools(): Promise<{ tools: { name: string; _meta?: Record<string, unknown>; annotations?: { readOnlyHint?: boolean } }[] }>;
  listResources(): Promise<{ resources: { uri: string; mimeType?: string }[] }>;
  listResourceTemplates(): Promise<{ resourceTemplates: { uriTemplate: string }[] }>;
  readResource(uri: string): Promise<{ contents: { uri: string; text?: string; mimeType?: string }[] }>;
  listPrompts(): Promise<{ prompts: { name: string }[] }>;
  getPrompt(name: string, args: Record<string, string>): Promise<{ messages: { content: { type: string; text?: string } }[] }>;
  complete(ref: { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string }, argument: { name: string; value: string }, context?: Record<string, string>): Promise<string[]>;
  /** Asks the server to send log messages at this level and above (2025-11-25: logging/setLevel; 2026-07-28: each call's _meta, see call's logLevel). */
  setLoggingLevel(level: string): Promise<void>;
  stderr(): string;
  close(): Promise<void>;
}

export async function openClient(options: OpenOptions): Promise<TestClient> {
  return options.revision === "2026-07-28" ? openModern(options) : openLegacy(options);
}

async function openModern(options: OpenOptions): Promise<TestClient> {
  const client = new ModernClient({ name: "cyclr-mcp-tests", version: "0.0.0" }, { capabilities: options.capabilities ?? {}, versionNegotiation: { mode: { pin: "2026-07-28" } } });
  const elicit = options.elicit;
  if (elicit) client.setRequestHandler("elicitation/create", async (request) => elicit(request.params as Parameters<Elicit>[0]));
  const onLog = options.onLog;
  if (onLog) client.setNotificationHandler("notifications/message", (notification) => onLog(notification.params));
  let stderr = "";
  let logLevel: string | undefined;
  if ("stdio" in options.over) {
    const transport = new ModernStdioTransport({
      command: process.execPath,
      args: [CLI, ...(options.over.stdio.args ?? [])],
      env: { ...modernEnvironment(), ...options.over.stdio.env },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    await client.connect(transport);
  } else {
    await client.connect(new ModernHttpTransport(new URL(options.over.http.url), { requestInit: { headers: options.over.http.headers ?? {} } }));
  }
  await client.listTools();
  return {
    revision: "2026-07-28",
    negotiated: () => client.getNegotiatedProtocolVersion?.() ?? undefined,
    call: async (name, args = {}, callOptions = {}) => {
      const level = callOptions.logLevel ?? logLevel;
      const result = await client.callTool(
        { name, arguments: args, ...(level !== undefined && { _meta: { "io.modelcontextprotocol/logLevel": level } }) },
        { ...(callOptions.onprogress && { onprogress: callOptions.onprogress }), timeout: 120_000 },
      );
      return result as ToolCallResult;
    },
    listTools: () => client.listTools(undefined, { cacheMode: "bypass" }) as ReturnType<TestClient["listTools"]>,
    listResources: () => client.listResources(undefined, { cacheMode: "bypass" }) as ReturnType<TestClient["listResources"]>,
    listResourceTemplates: () => client.listResourceTemplates(undefined, { cacheMode: "bypass" }) as ReturnType<TestClient["listResourceTemplates"]>,
    readResource: (uri) => client.readResource({ uri }, { cacheMode: "bypass" }) as ReturnType<TestClient["readResource"]>,
    listPrompts: () => client.listPrompts(undefined, { cacheMode: "bypass" }) as ReturnType<TestClient["listPrompts"]>,
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }) as ReturnType<TestClient["getPrompt"]>,
    complete: async (ref, argument, context) => (await client.complete({ ref, argument, ...(context && { context: { arguments: context } }) })).completion.values,
    setLoggingLevel: async (level) => {
      logLevel = level;
    },
    stderr: () => stderr,
    close: () => client.close(),
  };
}

async function openLegacy(options: OpenOptions): Promise<TestClient> {
  const client = new LegacyClient({ name: "cyclr-mcp-tests", version: "0.0.0" }, { capabilities: (options.capabilities ?? {}) as never });
  const elicit = options.elicit;
  if (elicit) client.setRequestHandler(ElicitRequestSchema, async (request) => elicit(request.params as Parameters<Elicit>[0]));
  const onLog = options.onLog;
  if (onLog) client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => onLog(notification.params));
  let stderr = "";
  if ("stdio" in options.over) {
    const transport = new LegacyStdioTransport({
      command: process.execPath,
      args: [CLI, ...(options.over.stdio.args ?? [])],
      env: { ...getDefaultEnvironment(), ...options.over.stdio.env },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    await client.connect(transport);
  } else {
    await client.connect(new LegacyHttpTransport(new URL(options.over.http.url), { requestInit: { headers: options.over.http.headers ?? {} } }));
  }
  // Listing the tools makes the client check every later result's structuredContent against its outputSchema.
  await client.listTools();
  return {
    revision: "2025-11-25",
    negotiated: () => (client.transport as { protocolVersion?: string } | undefined)?.protocolVersion,
    call: async (name, args = {}, callOptions = {}) =>
      (await client.callTool({ name, arguments: args }, undefined, { ...(callOptions.onprogress && { onprogress: callOptions.onprogress }), timeout: 120_000 })) as ToolCallResult,
    listTools: () => client.listTools(),
    listResources: () => client.listResources(),
    listResourceTemplates: () => client.listResourceTemplates(),
    readResource: (uri) => client.readResource({ uri }) as ReturnType<TestClient["readResource"]>,
    listPrompts: () => client.listPrompts(),
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }) as ReturnType<TestClient["getPrompt"]>,
    complete: async (ref, argument, context) => (await client.complete({ ref, argument, ...(context && { context: { arguments: context } }) })).completion.values,
    setLoggingLevel: async (level) => {
      await client.setLoggingLevel(level as never);
    },
    stderr: () => stderr,
    close: () => client.close(),
  };
}
