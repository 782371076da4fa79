/**
 * One error family for the Cyclr API client. Messages are safe to show (secrets redacted before
 * construction); the original cause is kept for logs. Nothing here knows about MCP.
 */

/** What a request was about, so an error can name the unknown id and where to look for the right one. */
export interface CyclrTarget {
  /** "new account": an account being created, with the id asked for (if any). */
  kind: "connector" | "account connector" | "account" | "new account" | "accounts" | "catalog" | "access token" | "templates" | "template" | "cycle" | "step" | "parameter" | "field";
  id?: string;
  /** For a parameter or a field: the step it belongs to. */
  stepId?: string;
}

export interface CyclrRequestInfo {
  method: string;
  path: string;
  accountId?: string;
  target?: CyclrTarget;
}

export type CyclrErrorCode =
  | "CYCLR_HTTP_ERROR"
  | "CYCLR_AUTH_ERROR"
  | "CYCLR_NETWORK_ERROR"
  | "CYCLR_TIMEOUT"
  | "CYCLR_BAD_RESPONSE"
  | "CYCLR_RESPONSE_TOO_LARGE";

export abstract class CyclrError extends Error {
  abstract readonly code: CyclrErrorCode;
  constructor(
    message: string,
    readonly request: CyclrRequestInfo,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What else an error answer told: an HTML page instead of JSON, a Retry-After. */
export interface CyclrHttpErrorDetails {
  /** The body was an HTML page (a proxy's or gateway's error page, usually); its title if it had one, redacted. */
  html?: { title?: string };
  /** Retry-After, in seconds from when the answer came. */
  retryAfterSeconds?: number;
}

/** Cyclr answered with a non-success status. `upstreamMessage` is Cyclr's {"Message"}, redacted. */
export class CyclrHttpError extends CyclrError {
  override readonly name = "CyclrHttpError";
  readonly code = "CYCLR_HTTP_ERROR";
  constructor(
    readonly status: number,
    readonly upstreamMessage: string | undefined,
    request: CyclrRequestInfo,
    readonly details: CyclrHttpErrorDetails = {},
  ) {
    super(
      `Cyclr answered ${status} to ${request.method} ${request.path}${upstreamMessage ? `: ${upstreamMessage}` : details.html ? " with an HTML page" : ""}`,
      request,
    );
  }
}

/** The credentials were refused: the token endpoint said no, or a fresh token still got 401. */
export class CyclrAuthError extends CyclrError {
  override readonly name = "CyclrAuthError";
  readonly code = "CYCLR_AUTH_ERROR";
  constructor(
    message: string,
    request: CyclrRequestInfo,
    readonly status?: number,
    /** Refused with a token Cyclr had just issued: the credentials work, so the account or the token's rights are wrong. */
    readonly afterFreshToken = false,
  ) {
    super(message, request);
  }
}

export class CyclrNetworkError extends CyclrError {
  override readonly name = "CyclrNetworkError";
  readonly code = "CYCLR_NETWORK_ERROR";
  /** The request surely never reached Cyclr (connection refused, host unknown), or the caller cancelled it. */
  readonly notSent: boolean;
  readonly cancelled: boolean;
  constructor(message: string, request: CyclrRequestInfo, options?: { cause?: unknown; notSent?: boolean; cancelled?: boolean }) {
    super(message, request, options);
    this.notSent = options?.notSent ?? false;
    this.cancelled = options?.cancelled ?? false;
  }
}

export class CyclrTimeoutError extends CyclrError {
  override readonly name = "CyclrTimeoutError";
  readonly code = "CYCLR_TIMEOUT";
  constructor(
    readonly timeoutMs: number,
    request: CyclrRequestInfo,
    options?: { cause?: unknown },
  ) {
    super(`Cyclr did not answer ${request.method} ${request.path} within ${timeoutMs} ms`, request, options);
  }
}

/** Cyclr answered 2xx with a body that is not the JSON shape the docs describe. */
export class CyclrResponseError extends CyclrError {
  override readonly name = "CyclrResponseError";
  readonly code = "CYCLR_BAD_RESPONSE";
}

/**
 * The answer's body was larger than CYCLR_MAX_RESPONSE_BYTES: refused on its Content-Length, or cut
 * off while reading once it passed the limit. Its status is not looked at: a body that size is not
 * one Cyclr's docs describe, whatever the status.
 */
export class CyclrResponseTooLargeError extends CyclrError {
  override readonly name = "CyclrResponseTooLargeError";
  readonly code = "CYCLR_RESPONSE_TOO_LARGE";
  constructor(
    readonly limitBytes: number,
    /** The Content-Length Cyclr declared, when it declared one. */
    readonly declaredBytes: number | undefined,
    request: CyclrRequestInfo,
  ) {
    super(
      `Cyclr's answer to ${request.method} ${request.path} is larger than the limit of ${limitBytes} bytes` +
        `${declaredBytes !== undefined ? ` (it declared ${declaredBytes} bytes)` : ""}; the setting CYCLR_MAX_RESPONSE_BYTES raises the limit`,
      request,
    );
  }
}

/**
 * Whether a failed write may still have been carried out by Cyclr: the request may have arrived,
 * but its answer was lost (timeout, reset) or was a server error. Such a write must not be sent
 * again blindly; its effect has to be looked up.
 */
export function mayHaveBeenApplied(error: unknown): error is CyclrError {
  if (error instanceof CyclrTimeoutError || error instanceof CyclrResponseError || error instanceof CyclrResponseTooLargeError) return true;
  if (error instanceof CyclrNetworkError) return !error.notSent && !error.cancelled;
  if (error instanceof CyclrHttpError) return error.status >= 500;
  return false;
}
