/**
 * A tool is plain data (name, schemas, annotations, description) plus a handler that receives its
 * dependencies at registration. The whole surface can be listed and snapshotted without a network.
 */
import type { z } from "zod";
import type { CyclrOperations } from "../cyclr/client.js";

export interface ServerDeps {
  cyclr: CyclrOperations;
  /** CYCLR_ACCOUNT_ID: used when a call names no account. */
  defaultAccountId?: string;
  /** CYCLR_SERVICE_DOMAIN as an origin: needed for OAuth links. */
  serviceDomain?: string;
}

export interface ToolContext {
  /** Aborted when the client cancels the request. */
  signal: AbortSignal;
  /** Asking the person through their client, where the client supports it. */
  person: PersonChannel;
  /** Reports progress to a caller that asked for it (passed a progressToken); otherwise does nothing. */
  progress(progress: number, total: number, message: string): Promise<void>;
  /** Work that goes on after the result (watching for a sign-in), stopped when the session ends. */
  background(task: (signal: AbortSignal) => Promise<void>): void;
}

/** A text field of a form; never a secret (the MCP spec forbids asking for secrets in a form). */
export interface FormField {
  name: string;
  title: string;
  description?: string;
  allowedValues?: string[];
}

export interface PersonChannel {
  /** Form elicitation, when the client declared it: the values entered, or undefined if the person declined. */
  fillForm?: (message: string, fields: FormField[]) => Promise<Record<string, string> | undefined>;
  /**
   * URL elicitation, when the client declared it: asks the client to open the url. Resolves with whether
   * the person agreed, and a function that tells the client the interaction has completed.
   */
  openUrl?: (message: string, url: string) => Promise<{ accepted: boolean; complete: () => Promise<void> }>;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolResult<Output> {
  structuredContent: Output;
  /** A short readable summary for clients that show text only. */
  text: string;
}

type Infer<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;

export interface ToolDefinition<Input extends z.ZodRawShape = z.ZodRawShape, Output extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: Input;
  outputSchema: Output;
  annotations: ToolAnnotations;
  /** Argument values that are secrets: kept out of any error text. */
  secrets?: (args: Infer<Input>) => (string | undefined)[];
  handler: (deps: ServerDeps) => (args: Infer<Input>, context: ToolContext) => Promise<ToolResult<Infer<Output>>>;
}

/** Identity, for type inference of a tool's argument and output types. */
export function defineTool<Input extends z.ZodRawShape, Output extends z.ZodRawShape>(
  tool: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return tool;
}
