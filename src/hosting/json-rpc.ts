/**
 * Hosted mode's own answers, before or beside the SDK: reading a request's JSON body within a size
 * limit, and JSON-RPC errors that carry the request's id where it can be had.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** The most a POST to /mcp may carry. */
export const MAX_BODY_BYTES = 1024 * 1024;

export const INVALID = Symbol("invalid body");

export type JsonRpcId = string | number;

/** The request's JSON body, or INVALID after answering with the JSON-RPC error that fits. */
export async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      jsonRpcError(res, 413, -32600, `Request body too large: at most ${MAX_BODY_BYTES} bytes.`, { connection: "close" });
      req.destroy();
      return INVALID;
    }
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    jsonRpcError(res, 400, -32700, "Parse error: the body is not valid JSON.");
    return INVALID;
  }
  if (Array.isArray(body)) {
    // JSON-RPC batches were removed from MCP (protocol 2025-06-18): one message per request.
    jsonRpcError(res, 400, -32600, "Invalid request: batches are not supported; send one JSON-RPC message per request.");
    return INVALID;
  }
  return body;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

/** The id of a JSON-RPC request (a message with a method and an id); undefined for notifications and responses. */
export function requestId(body: unknown): JsonRpcId | undefined {
  if (!body || typeof body !== "object" || !("method" in body) || !("id" in body)) return undefined;
  const { id } = body as { id: unknown };
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

/** The most of a refused request's body read to find its id, and how long to wait for it. */
const REFUSED_BODY_BYTES = 64 * 1024;
const REFUSED_BODY_MS = 2_000;

/**
 * A JSON-RPC error for a request refused before its body was needed (no token, no session, shutting
 * down): the body is read, within a small limit and time, so the error carries the request's id
 * and the client can match it; null when it cannot be read.
 */
export async function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): Promise<void> {
  let id: JsonRpcId | null = null;
  if (req.method === "POST" && !req.readableEnded) {
    const text = await readSome(req, REFUSED_BODY_BYTES, REFUSED_BODY_MS);
    if (text !== undefined) {
      try {
        id = requestId(JSON.parse(text)) ?? null;
      } catch {
        // Not JSON: there is no id to give back.
      }
    }
  }
  jsonRpcError(res, status, code, message, { ...headers, ...(id === null && req.method === "POST" && !req.readableEnded && { connection: "close" }) }, id);
}

/** The whole body as text if it is at most `limit` bytes and arrives within `ms`; otherwise undefined. */
function readSome(req: IncomingMessage, limit: number, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (value: string | undefined) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onEnd);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(undefined);
      else chunks.push(chunk);
    };
    const onEnd = () => finish(size <= limit ? Buffer.concat(chunks).toString("utf8") : undefined);
    const timer = setTimeout(() => finish(undefined), ms);
    req.on("data", onData).once("end", onEnd).once("error", onEnd);
  });
}

export function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}, id: JsonRpcId | null = null): void {
  json(res, status, { jsonrpc: "2.0", error: { code, message }, id }, headers);
}
