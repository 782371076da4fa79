/**
 * Fault injection for the sandbox, used by the tests: answer a route N times with a status (with
 * or without Retry-After), delay answers, drop connections, send malformed JSON or an HTML error
 * page, stream a huge or trickling body, or lose the answer of a request that was carried out. Driven programmatically
 * (Sandbox.injectFault) or, only when the sandbox is started with faultControl, over HTTP at
 * /__sandbox/faults.
 */
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import * as z from "zod";

export interface SandboxFault {
  /** Only requests with this method; any method when left out. */
  method?: string;
  /** The decoded request path, exactly, or a pattern. */
  path: string | RegExp;
  /** How many matching requests it applies to; default 1. */
  times?: number;
  /** Let this many matching requests through untouched first; default 0. */
  skip?: number;
  /** Wait this long before answering (or before dropping the connection). */
  delayMs?: number;
  /** Answer with this status instead of the real answer. */
  status?: number;
  /** The body to answer with; by default Cyclr's {"Message":"An error has occurred."} (or see `respond`). */
  body?: string;
  /** A body of another kind: an HTML error page (as a proxy sends), or JSON cut short. Status 200 unless `status` is given. */
  respond?: "html" | "malformed-json";
  headers?: Record<string, string>;
  /** Sets Retry-After: seconds, or an HTTP date as text. */
  retryAfter?: number | string;
  /**
   * Answer with a JSON array of this many bytes (about), streamed in chunks as it is sent, never
   * built in memory: a runaway catalog page. Status 200 unless `status` is given.
   */
  hugeBody?: number;
  /** With hugeBody: send it in chunks of 1 KiB with this pause between them (a body that trickles). */
  trickleMs?: number;
  /** With hugeBody: send a Content-Length (otherwise the body is chunked and its size unknown up front). */
  declareLength?: boolean;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Carry the request out first, then fail it: the change is made, the answer lost. */
  afterHandling?: boolean;
}

/** The HTTP control's body: a SandboxFault with `pathPattern` (a regular expression's source) for a RegExp. */
export const SandboxFaultBodySchema = z
  .object({
    method: z.string().min(1).max(10).optional(),
    path: z.string().min(1).max(500).optional(),
    pathPattern: z.string().min(1).max(500).optional(),
    times: z.number().int().min(1).max(1000).optional(),
    skip: z.number().int().min(0).max(1000).optional(),
    delayMs: z.number().int().min(0).max(60_000).optional(),
    status: z.number().int().min(100).max(599).optional(),
    body: z.string().max(100_000).optional(),
    respond: z.enum(["html", "malformed-json"]).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    retryAfter: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
    // Up to 4 GiB: the body is streamed, so its size costs the sandbox nothing.
    hugeBody: z.number().int().min(4).max(4 * 1024 ** 3).optional(),
    trickleMs: z.number().int().min(1).max(60_000).optional(),
    declareLength: z.boolean().optional(),
    drop: z.boolean().optional(),
    afterHandling: z.boolean().optional(),
  })
  .strict()
  .refine((body) => (body.path === undefined) !== (body.pathPattern === undefined), { message: "give exactly one of path and pathPattern" });

export function faultFromBody(body: z.output<typeof SandboxFaultBodySchema>): SandboxFault {
  const { path, pathPattern, ...rest } = body;
  const fault: SandboxFault = { path: pathPattern !== undefined ? new RegExp(pathPattern) : (path as string) };
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) Object.assign(fault, { [key]: value });
  return fault;
}

/** The faults waiting to happen, first added first matched. */
export class FaultList {
  private readonly faults: (SandboxFault & { remaining: number; toSkip: number })[] = [];

  add(fault: SandboxFault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1, toSkip: fault.skip ?? 0 });
  }

  clear(): void {
    this.faults.splice(0);
  }

  /** The fault that applies to this request, counted as used. */
  take(method: string, path: string): SandboxFault | undefined {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && (typeof f.path === "string" ? f.path === path : f.path.test(path)),
    );
    if (!fault) return undefined;
    if (fault.toSkip > 0) {
      fault.toSkip -= 1;
      return undefined;
    }
    fault.remaining -= 1;
    return fault;
  }
}

/** Whether the fault replaces the real answer (otherwise it only delays it, or drops the connection). */
export function replacesAnswer(fault: SandboxFault): boolean {
  return fault.status !== undefined || fault.respond !== undefined || fault.body !== undefined || fault.hugeBody !== undefined;
}

/**
 * Streams the fault's huge body: "[", then {"Padding":"xxx…"} items, then "]", `hugeBody` bytes in
 * all. One chunk is made and sent again and again, waiting for the socket to drain, so the sandbox
 * holds one chunk however large the body; it stops when the client goes away.
 */
export async function writeHugeBody(res: ServerResponse, fault: SandboxFault & { hugeBody: number }): Promise<void> {
  const total = fault.hugeBody;
  const chunkBytes = Math.max(16, Math.min(fault.trickleMs !== undefined ? 1024 : 64 * 1024, total));
  // An item of exactly chunkBytes, comma included: {"Padding":"…"},
  const item = Buffer.from(`{"Padding":"${"x".repeat(chunkBytes - 15)}"},`);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", ...fault.headers };
  if (fault.declareLength) headers["content-length"] = String(total);
  res.writeHead(fault.status ?? 200, headers);
  let gone = false;
  res.once("close", () => (gone = true));
  res.write("[");
  let sent = 1;
  // Items while there is room for one and the closing '{}]'.
  while (!gone && sent + item.length + 3 <= total) {
    if (fault.trickleMs !== undefined) await sleep(fault.trickleMs);
    if (gone) break;
    if (!res.write(item)) await drainedOrClosed(res);
    sent += item.length;
  }
  if (!gone) res.end(`${" ".repeat(Math.max(0, total - sent - 3))}{}]`);
}

/** Until the response can take more, or is gone; the listener that did not fire is removed (one wait per chunk would pile them up). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

export function faultAnswer(fault: SandboxFault): { status: number; headers: Record<string, string>; body: string } {
  const status = fault.status ?? (fault.respond !== undefined ? 200 : 500);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  let body = fault.body ?? JSON.stringify({ Message: "An error has occurred." });
  if (fault.respond === "html") {
    headers["content-type"] = "text/html; charset=utf-8";
    body = fault.body ?? htmlErrorPage(status);
  } else if (fault.respond === "malformed-json") {
    body = fault.body ?? '{"Id": 1, "Name": "Cut sh';
  }
  if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
  return { status, headers: { ...headers, ...fault.headers }, body };
}

/** The kind of page a load balancer or proxy sends instead of the API's JSON. */
function htmlErrorPage(status: number): string {
  const title = `${status} ${status === 502 ? "Bad Gateway" : status === 503 ? "Service Temporarily Unavailable" : status === 504 ? "Gateway Time-out" : "Error"}`;
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>\n`;
}
