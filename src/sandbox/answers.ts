/** What the sandbox's routes share: the request and answer shapes, Cyclr's {"Message"} errors, bare-array pages. */

export interface SandboxRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

export interface SandboxResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApiOptions {
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds: number;
  defaultPageSize: number;
  maxPageSize?: number;
  /** Send a Total-Pages header on lists (inferred: whether Cyclr does is unknown, api-notes §9). */
  totalPagesHeader?: boolean;
}

export function json(status: number, value: unknown): SandboxResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "x-content-type-options": "nosniff" },
    body: JSON.stringify(value),
  };
}

export const message = (status: number, text: string) => json(status, { Message: text });

export function html(status: number, body: string): SandboxResponse {
  return { status, headers: { "content-type": "text/html; charset=utf-8", "x-content-type-options": "nosniff", "cache-control": "no-store" }, body };
}

export function redirect(location: string): SandboxResponse {
  return { status: 302, headers: { location, "cache-control": "no-store" }, body: "" };
}

export class BadBody extends Error {}

export function parseJson(req: SandboxRequest): unknown {
  if (req.body.trim() === "") return undefined;
  try {
    return JSON.parse(req.body);
  } catch {
    throw new BadBody("The request is invalid.");
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One page of a bare-array list, with a Total-Pages header when the sandbox is asked for one. */
export function paged<T, R>(items: T[], query: Record<string, string>, options: ApiOptions, render: (item: T) => R): SandboxResponse {
  const pageNumber = Math.max(1, Number.parseInt(query.page ?? "1", 10) || 1);
  let size = Number.parseInt(query.pageSize ?? "", 10) || options.defaultPageSize;
  if (options.maxPageSize !== undefined) size = Math.min(size, options.maxPageSize);
  size = Math.max(1, size);
  const response = json(200, items.slice((pageNumber - 1) * size, pageNumber * size).map(render));
  if (options.totalPagesHeader) response.headers["total-pages"] = String(Math.max(1, Math.ceil(items.length / size)));
  return response;
}

