/**
 * The server factory: registers every tool, resource and prompt from its definition, with one
 * error mapping and one redactor. The same server answers both protocol revisions (2025-11-25 and
 * 2026-07-28); what differs per request (which elicitation the client can do, whether it shows
 * cards) is read from the request (context.ts). Transports live in hosting/.
 */
import {
  completable,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
  type CacheHint,
  type CallToolResult,
  type InputRequiredResult,
  type RegisteredTool,
} from "@modelcontextprotocol/server";
import * as z from "zod";
import { CyclrError, CyclrHttpError, CyclrNetworkError } from "../cyclr/errors.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { VERSION } from "../version.js";
import { CARD_TOOLS, Cards, clientShowsCards, isCardHelper } from "./apps/index.js";
import type { Completer } from "./completions.js";
import { BackgroundTasks, clientCapabilities, createToolContext, isModernRequest, pushChannel } from "./context.js";
import { AmbiguousCycleInstallError, AmbiguousInstallError, describeError, ToolInputError } from "./errors.js";
import { CallAgain, InputNeeded, type InputRounds } from "./input-rounds.js";
import { INSTRUCTIONS, READ_ONLY_INSTRUCTIONS } from "./instructions.js";
import { PROMPTS } from "./prompts/index.js";
import type { PromptDefinition } from "./prompts/prompt.js";
import { RESOURCES } from "./resources/index.js";
import type { ResourceDefinition } from "./resources/resource.js";
import type { ServerDeps, ToolDefinition } from "./tool.js";
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
   * Whether the server may send requests to a 2025-11-25 client (form or URL elicitation). Off in
   * --stateless mode: the client's answer could reach another replica, which knows nothing of the
   * question; tools then answer as for a client without elicitation.
   */
  clientRequests?: boolean;
  /** Told of every tool call once it is answered (hosted mode writes the audit trail from it). */
  audit?: (entry: ToolCallRecord) => void;
  /**
   * Asking the person on 2026-07-28 (input_required and its signed requestState); without it a
   * 2026-07-28 client is asked nothing, as one without elicitation.
   */
  inputRounds?: InputRounds;
  /** Whom the requestStates of this server are bound to: the caller's key (hosted), else the one stdio client. */
  caller?: string;
  /**
   * Whether the tool list may change while the client is connected: a hosted 2025-11-25 session,
   * whose caller may come back with a token of other scopes (offer). Elsewhere it never does (a
   * 2026-07-28 request is answered by a server of its own), and the capability says so.
   */
  toolsMayChange?: boolean;
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
    const changesConnectors = !reads && (!changesCycles || tool.changesConnectors === true);
    return (
      (!selection.readOnly || reads) &&
      (!selection.withoutConnectorChanges || !changesConnectors) &&
      (!selection.withoutCycleChanges || !changesCycles) &&
      (!selection.tools || selection.tools.includes(tool.name))
    );
  });
}

/**
 * How long a 2026-07-28 client may keep a list (SEP-2549), and for whom. What depends on the
 * caller (its scope narrows the tools; the instructions follow) or on the client (the cards) is
 * private: never served to another caller from a shared cache. What is the same for every caller
 * of this server (the prompt, the resource templates) is public. Reads are never cached: a setup
 * state changes while the person works.
 */
const CACHE_HINTS: Partial<Record<"tools/list" | "prompts/list" | "resources/list" | "resources/templates/list" | "resources/read" | "server/discover", CacheHint>> = {
  "server/discover": { ttlMs: 60_000, cacheScope: "private" },
  "tools/list": { ttlMs: 60_000, cacheScope: "private" },
  "resources/list": { ttlMs: 60_000, cacheScope: "private" },
  "prompts/list": { ttlMs: 300_000, cacheScope: "public" },
  "resources/templates/list": { ttlMs: 300_000, cacheScope: "public" },
  "resources/read": { ttlMs: 0, cacheScope: "private" },
};

export interface ServerHandle {
  server: McpServer;
  /**
   * Offers the tools of this selection (the prompt stays, for readers too), of those the
   * server was made with; the client is told when the list changes.
   */
  offer: (selection: ToolSelection) => void;
  close: () => Promise<void>;
}

/** What one tool call needs from the server it runs in. */
interface CallSetting {
  server: McpServer;
  deps: ServerDeps;
  session: Redactor;
  logger: Logger;
  background: BackgroundTasks;
  shutdown: ShutdownSignals;
  audit: (entry: ToolCallRecord) => void;
  clientRequests: boolean;
  inputRounds: InputRounds | undefined;
  caller: string;
}

export function createServer(options: ServerOptions): ServerHandle {
  const { deps, redactor: processRedactor, logger, selection = {}, offered, shutdown = NEVER, audit = () => undefined, clientRequests = true, inputRounds } = options;
  const caller = options.caller ?? "stdio";
  // What this session's calls use or are given is hidden from this session's output, and no other's.
  const redactor = processRedactor.scope();
  const server = new McpServer(
    { name: "cyclr-mcp", title: "Cyclr connector setup", version: VERSION },
    // logging: the client may set a level (logging/setLevel; per request on 2026-07-28); tool failures are sent as log messages too.
    {
      instructions: selection.readOnly || offered?.readOnly ? `${INSTRUCTIONS}\n${READ_ONLY_INSTRUCTIONS}` : INSTRUCTIONS,
      // What changes is announced only where it can change (list_changed, or a 2026-07-28 listen stream).
      capabilities: {
        logging: {},
        tools: { listChanged: options.toolsMayChange ?? false },
        resources: { listChanged: false },
        ...(!selection.readOnly && { prompts: { listChanged: false } }),
      },
      // A caller's new scope changes several tools at once: one notice.
      debouncedNotificationMethods: ["notifications/tools/list_changed", "notifications/resources/list_changed"],
      cacheHints: CACHE_HINTS,
      // 2025-11-25 clients are asked with requests while the call waits (context.ts), never by re-running it.
      inputRequired: { legacyShim: false },
      // A 2026-07-28 client's requestState is checked before any handler runs: signature, lifetime, caller, spent once.
      ...(inputRounds && { requestState: { verify: inputRounds.verifier(caller) } }),
    },
  );
  const background = new BackgroundTasks(logger, redactor);
  // Malformed input from the client (a line that is not JSON-RPC, say) is reported, not fatal.
  server.server.onerror = (error) => logger.warn("protocol error", { error: redactor.text(error.message) });
  // A 2026-07-28 request's server lives as long as its request: whatever it started stops with it.
  server.server.onclose = () => void background.close();
  const selected = selectTools(selection);
  // The cards' helpers come with the tools whose cards call them (read-only, so kept by --read-only too).
  const helpers = selected.some((tool) => tool.ui) ? (CARD_TOOLS as readonly unknown[] as ToolDefinition[]) : [];
  const all = [...selected, ...helpers];
  const cards = new Cards(all);
  const setting: CallSetting = { server, deps, session: redactor, logger, background, shutdown, audit, clientRequests, inputRounds, caller };
  const registered = all.map((tool) => ({ tool, registered: registerTool(setting, tool) }));
  listTools(server, registered, cards);
  // Resources change nothing; the setup walkthrough is about making changes, so a read-only server leaves it out.
  const readers = RESOURCES.map((resource) => registerResource(server, resource, deps, redactor, logger));
  answerResources(server, readers, cards);
  if (!selection.readOnly) for (const prompt of PROMPTS) registerPrompt(server, prompt, deps, redactor, logger);
  // The tools a caller's scope may narrow; the cards' helpers follow the client's capabilities instead.
  const tools = new Map<string, RegisteredTool>(registered.filter(({ tool }) => selected.includes(tool)).map(({ tool, registered: r }) => [tool.name, r]));
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

/** The input and output schemas of a tool definition, as the SDK takes them (made once per definition). */
const toolSchemas = new WeakMap<ToolDefinition, { input: z.ZodObject; output: z.ZodObject }>();
/** The same schemas as tools/list shows them: converted at the first tools/list, not at start-up (a desktop client waits for start-up). */
const listedSchemas = new WeakMap<ToolDefinition, { listedInput: unknown; listedOutput: unknown }>();

function schemasOf(tool: ToolDefinition) {
  let schemas = toolSchemas.get(tool);
  if (!schemas) {
    schemas = { input: z.object(tool.inputSchema), output: z.object(tool.outputSchema) };
    toolSchemas.set(tool, schemas);
  }
  return schemas;
}

function listedSchemasOf(tool: ToolDefinition) {
  let listed = listedSchemas.get(tool);
  if (!listed) {
    const { input, output } = schemasOf(tool);
    // As the SDK lists them (JSON Schema 2020-12 through the schema's Standard JSON Schema face),
    // without the root's $schema: clients pass input schemas on to the model's provider, and some
    // providers refuse a keyword they do not know (test/schema-dialect.ts lists what all take).
    listed = {
      listedInput: { type: "object", ...withoutDialect(input["~standard"].jsonSchema.input({ target: "draft-2020-12" })) },
      listedOutput: withoutDialect(output["~standard"].jsonSchema.output({ target: "draft-2020-12" })),
    };
    listedSchemas.set(tool, listed);
  }
  return listed;
}

/** A JSON Schema without its root's `$schema` (which dialect it is written in). */
function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== "$schema"));
}

/**
 * tools/list, per request: the tools offered (in the order of a setup, always the same), with
 * each one's card for a client that shows cards, and the card helpers only for such a client.
 */
function listTools(server: McpServer, registered: readonly { tool: ToolDefinition; registered: RegisteredTool }[], cards: Cards): void {
  server.server.setRequestHandler("tools/list", (_request, ctx) => {
    const shown = clientShowsCards(clientCapabilities(server, ctx));
    return {
      tools: registered
        .filter(({ tool, registered: r }) => r.enabled && cards.listed(tool, shown))
        .map(({ tool }) => {
          const { listedInput, listedOutput } = listedSchemasOf(tool);
          const meta = cards.toolMeta(tool, shown);
          return {
            name: tool.name,
            title: tool.title,
            description: tool.description,
            inputSchema: listedInput as { type: "object" },
            outputSchema: listedOutput as { type: "object" },
            annotations: { title: tool.title, ...tool.annotations },
            ...(meta && { _meta: meta }),
          };
        }),
    };
  });
}

function registerTool(setting: CallSetting, tool: ToolDefinition): RegisteredTool {
  const { server, deps, session, logger, shutdown, audit } = setting;
  const handle = tool.handler(deps);
  const { input, output } = schemasOf(tool);
  return server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: input,
      outputSchema: output,
      annotations: { title: tool.title, ...tool.annotations },
    },
    async (args: Record<string, unknown>, ctx): Promise<CallToolResult | InputRequiredResult> => {
      // A card helper answers only a client that shows cards, as if it did not exist for any other.
      if (isCardHelper(tool) && !clientShowsCards(clientCapabilities(server, ctx))) {
        return { content: [{ type: "text", text: `Tool ${tool.name} not found.` }], isError: true };
      }
      const typedArgs = args as z.output<z.ZodObject<z.ZodRawShape>>;
      // Secrets in the arguments are hidden from this call's answer at once, and from the session's
      // later answers only once the call succeeded (they were really used): a failed call, or one
      // that names a word of the protocol as its "secret", changes nothing beyond itself.
      const secrets = tool.secrets?.(typedArgs) ?? [];
      const redactor = session.scope();
      redactor.register(...secrets);
      const signal = AbortSignal.any([ctx.mcpReq.signal, shutdown.cut]);
      const started = performance.now();
      const requested = typeof typedArgs.accountId === "string" ? typedArgs.accountId : undefined;
      const account = deps.accounts?.pinnedAccountId ?? requested ?? deps.defaultAccountId;
      const named = typeof typedArgs.cycleId === "string" ? typedArgs.cycleId : undefined;
      const record = (outcome: string, cycle = named) =>
        audit({ tool: tool.name, ...(account !== undefined && { account }), ...(cycle !== undefined && { cycle }), outcome, ms: Math.round(performance.now() - started) });
      // How the person is asked: requests to a 2025-11-25 client that declared elicitation (not with
      // --stateless); rounds of input_required for a 2026-07-28 one.
      const modern = isModernRequest(ctx);
      const round = modern && setting.inputRounds
        ? setting.inputRounds.begin(ctx, { caller: setting.caller, tool: tool.name, args: typedArgs, capabilities: clientCapabilities(server, ctx) })
        : undefined;
      if (round && "refused" in round) {
        // Nothing ran: the person's answer is for another call.
        logger.warn("tool call refused: its requestState is for another call", { tool: tool.name });
        record("invalid_request_state");
        return { content: [{ type: "text", text: `${round.refused} Call ${tool.name} again without it. Nothing was changed.` }], isError: true };
      }
      const person = round ? round.person : !modern && setting.clientRequests ? pushChannel(server, ctx, signal) : {};
      try {
        const context = createToolContext(ctx, { signal, background: setting.background, session, stopping: shutdown.stopping, person, ...(round && { rounds: round }) });
        const result = await handle(typedArgs, context);
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
        if ((error instanceof InputNeeded || error instanceof CallAgain) && round) {
          // The person is asked, or a wait for them goes on: the call is answered when the client calls again.
          logger.debug(error instanceof InputNeeded ? "tool call asks the person" : "tool call goes on in another round", { tool: tool.name, ms: Math.round(performance.now() - started) });
          record("input_required");
          return round.inputRequired(error);
        }
        if (ctx.mcpReq.signal.aborted) {
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
        // Sent as a log message too, to a client that asked for them (logging/setLevel, or the request's logLevel on 2026-07-28).
        void ctx.mcpReq.log(described === undefined ? "error" : "warning", { tool: tool.name, error: redactor.text(text) }, "cyclr-mcp").catch(() => undefined);
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

/** How one resource answers resources/read: whether a URI is its, and its contents. */
interface ResourceReader {
  resource: ResourceDefinition;
  match(uri: string): Record<string, string> | undefined;
  read(uri: URL, variables: Record<string, string>, signal: AbortSignal): Promise<{ contents: { uri: string; mimeType: string; text: string }[] }>;
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
      if (error instanceof CyclrHttpError && error.status === 404) throw new ResourceNotFoundError(uri.href, redactor.text(described ?? `Resource not found: ${uri.href}`));
      throw new ProtocolError(ProtocolErrorCode.InternalError, redactor.text(described ?? `Reading ${uri.href} failed unexpectedly; see the server's log.`));
    }
  };
  const flatten = (variables: Record<string, string | string[]>) => Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? "") : v]));
  if (resource.uriTemplate) {
    const complete = Object.fromEntries(
      Object.entries(resource.complete ?? {}).map(([variable, completer]) => [variable, quietly(completer(deps), logger, redactor)]),
    );
    const template = new ResourceTemplate(resource.uriTemplate, { list: undefined, complete });
    server.registerResource(resource.name, template, metadata, (uri, variables, ctx) => contents(uri, flatten(variables), ctx.mcpReq.signal));
    return {
      resource,
      match: (uri) => {
        const found = template.uriTemplate.match(uri);
        return found ? flatten(found) : undefined;
      },
      read: contents,
    };
  }
  const fixed = resource.uri ?? "";
  server.registerResource(resource.name, fixed, metadata, (uri, ctx) => contents(uri, {}, ctx.mcpReq.signal));
  return { resource, match: (uri) => (uri === fixed ? {} : undefined), read: contents };
}

/**
 * resources/list and resources/read over our own readers, per request: the cards only for a client
 * that shows them, and a URI no resource has answers "not found" with the uri in data, as the spec
 * says. Templates and their completions stay the SDK's.
 */
function answerResources(server: McpServer, readers: readonly ResourceReader[], cards: Cards): void {
  server.server.setRequestHandler("resources/list", (_request, ctx) => ({
    resources: [
      ...readers
        .filter(({ resource }) => resource.uri !== undefined)
        .map(({ resource }) => ({ uri: resource.uri ?? "", name: resource.name, title: resource.title, description: resource.description, mimeType: resource.mimeType })),
      ...cards.resources(clientShowsCards(clientCapabilities(server, ctx))),
    ],
  }));
  server.server.setRequestHandler("resources/read", async (request, ctx) => {
    const { uri } = request.params;
    let parsed: URL;
    try {
      parsed = new URL(uri);
    } catch {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Not a URI: ${uri}.`);
    }
    const card = cards.read(parsed.href, clientShowsCards(clientCapabilities(server, ctx)));
    if (card) return card;
    for (const reader of readers) {
      const variables = reader.match(parsed.href);
      if (variables) return reader.read(parsed, variables, ctx.mcpReq.signal);
    }
    throw new ResourceNotFoundError(uri, `Resource not found: ${uri}. The resources are listed by resources/list and resources/templates/list.`);
  });
}

function registerPrompt(server: McpServer, prompt: PromptDefinition, deps: ServerDeps, redactor: Redactor, logger: Logger): void {
  const get = prompt.get(deps);
  const shape: Record<string, z.ZodType<string | undefined>> = Object.fromEntries(
    Object.entries(prompt.argsSchema).map(([name, schema]) => {
      const completer = prompt.complete?.[name];
      if (!completer) return [name, schema];
      const complete = quietly(completer(deps), logger, redactor);
      // completable() marks the schema it is given: mark a copy, so every server can do the same.
      // An optional argument is marked inside its optional (where the SDK looks for it).
      const suggest = (value: unknown, context?: { arguments?: Record<string, string> }) => complete(typeof value === "string" ? value : "", context);
      return [name, schema instanceof z.ZodOptional ? completable((schema.unwrap() as z.ZodType<string>).clone(), suggest).optional() : completable(schema.clone(), suggest)];
    }),
  );
  server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema: z.object(shape) }, async (args, ctx) => {
    try {
      return await get(args, { signal: ctx.mcpReq.signal });
    } catch (error) {
      const described = describeError(error);
      logger.warn("prompt failed", { prompt: prompt.name, error: redactor.text(error instanceof Error ? error.message : String(error)) });
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, redactor.text(described ?? `The ${prompt.name} prompt failed unexpectedly; see the server's log.`));
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
