/**
 * What a tool handler may do besides calling Cyclr: ask the person through the client (form or URL
 * elicitation, only when the client declared it), report progress, and keep watching after its
 * result. Built per call from the SDK's request context, so handlers never see the SDK.
 *
 * Two protocol revisions ask differently. A 2025-11-25 client is sent requests (elicitation/create)
 * while the call waits; a 2026-07-28 client is answered input_required and calls again with the
 * person's answers (input-rounds.ts). What a client can do is read per request: its _meta on
 * 2026-07-28, what it declared at initialize on 2025-11-25.
 */
import { randomUUID } from "node:crypto";
import { CLIENT_CAPABILITIES_META_KEY, type ClientCapabilities, type McpServer, type ServerContext } from "@modelcontextprotocol/server";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { formSchema, formValues } from "./shared/person.js";
import type { CarriedValue, PersonChannel, ToolContext } from "./tool.js";

/** Whether this request speaks 2026-07-28: it carries the per-request _meta envelope. */
export function isModernRequest(ctx: ServerContext): boolean {
  return ctx.mcpReq.envelope !== undefined && Object.keys(ctx.mcpReq.envelope).length > 0;
}

/**
 * What the client said it can do, for this request: the request's own _meta (2026-07-28), else
 * what it declared when it initialized (2025-11-25).
 */
export function clientCapabilities(server: McpServer, ctx: ServerContext): ClientCapabilities | undefined {
  if (isModernRequest(ctx)) {
    const declared = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY];
    return declared && typeof declared === "object" ? (declared as ClientCapabilities) : undefined;
  }
  return server.server.getClientCapabilities();
}

/** Background work of one server (one session): aborted together when it closes. */
export class BackgroundTasks {
  private readonly controller = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger, private readonly redactor: Redactor) {}

  start(task: (signal: AbortSignal) => Promise<void>): void {
    if (this.controller.signal.aborted) return;
    const run = task(this.controller.signal)
      .catch((error: unknown) => {
        if (!this.controller.signal.aborted) {
          this.logger.warn("background task failed", { error: this.redactor.text(error instanceof Error ? error.message : String(error)) });
        }
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  async close(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled([...this.running]);
  }
}

export interface ToolContextOptions {
  /** The call's signal: the client cancelling, or a shutdown's grace ending. */
  signal: AbortSignal;
  background: BackgroundTasks;
  session: Redactor;
  stopping: AbortSignal;
  /** How the person is asked in this call (pushChannel for 2025-11-25, the input rounds for 2026-07-28, or nothing). */
  person: PersonChannel;
  /** The rounds of a 2026-07-28 call (input-rounds.ts); none on 2025-11-25. */
  rounds?: { carriedValue(name: string): unknown; carry(name: string, value: CarriedValue): void; again(): never };
}

export function createToolContext(ctx: ServerContext, options: ToolContextOptions): ToolContext {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    signal: options.signal,
    stopping: options.stopping,
    person: options.person,
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken, progress, total, message } });
    },
    background: (task) => options.background.start(task),
    keepSecret: (...secrets) => options.session.register(...secrets),
    rounds: {
      carried: (name) => options.rounds?.carriedValue(name),
      carry: (name, value) => options.rounds?.carry(name, value),
      ...(options.rounds && { again: options.rounds.again.bind(options.rounds) }),
    },
  };
}

/**
 * The 2025-11-25 way: requests to the client while the call waits, for the elicitation modes it
 * declared at initialize.
 */
export function pushChannel(server: McpServer, ctx: ServerContext, signal: AbortSignal): PersonChannel {
  const elicitation = clientCapabilities(server, ctx)?.elicitation;
  const channel: PersonChannel = {};
  if (elicitation?.form) {
    channel.fillForm = async (message, fields) => {
      const result = await ctx.mcpReq.elicitInput({ mode: "form", message, requestedSchema: formSchema(fields) }, { signal });
      if (result.action !== "accept" || !result.content) return undefined;
      return formValues(fields, result.content);
    };
  }
  if (elicitation?.url) {
    channel.openUrl = async (message, url) => {
      // A link made by an earlier round exists only on 2026-07-28: here every call makes its own.
      if (url === undefined) return { accepted: false };
      const elicitationId = randomUUID();
      const result = await ctx.mcpReq.elicitInput({ mode: "url", message, url, elicitationId }, { signal });
      return { accepted: result.action === "accept", complete: server.server.createElicitationCompletionNotifier(elicitationId) };
    };
  }
  return channel;
}
