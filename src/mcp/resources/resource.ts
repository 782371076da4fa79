import type { Completer } from "../completions.js";
import type { ServerDeps } from "../tool.js";

/** A resource (fixed uri) or a resource template (uriTemplate with {variables}), as plain data plus a reader. */
export interface ResourceDefinition {
  name: string;
  title: string;
  description: string;
  mimeType: "application/json" | "text/markdown";
  uri?: string;
  uriTemplate?: string;
  /** Completions (completion/complete) for some of the template's variables. */
  complete?: Record<string, (deps: ServerDeps) => Completer>;
  read: (deps: ServerDeps) => (variables: Record<string, string>, context: { signal: AbortSignal }) => Promise<string>;
}
