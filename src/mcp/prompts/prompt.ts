import type * as z from "zod";
import type { Completer } from "../completions.js";
import type { ServerDeps } from "../tool.js";

/** A prompt as plain data (name, argument schemas) plus a getter that receives its dependencies at registration. */
export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  /** Prompt arguments are strings (MCP); optional ones use .optional(). */
  argsSchema: Record<string, z.ZodType<string | undefined, string | undefined>>;
  /** Completions (completion/complete) for some arguments. */
  complete?: Record<string, (deps: ServerDeps) => Completer>;
  get: (deps: ServerDeps) => (
    args: Record<string, string | undefined>,
    context: { signal: AbortSignal },
  ) => Promise<{ description?: string; messages: { role: "user" | "assistant"; content: { type: "text"; text: string } }[] }>;
}
