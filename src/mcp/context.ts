/**
 * What a tool handler may do besides calling Cyclr: ask the person through the client (form or URL
 * elicitation, only when the client declared it), report progress, and keep watching after its
 * result. Built per call from the SDK's request context, so handlers never see the SDK.
 */
import { randomUUID } from "node:crypto";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import type { FormField, PersonChannel, ToolContext } from "./tool.js";

/** The parts of the SDK's per-request context that a tool context is made from. */
export interface RequestExtra {
  signal: AbortSignal;
  requestId: string | number;
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: { method: "notifications/progress"; params: { progressToken: string | number; progress: number; total: number; message: string } }) => Promise<void>;
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

export function createToolContext(
  server: McpServer,
  extra: RequestExtra,
  background: BackgroundTasks,
  session: Redactor,
  stopping: AbortSignal,
  /** Whether requests to the client are possible (not in --stateless mode). */
  clientRequests = true,
): ToolContext {
  const progressToken = extra._meta?.progressToken;
  return {
    signal: extra.signal,
    stopping,
    person: clientRequests ? personChannel(server, extra) : {},
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress, total, message } });
    },
    background: (task) => background.start(task),
    keepSecret: (...secrets) => session.register(...secrets),
  };
}

function personChannel(server: McpServer, extra: RequestExtra): PersonChannel {
  const elicitation = server.server.getClientCapabilities()?.elicitation;
  const options = { relatedRequestId: extra.requestId, signal: extra.signal };
  const channel: PersonChannel = {};
  if (elicitation?.form) {
    channel.fillForm = async (message, fields) => {
      const result = await server.server.elicitInput({ mode: "form", message, requestedSchema: formSchema(fields) }, options);
      if (result.action !== "accept" || !result.content) return undefined;
      const values: Record<string, string> = {};
      for (const field of fields) {
        const value = result.content[field.name];
        if (value !== undefined && value !== null && String(value) !== "") values[field.name] = String(value);
      }
      return values;
    };
  }
  if (elicitation?.url) {
    channel.openUrl = async (message, url) => {
      const elicitationId = randomUUID();
      const result = await server.server.elicitInput({ mode: "url", message, url, elicitationId }, options);
      return { accepted: result.action === "accept", complete: server.server.createElicitationCompletionNotifier(elicitationId) };
    };
  }
  return channel;
}

function formSchema(fields: FormField[]) {
  const properties: Record<string, { type: "string"; title: string; description?: string; enum?: string[] }> = {};
  for (const field of fields) {
    properties[field.name] = {
      type: "string",
      title: field.title,
      ...(field.description !== undefined && { description: field.description }),
      ...(field.allowedValues !== undefined && { enum: field.allowedValues }),
    };
  }
  return { type: "object" as const, properties, required: fields.map((f) => f.name) };
}
