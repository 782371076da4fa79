/**
 * The wire to Cyclr: keep-alive connections (node:http, or node:https for an https API URL), an
 * overall time budget per call (body and retries included), a limit on the size of an answer, and
 * retries of safe requests. No auth: http.ts adds the bearer token, access-token.ts fetches it.
 *
 * Node's own HTTP client rather than undici: undici took 40 to 100 ms to load on the first call
 * to Cyclr (about half of a cold first list_connectors), and its HTTP parser is WebAssembly, which
 * V8 recompiles with TurboFan once it is warm, a spike of some 15 to 30 MB of memory in the first
 * seconds of traffic (bench/results.md). node:http's parser is built into Node, and the retries,
 * whose decisions were already ours (retry.ts), are a loop here.
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../config/cyclr.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import {
  CyclrNetworkError,
  CyclrResponseTooLargeError,
  CyclrTimeoutError,
  type CyclrError,
  type CyclrRequestInfo,
  type CyclrTarget,
} from "./errors.js";
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from "./retry.js";

export interface CyclrRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as X-Cyclr-Account: account-level calls need it. */
  accountId?: string;
  json?: unknown;
  form?: Record<string, string>;
  target?: CyclrTarget;
  /** Values in this request that are secret (an AuthValue, say): redacted from any error text. */
  secrets?: readonly (string | undefined)[];
  signal?: AbortSignal;
  /**
   * A POST that may be repeated without harm (the access-token request). GETs always may; every
   * other write (install, properties, sign-in token) is sent once, whatever happens.
   */
  retrySafe?: boolean;
  /** An empty body is a success with nothing to say (parsed as undefined): deauthenticate and delete answers. */
  emptyBodyOk?: boolean;
  /**
   * Large string fields the schema does not read (the catalog's icons): their values are nulled in
   * the JSON text as it is read, so they are never built (withoutValues).
   */
  unreadFields?: readonly string[];
}

export interface RawResponse {
  status: number;
  text: string;
  /** Header names lower-case; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export interface HttpTransportOptions {
  apiUrl: string;
  timeoutMs: number;
  /** CYCLR_MAX_RESPONSE_BYTES: a larger body is refused, and not read past the limit. */
  maxResponseBytes?: number;
  userAgent: string;
  redactor: Redactor;
  logger: Logger;
  retryPolicy?: RetryPolicy;
  /** For tests: the jitter source. */
  random?: () => number;
}

/** How long an idle connection is kept for the next call (or less, when the server's Keep-Alive header says so). */
const KEEP_ALIVE_MS = 10_000;

/** The agent that keeps connections to the API's origin, and the request function of its module. */
interface Connection {
  agent: Agent;
  request: (url: URL, options: RequestOptions, callback: (response: IncomingMessage) => void) => ClientRequest;
}

/**
 * Sends one request, retrying it when that is safe; turns network failures and timeouts into
 * CyclrErrors. No auth.
 *
 * A GET is retried, and a POST that says it may be (the access-token request, retrySafe); every
 * other write is sent once. When and after how long is retry.ts's decision, made with what is left
 * of the overall CYCLR_TIMEOUT_MS budget, so retries never outlast it; a cancelled call stops
 * waiting at once; a Retry-After longer than the policy allows is reported, not waited out.
 */
export class HttpTransport {
  private connection?: Promise<Connection>;
  private readonly retryPolicy: RetryPolicy;
  private readonly random: () => number;
  private readonly maxResponseBytes: number;

  constructor(readonly options: HttpTransportOptions) {
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.random = options.random ?? Math.random;
  }

  /** node:http or node:https by the API URL, loaded on the first call to Cyclr, not at start-up. */
  private connect(): Promise<Connection> {
    this.connection ??= (async () => {
      const module = new URL(this.options.apiUrl).protocol === "https:" ? await import("node:https") : await import("node:http");
      // timeout: an idle kept connection is closed after it (Node takes the server's Keep-Alive hint when shorter).
      return { agent: new module.Agent({ keepAlive: true, timeout: KEEP_ALIVE_MS }), request: module.request };
    })();
    return this.connection;
  }

  info(req: CyclrRequest): CyclrRequestInfo {
    const info: CyclrRequestInfo = { method: req.method, path: req.path };
    if (req.accountId !== undefined) info.accountId = req.accountId;
    if (req.target !== undefined) info.target = req.target;
    return info;
  }

  async send(req: CyclrRequest, bearer?: string): Promise<RawResponse> {
    const url = new URL(req.path, this.options.apiUrl);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json", "user-agent": this.options.userAgent };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (req.accountId !== undefined) headers["x-cyclr-account"] = req.accountId;
    let body: string | undefined;
    if (req.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(req.form).toString();
    } else if (req.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(req.json);
    }
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));

    // One budget for the whole call, retries and their waits included.
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const started = performance.now();
    const deadline = Date.now() + this.options.timeoutMs;
    const repeatable = req.method === "GET" || req.retrySafe === true;
    const connection = await this.connect();
    for (let attempts = 1; ; attempts++) {
      let response: IncomingMessage | undefined;
      let failure: unknown;
      try {
        response = await dispatch(connection, url, { method: req.method, headers, signal }, body);
      } catch (error) {
        failure = error;
      }
      const delay = repeatable && !signal.aborted ? this.retryAfter(attempts, response, failure, deadline) : undefined;
      if (delay === undefined) {
        if (response === undefined) throw this.networkError(failure, req, timeout.aborted);
        return this.answer(response, req, started, timeout);
      }
      // Not the answer taken: its body is read to the end, so its connection can be used again.
      response?.resume();
      this.options.logger.info("retrying cyclr request", {
        method: req.method,
        path: req.path,
        after: response?.statusCode ?? errorCode(failure),
        attempt: attempts + 1,
        waitMs: delay,
      });
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        // Cancelled, or out of time, while waiting to try again.
        throw this.networkError(signal.reason, req, timeout.aborted);
      }
    }
  }

  /** retry.ts's decision on this attempt's answer or failure: how long to wait, or undefined to report it. */
  private retryAfter(attempts: number, response: IncomingMessage | undefined, failure: unknown, deadline: number): number | undefined {
    const retryAfter = response?.headers["retry-after"];
    const code = response === undefined ? errorCode(failure) : undefined;
    const now = Date.now();
    return retryDelay(
      {
        attempts,
        ...(response?.statusCode !== undefined && { status: response.statusCode }),
        ...(code !== undefined && { code }),
        ...(retryAfter !== undefined && { retryAfter }),
        remainingMs: deadline - now,
        now,
        random: this.random(),
      },
      this.retryPolicy,
    );
  }

  /** The answer taken: its body read within the limit and the budget. */
  private async answer(response: IncomingMessage, req: CyclrRequest, started: number, timeout: AbortSignal): Promise<RawResponse> {
    try {
      const text = await this.readBody(response, req);
      this.options.logger.debug("cyclr request", {
        method: req.method,
        path: req.path,
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
      });
      return { status: response.statusCode ?? 0, text, headers: flattenHeaders(response.headers) };
    } catch (error) {
      if (error instanceof CyclrResponseTooLargeError) throw error;
      throw this.networkError(error, req, timeout.aborted);
    }
  }

  /**
   * The body as text, at most maxResponseBytes of it: refused at once on a larger Content-Length,
   * else counted while it streams and destroyed as soon as it passes the limit, so a huge answer
   * costs at most the limit in memory. The call's signal (caller and CYCLR_TIMEOUT_MS) covers this
   * too: aborting the request destroys the body mid-stream, so a body that trickles past the
   * deadline fails here as a timeout, though no single pause is long.
   */
  private async readBody(response: IncomingMessage, req: CyclrRequest): Promise<string> {
    const limit = this.maxResponseBytes;
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      response.destroy();
      throw new CyclrResponseTooLargeError(limit, declared, this.info(req));
    }
    // Decoded as it comes (a character split between chunks waits for the next one): each chunk's
    // buffer is garbage at once, rather than all of them held until the end and copied whole.
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const parts: string[] = [];
    let size = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        response.destroy();
        throw new CyclrResponseTooLargeError(limit, undefined, this.info(req));
      }
      parts.push(decoder.decode(chunk, { stream: true }));
    }
    // A response whose connection was cut before its end is not an answer.
    if (!response.complete) throw Object.assign(new Error("the connection closed before the answer ended"), { code: "ECONNRESET" });
    parts.push(decoder.decode());
    const text = parts.join("");
    return req.unreadFields?.length ? withoutValues(text, req.unreadFields) : text;
  }

  private networkError(error: unknown, req: CyclrRequest, timedOut: boolean): CyclrError {
    const info = this.info(req);
    if (timedOut) return new CyclrTimeoutError(this.options.timeoutMs, info, { cause: error });
    if (req.signal?.aborted) return new CyclrNetworkError(`The request ${req.method} ${req.path} was cancelled`, info, { cause: error, cancelled: true });
    const code = errorCode(error);
    const origin = new URL(this.options.apiUrl).origin;
    const notSent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
    if (code === "ECONNRESET" || code === "EPIPE") {
      return new CyclrNetworkError(`The connection to Cyclr at ${origin} was closed before ${req.method} ${req.path} was answered (${code})`, info, { cause: error });
    }
    return new CyclrNetworkError(`Could not reach Cyclr at ${origin}${code ? ` (${code})` : ""}`, info, { cause: error, notSent });
  }

  async close(): Promise<void> {
    const connection = await this.connection;
    connection?.agent.destroy();
  }
}

/** Sends the request; resolves with the response once its status and headers have come. */
function dispatch(connection: Connection, url: URL, options: { method: string; headers: Record<string, string>; signal: AbortSignal }, body: string | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = connection.request(url, { ...options, agent: connection.agent }, resolve);
    outgoing.once("error", reject);
    outgoing.end(body);
  });
}

/**
 * The JSON text with the string values of the fields named set to null, wherever they are: a page
 * of the catalog is mostly icons (about 2.3 KB of base64 each, some 80 % of its bytes), which the
 * schema never reads, and parsing them only to drop them churns the young generation. A match
 * needs a structural position: after "{" or "," comes the quoted name, then ":" and a string;
 * inside a JSON string every quote is escaped, so no string's content can match. Valid JSON stays
 * valid; the time is about that of parsing the icons. Done as the body is read, so the page's whole
 * text is garbage at once, before any parsing allocates.
 */
export function withoutValues(text: string, fields: readonly string[]): string {
  if (!fields.every((field) => /^\w+$/.test(field))) throw new Error(`unreadFields must be plain names: ${fields.join(", ")}`);
  const pattern = new RegExp(`([{,]\\s*"(?:${fields.join("|")})"\\s*:\\s*)"(?:[^"\\\\]+|\\\\.)*"`, "g");
  return text.replace(pattern, "$1null");
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

