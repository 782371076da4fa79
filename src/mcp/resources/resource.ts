import type { ServerDeps } from "../tool.js";

/** A resource (fixed uri) or a resource template (uriTemplate with {variables}), as plain data plus a reader. */
export interface ResourceDefinition {
  name: string;
  title: string;
  description: string;
  mimeType: "application/json" | "text/markdown";
  uri?: string;
  uriTemplate?: string;
  read: (deps: ServerDeps) => (variables: Record<string, string>, context: { signal: AbortSignal }) => Promise<string>;
}
