import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from "../../src/cyclr/retry.js";

const now = Date.parse("2026-01-01T00:00:00Z");
const base = { attempts: 1, remainingMs: 30_000, now, random: 0.5 };

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, and nothing else", () => {
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(new Date(now + 5_000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter(new Date(now - 5_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter("1.5", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("retryDelay", () => {
  it("retries 429, 502, 503, 504 and connection failures, not 500, 400 or timeouts", () => {
    for (const status of [429, 502, 503, 504]) expect(retryDelay({ ...base, status })).toBeGreaterThan(0);
    for (const code of ["ECONNRESET", "ECONNREFUSED", "EPIPE"]) expect(retryDelay({ ...base, code })).toBeGreaterThan(0);
    for (const status of [500, 400, 401, 404]) expect(retryDelay({ ...base, status })).toBeUndefined();
    expect(retryDelay({ ...base, code: "ETIMEDOUT" })).toBeUndefined();
  });

  it("backs off exponentially with jitter, at most 3 attempts in all", () => {
    expect(retryDelay({ ...base, status: 503, random: 0 })).toBe(100);
    expect(retryDelay({ ...base, status: 503, random: 0.999 })).toBeCloseTo(200, -1);
    expect(retryDelay({ ...base, attempts: 2, status: 503, random: 0 })).toBe(200);
    expect(retryDelay({ ...base, attempts: 3, status: 503 })).toBeUndefined();
  });

  it("honours Retry-After up to the cap, and reports a longer one instead of waiting", () => {
    expect(retryDelay({ ...base, status: 429, retryAfter: "2" })).toBe(2000);
    expect(retryDelay({ ...base, status: 503, retryAfter: new Date(now + 4_000).toUTCString() })).toBe(4000);
    expect(retryDelay({ ...base, status: 429, retryAfter: String(DEFAULT_RETRY_POLICY.maxRetryAfterMs / 1000 + 1) })).toBeUndefined();
  });

  it("never waits past the overall budget", () => {
    expect(retryDelay({ ...base, status: 429, retryAfter: "2", remainingMs: 1_500 })).toBeUndefined();
    expect(retryDelay({ ...base, status: 503, remainingMs: 120 })).toBeUndefined();
  });
});
