/**
 * The HTTP boundary to Cyclr: one undici Agent, per-request timeouts, bearer auth with a single
 * refresh-and-retry on 401, Cyclr's {"Message"} errors, and zod parsing of every JSON body.
 */
import { Agent, errors as undiciErrors, request } from "undici";
import type { z } from "zod";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import type { AccessTokenSource } from "./access-token.js";
import {
  CyclrAuthError,
  type CyclrError,
  CyclrHttpError,
  CyclrNetworkError,
  CyclrResponseError,
  CyclrTimeoutError,
  type CyclrRequestInfo,
  type CyclrTarget,
} from "./errors.js";
import { ErrorBodySchema } from "./schemas.js";

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
}

export interface RawResponse {
  status: number;
  text: string;
}

export interface HttpTransportOptions {
  apiUrl: string;
  timeoutMs: number;
  userAgent: string;
  redactor: Redactor;
  logger: Logger;
}

/** Sends one request; turns network failures and timeouts into CyclrErrors. No auth, no retries. */
export class HttpTransport {
  private readonly agent: Agent;

  constructor(readonly options: HttpTransportOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
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

    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const started = performance.now();
    try {
      const response = await request(url, { method: req.method, headers, body, dispatcher: this.agent, signal });
      const text = await response.body.text();
      this.options.logger.debug("cyclr request", {
        method: req.method,
        path: req.path,
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
      });
      return { status: response.statusCode, text };
    } catch (error) {
      throw this.networkError(error, req, timeout.aborted);
    }
  }

  private networkError(error: unknown, req: CyclrRequest, timedOut: boolean): CyclrError {
    const info = this.info(req);
    const isTimeout =
      timedOut ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError;
    if (isTimeout) return new CyclrTimeoutError(this.options.timeoutMs, info, { cause: error });
    if (req.signal?.aborted) return new CyclrNetworkError(`The request ${req.method} ${req.path} was cancelled`, info, { cause: error });
    const code = errorCode(error);
    const origin = new URL(this.options.apiUrl).origin;
    return new CyclrNetworkError(`Could not reach Cyclr at ${origin}${code ? ` (${code})` : ""}`, info, { cause: error });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Authenticated JSON calls: bearer from the token source, one refresh on 401, zod-checked bodies. */
export class CyclrHttp {
  constructor(
    private readonly transport: HttpTransport,
    private readonly tokens: AccessTokenSource,
    private readonly redactor: Redactor,
  ) {}

  async json<S extends z.ZodType>(schema: S, req: CyclrRequest): Promise<z.output<S>> {
    const token = await this.tokens.get(req.signal);
    let response = await this.transport.send(req, token);
    if (response.status === 401 && this.tokens.canRefresh) {
      const fresh = await this.tokens.refresh(token, req.signal);
      response = await this.transport.send(req, fresh);
    }
    this.redactor.register(...(req.secrets ?? []));
    const redactor = this.redactor;
    const info = this.transport.info(req);
    if (response.status === 401) {
      const reason = upstreamMessage(response.text, redactor);
      throw new CyclrAuthError(`Cyclr refused the request ${req.method} ${req.path} (401)${reason ? `: ${reason}` : ""}`, info, 401);
    }
    if (response.status < 200 || response.status > 299) {
      throw new CyclrHttpError(response.status, upstreamMessage(response.text, redactor), info);
    }
    return parseBody(schema, response.text, info);
  }
}

/** Cyclr's {"Message"} (or an OAuth {"error"}), redacted; a short snippet of anything else. */
export function upstreamMessage(text: string, redactor: Redactor): string | undefined {
  let message: string | undefined;
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      const body = parsed.data;
      message = body.Message ?? [body.error, body.error_description].filter(Boolean).join(": ");
    }
  } catch {
    // Not JSON (an HTML error page from a proxy, say): no message worth showing.
  }
  return message ? redactor.text(message).slice(0, 500) : undefined;
}

export function parseBody<S extends z.ZodType>(schema: S, text: string, info: CyclrRequestInfo): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CyclrResponseError(`Cyclr answered ${info.method} ${info.path} with a body that is not JSON`, info, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => issue.path.join(".") || "(root)")
      .join(", ");
    throw new CyclrResponseError(`Cyclr answered ${info.method} ${info.path} with an unexpected JSON shape (at ${where})`, info, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
