/**
 * When a safe request (a GET, or the access-token POST) is tried again, and after how long. Pure:
 * transport.ts asks it after each attempt, and does the waiting and the sending again.
 *
 * Retried: 429 (after Retry-After, in seconds or as an HTTP date), 502, 503, 504, and a connection
 * reset, refused or closed by the other side. Not retried: 500 (Cyclr answers 500 to some bad
 * requests, api-notes §8), timeouts (the budget is spent), and anything that is not safe to repeat.
 */

/** Statuses worth another try: rate limited, or a gateway/proxy that could not reach Cyclr. */
export const RETRY_STATUSES: readonly number[] = [429, 502, 503, 504];

/** Connection failures worth another try: reset or closed by the other side, refused, a broken pipe. */
export const RETRY_ERROR_CODES: readonly string[] = ["ECONNRESET", "ECONNREFUSED", "EPIPE"];

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubled for each later one, then jittered. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After honoured; a longer one is reported rather than waited for. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, maxRetryAfterMs: 10_000 };

export interface RetryInput {
  /** Attempts made so far (1 after the first failure). */
  attempts: number;
  status?: number;
  code?: string;
  retryAfter?: string;
  /** What is left of the overall budget (CYCLR_TIMEOUT_MS) for this call. */
  remainingMs: number;
  now: number;
  /** In [0, 1). */
  random: number;
}

/** Milliseconds from `now` that a Retry-After value asks for, or undefined if it is not a valid one. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date must name a weekday or month; Date.parse alone accepts too much ("1.5", say).
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** How long to wait before trying again, or undefined to give up and report this answer. */
export function retryDelay(input: RetryInput, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number | undefined {
  if (input.attempts >= policy.maxAttempts) return undefined;
  const retryable = input.status !== undefined ? RETRY_STATUSES.includes(input.status) : input.code !== undefined && RETRY_ERROR_CODES.includes(input.code);
  if (!retryable) return undefined;
  let delay: number;
  const asked = input.status === 429 || input.status === 503 ? parseRetryAfter(input.retryAfter, input.now) : undefined;
  if (asked !== undefined) {
    if (asked > policy.maxRetryAfterMs) return undefined;
    delay = asked;
  } else {
    // Exponential backoff with "equal jitter": half fixed, half random, so retries spread out.
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (input.attempts - 1));
    delay = Math.round(ceiling / 2 + (input.random * ceiling) / 2);
  }
  // The next attempt must start with time left to be answered; otherwise report what we have now.
  if (delay >= input.remainingMs - MIN_ATTEMPT_MS) return undefined;
  return delay;
}

/** Less than this left of the budget is not worth another attempt. */
const MIN_ATTEMPT_MS = 50;
