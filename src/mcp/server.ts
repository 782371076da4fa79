/**
 * The server factory: registers every tool and resource from their definitions, with one error
 * mapping and one redactor. Transports live in hosting/.
 */
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import { McpServer, ResourceTemplate, type RegisteredPrompt, type RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError, ReadResourceRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { CyclrError, CyclrHttpError, CyclrNetworkError } from "../cyclr/errors.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { VERSION } from "../version.js";
import { CARD_TOOLS, offerCards } from "./apps/index.js";
import { BackgroundTasks, createToolContext } from "./context.js";
import { AmbiguousCycleInstallError, AmbiguousInstallError, describeError, ToolInputError } from "./errors.js";
import { INSTRUCTIONS, READ_ONLY_INSTRUCTIONS } from "./instructions.js";
import { PROMPTS } from "./prompts/index.js";
import type { PromptDefinition } from "./prompts/prompt.js";
import { RESOURCES } from "./resources/index.js";
import type { ResourceDefinition } from "./resources/resource.js";
import type { Completer } from "./completions.js";
import type { ToolDefinition, ServerDeps } from "./tool.js";
import { TOOLS } from "./tools/index.js";

export interface ServerOptions {
  deps: ServerDeps;
  /** The process's redactor: the session's scope is made under it. */
  redactor: Redactor;
  logger: Logger;
  selection?: ToolSelection;
  /**
   * The tools this session's caller is offered now, within `selection` (hosted mode: read-only for
   * a caller without the write scope). offer() changes it later, when the caller's token does.
   */
  offered?: ToolSelection;
  shutdown?: ShutdownSignals;
  /**
   * Whether the server may send requests to the client (form or URL elicitation). Off in
   * --stateless mode: the client's answer could reach another replica, which knows nothing of the
   * question; tools then answer as for a client without elicitation.
   */
  clientRequests?: boolean;
  /** Told of every tool call once it is answered (hosted mode writes the audit trail from it). */
  audit?: (entry: ToolCallRecord) => void;
}

/** One tool call, for the audit trail: never its arguments, never a token. */
export interface ToolCallRecord {
  tool: string;
  /** The account it acted on (or was refused): the pinned one, the one named, or the default. */
  account?: string;
  /** The cycle it acted on: the one named, or the one it made (install_template). */
  cycle?: string;
  /** "ok", or what went wrong: the error's code (CYCLR_HTTP_ERROR, INVALID_INPUT, ...), "cancelled", "restarting". */
  outcome: string;
  ms: number;
}

/**
 * How a server shutting down reaches the calls in flight. `stopping` fires when it begins: a wait
 * for the person ends at once (it is safe to repeat, on another replica). `cut` fires when the
 * grace for the other calls is over. Either way the call answers that the server is restarting.
 */
export interface ShutdownSignals {
  stopping: AbortSignal;
  cut: AbortSignal;
}

const NEVER: ShutdownSignals = { stopping: new AbortController().signal, cut: new AbortController().signal };

/** Which tools to offer: --read-only keeps those that change nothing; --tools keeps the ones named. */
export interface ToolSelection {
  readOnly?: boolean;
  tools?: readonly string[];
  /** Hides the tools that change connectors and accounts (a hosted caller without cyclr:write). */
  withoutConnectorChanges?: boolean;
  /** Hides the tools that change cycles (a hosted caller without cyclr:cycles). */
  withoutCycleChanges?: boolean;
}

export function selectTools(selection: ToolSelection = {}): ToolDefinition[] {
  return (TOOLS as readonly unknown[] as ToolDefinition[]).filter((tool) => {
    const reads = tool.annotations.readOnlyHint;
    const changesCycles = tool.changesCycles === true;
    return (
      (!selection.readOnly || reads) &&
      (!selection.withoutConnectorChanges || reads || changesCycles) &&
      (!selection.withoutCycleChanges || !changesCycles) &&
      (!selection.tools || selection.tools.includes(tool.name))
    );
  });
}

export interface ServerHandle {
  server: McpServer;
  /**
   * Offers the tools of this selection (the prompt stays, for readers too), of those the
   * server was made with; the client is told when the list changes.
   */
  offer: (selection: ToolSelection) => void;
  close: () => Promise<void>;
}

export function createServer({ deps, redactor: processRedactor, logger, selection = {}, offered, shutdown = NEVER, audit = () => undefined, clientRequests = true }: ServerOptions): ServerHandle {
  // What this session's calls use or are given is hidden from this session's output, and no other's.
  const redactor = processRedactor.scope();
  const server = new McpServer(
    { name: "cyclr-mcp", title: "Cyclr connector setup", version: VERSION },
    // logging: the client may set a level (logging/setLevel); tool failures are sent as log messages too.
    {
      instructions: selection.readOnly || offered?.readOnly ? `${INSTRUCTIONS}\n${READ_ONLY_INSTRUCTIONS}` : INSTRUCTIONS,
      capabilities: { logging: {} },
      // Showing the cards to a client that renders them changes several tools at once: one notice.
      debouncedNotificationMethods: ["notifications/tools/list_changed", "notifications/resources/list_changed"],
    },
  );
  // Malformed input from the client (a line that is not JSON-RPC, say) is reported, not fatal.
  server.server.onerror = (error) => logger.warn("protocol error", { error: redactor.text(error.message) });
  const background = new BackgroundTasks(logger, redactor);
  const selected = selectTools(selection);
  // The cards' helpers come with the tools whose cards call them (read-only, so kept by --read-only too).
  const helpers = selected.some((tool) => tool.ui) ? (CARD_TOOLS as readonly unknown[] as ToolDefinition[]) : [];
  const registered = [...selected, ...helpers].map((tool) => ({ tool, registered: registerTool(server, tool, deps, redactor, logger, background, shutdown, audit, clientRequests) }));
  // Shown only to a client that advertises the MCP Apps extension (apps/index.ts).
  const cards = offerCards(server, registered);
  // The tools a caller's scope may narrow; the cards' helpers follow the client's capabilities instead.
  const tools = new Map<string, RegisteredTool>(registered.filter(({ tool }) => selected.includes(tool)).map(({ tool, registered: r }) => [tool.name, r]));
  // Resources change nothing; the setup walkthrough is about making changes, so a read-only server leaves it out.
  answerResourceReads(server, [...RESOURCES.map((resource) => registerResource(server, resource, deps, redactor, logger)), ...cards]);
  if (!selection.readOnly) for (const prompt of PROMPTS) registerPrompt(server, prompt, deps, redactor, logger);
  // The same filter as at registration: a tool is offered when selectTools keeps it.
  const offer = (narrower: ToolSelection) => {
    const kept = new Set(selectTools(narrower).map((tool) => tool.name));
    for (const [name, tool] of tools) {
      if (kept.has(name) && !tool.enabled) tool.enable();
      else if (!kept.has(name) && tool.enabled) tool.disable();
    }
    // The prompt stays: a caller who may only read (cyclr:read) is given the prompt and completions too.
  };
  if (offered) offer(offered);
  return {
    server,
    offer,
    close: async () => {
      await background.close();
      await server.close();
    },
  };
}

function registerTool(
  server: McpServer,
  tool: ToolDefinition,
  deps: ServerDeps,
  session: Redactor,
  logger: Logger,
  background: BackgroundTasks,
  shutdown: ShutdownSignals,
  audit: (entry: ToolCallRecord) => void,
  clientRequests: boolean,
): RegisteredTool {
  const handle = tool.handler(deps);
  const output = z.object(tool.outputSchema);
  return server.registerTool(
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
      // Secrets in the arguments are hidden from this call's answer at once, and from the session's
      // later answers only once the call succeeded (they were really used): a failed call, or one
      // that names a word of the protocol as its "secret", changes nothing beyond itself.
      const secrets = tool.secrets?.(typedArgs) ?? [];
      const redactor = session.scope();
      redactor.register(...secrets);
      const signal = AbortSignal.any([extra.signal, shutdown.cut]);
      const started = performance.now();
      const requested = typeof typedArgs.accountId === "string" ? typedArgs.accountId : undefined;
      const account = deps.accounts?.pinnedAccountId ?? requested ?? deps.defaultAccountId;
      const named = typeof typedArgs.cycleId === "string" ? typedArgs.cycleId : undefined;
      const record = (outcome: string, cycle = named) =>
        audit({ tool: tool.name, ...(account !== undefined && { account }), ...(cycle !== undefined && { cycle }), outcome, ms: Math.round(performance.now() - started) });
      try {
        const result = await handle(typedArgs, createToolContext(server, { ...extra, signal }, background, session, shutdown.stopping, clientRequests));
        session.register(...secrets);
        const reveal = result.reveal ?? [];
        logger.debug("tool call", { tool: tool.name, ms: Math.round(performance.now() - started) });
        const made = result.structuredContent.cycleId;
        record("ok", named ?? (typeof made === "string" ? made : undefined));
        return {
          content: [{ type: "text", text: redactor.text(result.text, { reveal }) }],
          structuredContent: keepShape(result.structuredContent, redactor.value(result.structuredContent, { reveal }), output),
        };
      } catch (error) {
        if (extra.signal.aborted) {
          // The client cancelled: it expects no answer, and nothing went wrong.
          logger.debug("tool call cancelled", { tool: tool.name, error: redactor.text(error instanceof Error ? error.message : String(error)) });
          record("cancelled");
          return { content: [{ type: "text", text: `The ${tool.name} call was cancelled.` }], isError: true };
        }
        if (shutdown.cut.aborted || (shutdown.stopping.aborted && isAbort(error))) {
          logger.info("tool call stopped by shutdown", { tool: tool.name });
          record("restarting");
          return { content: [{ type: "text", text: describeRestart(tool) }], isError: true };
        }
        const described = describeError(error);
        record(errorCode(error, described !== undefined));
        if (described === undefined) {
          // A bug, not a Cyclr or input problem: keep the stack for whoever reads the log.
          logger.error("tool call failed unexpectedly", { tool: tool.name, error: redactor.text(error instanceof Error ? (error.stack ?? error.message) : String(error)) });
        } else {
          logger.warn("tool call failed", { tool: tool.name, error: redactor.text(described) });
        }
        const text = described ?? `The ${tool.name} tool failed unexpectedly. The details are in the server's log; try again, or report it.`;
        void server.sendLoggingMessage({ level: described === undefined ? "error" : "warning", logger: "cyclr-mcp", data: { tool: tool.name, error: redactor.text(text) } }).catch(() => undefined);
        return { content: [{ type: "text", text: redactor.text(text) }], isError: true };
      }
    },
  );
}

/** The stable code of a failure, for the audit trail: a Cyclr error's own, else one per kind. */
function errorCode(error: unknown, expected: boolean): string {
  if (error instanceof CyclrError) return error.code;
  if (error instanceof ToolInputError) return "INVALID_INPUT";
  if (error instanceof AmbiguousInstallError || error instanceof AmbiguousCycleInstallError) return "INSTALL_UNCERTAIN";
  return expected ? "FAILED" : "INTERNAL_ERROR";
}

/** An abort, whichever layer noticed it first: a wait's sleep, or a Cyclr request that was cancelled. */
function isAbort(error: unknown): boolean {
  return (error instanceof Error && error.name === "AbortError") || (error instanceof CyclrNetworkError && error.cancelled);
}

function describeRestart(tool: ToolDefinition): string {
  return (
    `The server is restarting, so ${tool.name} was stopped before it finished. ` +
    (tool.annotations.readOnlyHint
      ? "It changes nothing: call it again in a moment (another replica, or this one once it is back, will answer)."
      : "Call it again in a moment; it may have made its change before it was stopped, so check first (get_account_connector or list_account_connectors).")
  );
}

/**
 * Redaction replaces text, so it could turn a field of a fixed vocabulary (a setup state, say)
 * into "[redacted]" when someone registered that word as a secret. Such values belong to the
 * server's own vocabulary, not to anyone's secrets: put them back, so a result keeps its shape.
 */
function keepShape(original: Record<string, unknown>, redacted: Record<string, unknown>, schema: z.ZodType): Record<string, unknown> {
  const checked = schema.safeParse(redacted);
  if (checked.success) return redacted;
  for (const issue of checked.error.issues) {
    if (issue.code !== "invalid_value" || issue.path.length === 0) continue;
    let from: unknown = original;
    let to: unknown = redacted;
    for (const part of issue.path.slice(0, -1)) {
      from = (from as Record<PropertyKey, unknown> | undefined)?.[part as PropertyKey];
      to = (to as Record<PropertyKey, unknown> | undefined)?.[part as PropertyKey];
    }
    const last = issue.path[issue.path.length - 1] as PropertyKey;
    if (from && to && typeof to === "object") (to as Record<PropertyKey, unknown>)[last] = (from as Record<PropertyKey, unknown>)[last];
  }
  return redacted;
}

/** JSON-RPC error code for a resource that does not exist (MCP 2025-11-25, resources/read). */
const RESOURCE_NOT_FOUND = -32002;

/** How one resource answers resources/read: whether a URI is its, and its contents. */
interface ResourceReader {
  match(uri: string): Record<string, string> | undefined;
  read(uri: URL, variables: Record<string, string>, signal: AbortSignal): Promise<{ contents: { uri: string; mimeType: string; text: string; _meta?: Record<string, unknown> }[] }>;
}

function registerResource(server: McpServer, resource: ResourceDefinition, deps: ServerDeps, redactor: Redactor, logger: Logger): ResourceReader {
  const read = resource.read(deps);
  const metadata = { title: resource.title, description: resource.description, mimeType: resource.mimeType };
  const contents = async (uri: URL, variables: Record<string, string>, signal: AbortSignal) => {
    try {
      const text = await read(variables, { signal });
      return { contents: [{ uri: uri.href, mimeType: resource.mimeType, text }] };
    } catch (error) {
      const described = describeError(error);
      logger.warn("resource read failed", { uri: uri.href, error: redactor.text(error instanceof Error ? error.message : String(error)) });
      if (error instanceof CyclrHttpError && error.status === 404) throw new McpError(RESOURCE_NOT_FOUND, redactor.text(described ?? `Resource not found: ${uri.href}`), { uri: uri.href });
      throw new McpError(ErrorCode.InternalError, redactor.text(described ?? `Reading ${uri.href} failed unexpectedly; see the server's log.`));
    }
  };
  const flatten = (variables: Record<string, string | string[]>) => Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? "") : v]));
  if (resource.uriTemplate) {
    const complete = Object.fromEntries(
      Object.entries(resource.complete ?? {}).map(([variable, completer]) => [variable, quietly(completer(deps), logger, redactor)]),
    );
    const template = new ResourceTemplate(resource.uriTemplate, { list: undefined, complete });
    server.registerResource(resource.name, template, metadata, (uri, variables, extra) => contents(uri, flatten(variables), extra.signal));
    return { match: (uri) => { const found = template.uriTemplate.match(uri); return found ? flatten(found) : undefined; }, read: contents };
  }
  const fixed = resource.uri ?? "";
  server.registerResource(resource.name, fixed, metadata, (uri, extra) => contents(uri, {}, extra.signal));
  return { match: (uri) => (uri === fixed ? {} : undefined), read: contents };
}

/**
 * resources/read over our own readers, so that a URI no resource has answers -32002 with the uri
 * in data, as the spec says (the SDK's McpServer answers -32602). Listing and completion stay the SDK's.
 */
function answerResourceReads(server: McpServer, readers: ResourceReader[]): void {
  server.server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const { uri } = request.params;
    let parsed: URL;
    try {
      parsed = new URL(uri);
    } catch {
      throw new McpError(ErrorCode.InvalidParams, `Not a URI: ${uri}.`);
    }
    for (const reader of readers) {
      const variables = reader.match(parsed.href);
      if (variables) return reader.read(parsed, variables, extra.signal);
    }
    throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}. The resources are listed by resources/list and resources/templates/list.`, { uri });
  });
}

function registerPrompt(server: McpServer, prompt: PromptDefinition, deps: ServerDeps, redactor: Redactor, logger: Logger): RegisteredPrompt {
  const get = prompt.get(deps);
  const argsSchema = Object.fromEntries(
    Object.entries(prompt.argsSchema).map(([name, schema]) => {
      const completer = prompt.complete?.[name];
      if (!completer) return [name, schema];
      const complete = quietly(completer(deps), logger, redactor);
      // completable() marks the schema it is given: mark a copy, so every session's server can do the same.
      return [name, completable(schema.clone(), (value, context) => complete(value ?? "", context))];
    }),
  );
  return server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema }, async (args: Record<string, string | undefined>, extra) => {
    try {
      return await get(args, { signal: extra.signal });
    } catch (error) {
      const described = describeError(error);
      logger.warn("prompt failed", { prompt: prompt.name, error: redactor.text(error instanceof Error ? error.message : String(error)) });
      throw new McpError(ErrorCode.InvalidParams, redactor.text(described ?? `The ${prompt.name} prompt failed unexpectedly; see the server's log.`));
    }
  });
}

/** Completions are suggestions: a failure (Cyclr down, say) offers none rather than failing the request. */
function quietly(complete: Completer, logger: Logger, redactor: Redactor): Completer {
  return async (value, context) => {
    try {
      return await complete(value, context);
    } catch (error) {
      logger.warn("completion failed", { error: redactor.text(error instanceof Error ? error.message : String(error)) });
      return [];
    }
  };
}