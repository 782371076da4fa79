/**
 * The wire to Cyclr: one undici Agent, an overall timeout per call (body included), a limit on the
 * size of an answer, and retries of safe requests through undici's retry interceptor. No auth:
 * http.ts adds the bearer token, access-token.ts fetches it.
 */
import type * as UndiciModule from "undici";
import type { Agent, Dispatcher, RetryHandler } from "undici";
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
import { DEFAULT_RETRY_POLICY, RETRY_ERROR_CODES, RETRY_STATUSES, retryDelay, type RetryPolicy } from "./retry.js";

export interface CyclrRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /**
   * Large string fields the schema does not read (the catalog's icons): their values are nulled in
   * the JSON text as it is read, so they are never built (withoutValues).
   */
  unreadFields?: readonly string[];
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

type RetryingRequestOptions = Omit<Dispatcher.RequestOptions, "origin" | "path"> & { retryOptions: RetryHandler.RetryOptions };

/**
 * Sends one request, retrying it when that is safe; turns network failures and timeouts into
 * CyclrErrors. No auth.
 *
 * Retries go through undici's retry interceptor (RetryHandler: it re-dispatches on the same Agent
 * and, with throwOnError off, hands the last answer through with its body). Its default decision
 * function is replaced by one made per request (retry.ts), because the default cannot keep the
 * retries inside the overall CYCLR_TIMEOUT_MS budget (it knows nothing of a deadline), would wait
 * out its backoff after the caller cancelled, and caps a long Retry-After instead of reporting it.
 * The methods list stays ['GET'] (undici's default also repeats PUT and DELETE); the access-token
 * POST opts in per request with retrySafe.
 */
type Undici = typeof UndiciModule.default;

/** The one Agent and its retrying dispatcher, made on the first request. */
interface Connection {
  undici: Undici;
  agent: Agent;
  dispatcher: Dispatcher;
}

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

  /** undici loads on the first call to Cyclr, not at start-up: a desktop client waits for start-up. */
  private connect(): Promise<Connection> {
    // The CommonJS module itself (`default`): what Node's loader and the bundle (scripts/bundle-server.mjs) both give.
    this.connection ??= import("undici").then(({ default: undici }) => {
      const agent = new undici.Agent({
        keepAliveTimeout: 10_000,
        connect: { timeout: this.options.timeoutMs },
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      const dispatcher = agent.compose(
        undici.interceptors.retry({
          methods: ["GET"],
          statusCodes: [...RETRY_STATUSES],
          errorCodes: [...RETRY_ERROR_CODES],
          maxRetries: this.retryPolicy.maxAttempts - 1,
          throwOnError: false,
        }),
      );
      return { undici, agent, dispatcher };
    });
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

    // One budget for the whole call, retries and their waits included.
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const started = performance.now();
    const deadline = Date.now() + this.options.timeoutMs;
    const options: RetryingRequestOptions = {
      method: req.method,
      headers,
      body,
      signal,
      retryOptions: {
        methods: req.retrySafe ? ["GET", "POST"] : ["GET"],
        retry: this.retryDecision(req, deadline, signal),
      },
    };
    const { undici, dispatcher } = await this.connect();
    try {
      const response = await dispatcher.request({ ...options, origin: url.origin, path: `${url.pathname}${url.search}` });
      const text = await this.readBody(response, req);
      // Cancelled while waiting to retry: the retry callback hands back the last answer; the caller has gone.
      if (req.signal?.aborted) throw req.signal.reason;
      this.options.logger.debug("cyclr request", {
        method: req.method,
        path: req.path,
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
      });
      return { status: response.statusCode, text, headers: flattenHeaders(response.headers) };
    } catch (error) {
      if (error instanceof CyclrResponseTooLargeError) throw error;
      throw this.networkError(undici, error, req, timeout.aborted);
    }
  }

  /**
   * The body as text, at most maxResponseBytes of it: refused at once on a larger Content-Length,
   * else counted while it streams and destroyed as soon as it passes the limit, so a huge answer
   * costs at most the limit in memory. The call's signal (caller and CYCLR_TIMEOUT_MS) covers this
   * too: undici destroys the body with the signal's reason when it aborts mid-body, so a body that
   * trickles past the deadline fails here as a timeout (bodyTimeout alone would not: it is the
   * longest pause between chunks, and a trickle never pauses that long).
   */
  private async readBody(response: Dispatcher.ResponseData, req: CyclrRequest): Promise<string> {
    const limit = this.maxResponseBytes;
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      response.body.destroy();
      throw new CyclrResponseTooLargeError(limit, declared, this.info(req));
    }
    // Decoded as it comes (a character split between chunks waits for the next one): each chunk's
    // buffer is garbage at once, rather than all of them held until the end and copied whole.
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const parts: string[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        response.body.destroy();
        throw new CyclrResponseTooLargeError(limit, undefined, this.info(req));
      }
      parts.push(decoder.decode(chunk, { stream: true }));
    }
    parts.push(decoder.decode());
    const text = parts.join("");
    return req.unreadFields?.length ? withoutValues(text, req.unreadFields) : text;
  }

  /** undici's retry callback for one request: retry.ts decides, within the deadline; cancellation stops the wait. */
  private retryDecision(req: CyclrRequest, deadline: number, signal: AbortSignal): RetryHandler.RetryCallback {
    return (error, { state, opts }, callback) => {
      const methods = opts.retryOptions?.methods ?? [];
      const { statusCode, code, headers } = error as Error & { statusCode?: number; code?: string; headers?: Record<string, string | string[] | undefined> };
      const retryAfter = headers?.["retry-after"];
      const now = Date.now();
      const delay =
        signal.aborted || !methods.includes(opts.method)
          ? undefined
          : retryDelay({
              attempts: state.counter,
              ...(statusCode !== undefined && code === "UND_ERR_REQ_RETRY" && { status: statusCode }),
              ...(code !== undefined && code !== "UND_ERR_REQ_RETRY" && { code }),
              ...(retryAfter !== undefined && { retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter }),
              remainingMs: deadline - now,
              now,
              random: this.random(),
            }, this.retryPolicy);
      if (delay === undefined) {
        callback(error);
        return;
      }
      this.options.logger.info("retrying cyclr request", {
        method: req.method,
        path: req.path,
        after: statusCode !== undefined && code === "UND_ERR_REQ_RETRY" ? statusCode : code,
        attempt: state.counter + 1,
        waitMs: delay,
      });
      let settled = false;
      const finish = (result: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        callback(result);
      };
      const onAbort = () => finish(error);
      const timer = setTimeout(() => finish(null), delay);
      signal.addEventListener("abort", onAbort, { once: true });
    };
  }

  private networkError(undici: Undici, error: unknown, req: CyclrRequest, timedOut: boolean): CyclrError {
    const info = this.info(req);
    const isTimeout =
      timedOut ||
      error instanceof undici.errors.HeadersTimeoutError ||
      error instanceof undici.errors.BodyTimeoutError ||
      error instanceof undici.errors.ConnectTimeoutError;
    if (isTimeout) return new CyclrTimeoutError(this.options.timeoutMs, info, { cause: error });
    if (req.signal?.aborted) return new CyclrNetworkError(`The request ${req.method} ${req.path} was cancelled`, info, { cause: error, cancelled: true });
    const code = errorCode(error);
    const origin = new URL(this.options.apiUrl).origin;
    const notSent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
    if (code === "UND_ERR_SOCKET" || code === "ECONNRESET") {
      return new CyclrNetworkError(`The connection to Cyclr at ${origin} was closed before ${req.method} ${req.path} was answered (${code})`, info, { cause: error });
    }
    return new CyclrNetworkError(`Could not reach Cyclr at ${origin}${code ? ` (${code})` : ""}`, info, { cause: error, notSent });
  }

  async close(): Promise<void> {
    const connection = await this.connection;
    await connection?.agent.close();
  }
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
