/**
 * One error family for the Cyclr API client. Messages are safe to show (secrets redacted before
 * construction); the original cause is kept for logs. Nothing here knows about MCP.
 */

/** What a request was about, so an error can name the unknown id and where to look for the right one. */
export interface CyclrTarget {
  kind: "connector" | "account connector" | "account" | "catalog" | "access token";
  id?: string;
}

export interface CyclrRequestInfo {
  method: string;
  path: string;
  accountId?: string;
  target?: CyclrTarget;
}

export type CyclrErrorCode = "CYCLR_HTTP_ERROR" | "CYCLR_AUTH_ERROR" | "CYCLR_NETWORK_ERROR" | "CYCLR_TIMEOUT" | "CYCLR_BAD_RESPONSE";

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

/** Cyclr answered with a non-success status. `upstreamMessage` is Cyclr's {"Message"}, redacted. */
export class CyclrHttpError extends CyclrError {
  override readonly name = "CyclrHttpError";
  readonly code = "CYCLR_HTTP_ERROR";
  constructor(
    readonly status: number,
    readonly upstreamMessage: string | undefined,
    request: CyclrRequestInfo,
  ) {
    super(`Cyclr answered ${status} to ${request.method} ${request.path}${upstreamMessage ? `: ${upstreamMessage}` : ""}`, request);
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
  ) {
    super(message, request);
  }
}

export class CyclrNetworkError extends CyclrError {
  override readonly name = "CyclrNetworkError";
  readonly code = "CYCLR_NETWORK_ERROR";
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
