/**
 * The HTTP client against the sandbox's fault injection, over real loopback HTTP: retries of safe
 * requests, Retry-After, dropped connections, the overall timeout, cancellation, HTML and malformed
 * bodies, a limit on the size of an answer, writes sent once, and one token request for many calls
 * on an expired token.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CyclrClient } from "../../src/cyclr/client.js";
import { CyclrAuthError, CyclrHttpError, CyclrNetworkError, CyclrResponseError, CyclrResponseTooLargeError, CyclrTimeoutError } from "../../src/cyclr/errors.js";
import { describeError } from "../../src/mcp/errors.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxCyclrClient } from "../cyclr-on-sandbox.js";

let sandbox: Sandbox;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  sandbox.clearFaults();
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
  await sandbox?.close();
});

function client(options: { timeoutMs?: number; catalogTtlMs?: number; maxResponseBytes?: number } = {}): CyclrClient {
  const made = sandboxCyclrClient(sandbox, {
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.catalogTtlMs !== undefined && { catalogTtlMs: options.catalogTtlMs }),
    ...(options.maxResponseBytes !== undefined && { maxResponseBytes: options.maxResponseBytes }),
  });
  closers.push(made.close);
  return made.client;
}

const ACCOUNT_CONNECTOR = /^\/v1\.0\/account\/connectors\/\d+$/;
const since = (mark: number, path: string | RegExp, method = "GET") =>
  sandbox.requests.slice(mark).filter((r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path)));

async function installed(cyclr: CyclrClient): Promise<number> {
  return (await cyclr.installConnector(sandbox.accountId, 1001, { Name: `Pipedrive ${randomUUID()}` })).Id;
}

describe("retries of safe requests", () => {
  it("honours Retry-After in seconds on a 429, then succeeds", async () => {
    const cyclr = client();
    const id = await installed(cyclr);
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, status: 429, retryAfter: 1 });
    const mark = sandbox.requests.length;
    const started = performance.now();
    expect((await cyclr.getAccountConnector(sandbox.accountId, id)).Id).toBe(id);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(since(mark, ACCOUNT_CONNECTOR).map((r) => r.status)).toEqual([429, 200]);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const cyclr = client();
    const id = await installed(cyclr);
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, status: 503, retryAfter: new Date(Date.now() + 2_000).toUTCString() });
    const started = performance.now();
    expect((await cyclr.getAccountConnector(sandbox.accountId, id)).Id).toBe(id);
    // HTTP dates have whole seconds: at least ~1 s, at most 2 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("reports a Retry-After longer than it will wait, without waiting", async () => {
    const cyclr = client();
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, status: 429, retryAfter: 120, body: '{"Message":"Too many requests."}' });
    const mark = sandbox.requests.length;
    const error = await cyclr.getAccountConnector(sandbox.accountId, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrHttpError);
    expect(describeError(error)).toMatch(/429.*Too many requests.*wait 120 seconds/);
    expect(since(mark, ACCOUNT_CONNECTOR)).toHaveLength(1);
  });

  it("retries a GET whose connection was dropped", async () => {
    const cyclr = client();
    const id = await installed(cyclr);
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, drop: true });
    const mark = sandbox.requests.length;
    expect((await cyclr.getAccountConnector(sandbox.accountId, id)).Id).toBe(id);
    expect(since(mark, ACCOUNT_CONNECTOR).map((r) => r.status)).toEqual([0, 200]);
  });

  it("gives up after 3 attempts and reports the last answer: an HTML page from a gateway, clearly", async () => {
    const cyclr = client();
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, status: 502, respond: "html", times: 5 });
    const mark = sandbox.requests.length;
    const error = await cyclr.getAccountConnector(sandbox.accountId, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrHttpError);
    expect((error as CyclrHttpError).status).toBe(502);
    expect(describeError(error)).toMatch(/502.*an HTML page \("502 Bad Gateway"\), not Cyclr's JSON: usually an error page from a proxy, gateway/);
    expect(since(mark, ACCOUNT_CONNECTOR)).toHaveLength(3);
  });

  it("does not retry a 500", async () => {
    const cyclr = client();
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, status: 500 });
    const mark = sandbox.requests.length;
    await expect(cyclr.getAccountConnector(sandbox.accountId, 1)).rejects.toBeInstanceOf(CyclrHttpError);
    expect(since(mark, ACCOUNT_CONNECTOR)).toHaveLength(1);
  });

  it("retries the token request on a 503", async () => {
    const cyclr = client();
    sandbox.injectFault({ method: "POST", path: "/oauth/token", status: 503 });
    const mark = sandbox.requests.length;
    await cyclr.getConnector(sandbox.accountId, 1001);
    expect(since(mark, "/oauth/token", "POST").map((r) => r.status)).toEqual([503, 200]);
  });

  it("an HTML page or malformed JSON with a 200 is a clear bad-response error", async () => {
    const cyclr = client();
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, respond: "html", body: "<html><head><title>Sign in</title></head></html>" });
    const html = await cyclr.getAccountConnector(sandbox.accountId, 1).catch((e: unknown) => e);
    expect(html).toBeInstanceOf(CyclrResponseError);
    expect((html as Error).message).toMatch(/with an HTML page \("Sign in"\) instead of JSON/);
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, respond: "malformed-json" });
    const malformed = await cyclr.getAccountConnector(sandbox.accountId, 1).catch((e: unknown) => e);
    expect((malformed as Error).message).toMatch(/a body that is not JSON/);
  });
});

describe("the size of an answer", () => {
  const CATALOG = "/v1.0/connectors";
  const MB = 1024 * 1024;

  it("a 150 MB catalog page fails with the limit error, not read whole: memory grows by far less than the body", async () => {
    const cyclr = client({ catalogTtlMs: 0 });
    await cyclr.getConnector(sandbox.accountId, 1001); // a token first, and undici loaded
    sandbox.injectFault({ method: "GET", path: CATALOG, hugeBody: 150 * MB });
    const mark = sandbox.requests.length;
    const before = process.memoryUsage().rss;
    const error = await cyclr.listCatalog(sandbox.accountId).catch((e: unknown) => e);
    const grown = process.memoryUsage().rss - before;
    expect(error).toBeInstanceOf(CyclrResponseTooLargeError);
    expect((error as CyclrResponseTooLargeError).limitBytes).toBe(32 * MB);
    expect((error as Error).message).toMatch(/GET \/v1\.0\/connectors is larger than the limit of 33554432 bytes; the setting CYCLR_MAX_RESPONSE_BYTES raises the limit/);
    expect(describeError(error)).toMatch(/raise CYCLR_MAX_RESPONSE_BYTES/);
    expect(grown).toBeLessThan(100 * MB);
    // Not retried: the same answer would come again.
    expect(since(mark, CATALOG)).toHaveLength(1);
  });

  it("a declared Content-Length over the limit is refused before the body is read", async () => {
    const cyclr = client({ maxResponseBytes: 100_000 });
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, hugeBody: 5_000_000, declareLength: true });
    const error = await cyclr.getAccountConnector(sandbox.accountId, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrResponseTooLargeError);
    expect((error as CyclrResponseTooLargeError).declaredBytes).toBe(5_000_000);
    expect((error as Error).message).toMatch(/larger than the limit of 100000 bytes \(it declared 5000000 bytes\)/);
  });

  it("an answer within the limit is read as before, and the client keeps working after a refused one", async () => {
    const cyclr = client({ maxResponseBytes: 4 * MB, catalogTtlMs: 0 });
    sandbox.injectFault({ method: "GET", path: CATALOG, hugeBody: 8 * MB });
    await expect(cyclr.listCatalog(sandbox.accountId)).rejects.toBeInstanceOf(CyclrResponseTooLargeError);
    expect((await cyclr.listCatalog(sandbox.accountId)).connectors.length).toBeGreaterThan(0);
  });

  it("a body that trickles past the budget ends as a timeout, though no pause is long enough for bodyTimeout", async () => {
    const cyclr = client({ timeoutMs: 1_000 });
    await cyclr.getConnector(sandbox.accountId, 1001);
    // 1 KiB every 100 ms: 100 KiB would take 10 s.
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, hugeBody: 100 * 1024, trickleMs: 100 });
    const error = await cyclr.getAccountConnector(sandbox.accountId, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrTimeoutError);
    expect(describeError(error)).toMatch(/did not answer GET \/v1\.0\/account\/connectors\/1 within 1000 ms \(CYCLR_TIMEOUT_MS\)/);
  });
});

describe("writes are sent once", () => {
  it("a 503 on an install is not retried", async () => {
    const cyclr = client();
    sandbox.injectFault({ method: "POST", path: /\/install$/, status: 503 });
    const mark = sandbox.requests.length;
    await expect(cyclr.installConnector(sandbox.accountId, 1001, { Name: `Pipedrive ${randomUUID()}` })).rejects.toBeInstanceOf(CyclrHttpError);
    expect(since(mark, /\/install$/, "POST")).toHaveLength(1);
  });

  it("a dropped connection on a property POST is not retried", async () => {
    const cyclr = client();
    const id = await installed(cyclr);
    sandbox.injectFault({ method: "POST", path: /\/properties$/, drop: true });
    const mark = sandbox.requests.length;
    const error = await cyclr.setAccountConnectorProperty(sandbox.accountId, id, { name: "A", value: "1", sensitive: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrNetworkError);
    expect(since(mark, /\/properties$/, "POST")).toHaveLength(1);
  });
});

describe("the overall timeout and cancellation", () => {
  it("a slow answer times out within CYCLR_TIMEOUT_MS, retries included", async () => {
    const cyclr = client({ timeoutMs: 400 });
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, delayMs: 2_000 });
    const started = performance.now();
    const error = await cyclr.getAccountConnector(sandbox.accountId, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrTimeoutError);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("does not wait for a retry that cannot finish inside the budget", async () => {
    const cyclr = client({ timeoutMs: 600 });
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, status: 503, retryAfter: 2, times: 3 });
    const started = performance.now();
    await expect(cyclr.getAccountConnector(sandbox.accountId, 1)).rejects.toBeInstanceOf(CyclrHttpError);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("cancellation aborts the upstream call, also while waiting to retry", async () => {
    const cyclr = client();
    await cyclr.getConnector(sandbox.accountId, 1001); // a token first
    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, delayMs: 3_000 });
    const slow = new AbortController();
    const started = performance.now();
    setTimeout(() => slow.abort(), 100);
    const error = await cyclr.getAccountConnector(sandbox.accountId, 1, { signal: slow.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrNetworkError);
    expect(describeError(error)).toMatch(/was cancelled/);
    expect(performance.now() - started).toBeLessThan(1_000);

    sandbox.injectFault({ method: "GET", path: ACCOUNT_CONNECTOR, status: 429, retryAfter: 3 });
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 200);
    const begun = performance.now();
    await expect(cyclr.getAccountConnector(sandbox.accountId, 1, { signal: waiting.signal })).rejects.toBeInstanceOf(CyclrNetworkError);
    expect(performance.now() - begun).toBeLessThan(1_500);
  });
});

describe("tokens", () => {
  it("20 concurrent calls on a revoked token share one token request, and each is retried once", async () => {
    const cyclr = client();
    const id = await installed(cyclr);
    sandbox.revokeTokens();
    const mark = sandbox.requests.length;
    const results = await Promise.all(Array.from({ length: 20 }, () => cyclr.getAccountConnector(sandbox.accountId, id)));
    expect(results.every((r) => r.Id === id)).toBe(true);
    expect(since(mark, "/oauth/token", "POST")).toHaveLength(1);
    const calls = since(mark, ACCOUNT_CONNECTOR);
    expect(calls.filter((r) => r.status === 401)).toHaveLength(20);
    expect(calls.filter((r) => r.status === 200)).toHaveLength(20);
  });

  it("a 401 right after a fresh token: one clear error naming the account and X-Cyclr-Account, and no new token for each later call", async () => {
    const cyclr = client();
    const id = await installed(cyclr);
    // Cyclr refuses this account whatever the token: the account, or the token's rights, are wrong.
    sandbox.injectFault({ method: "GET", path: `/v1.0/account/connectors/${id}`, status: 401, times: 50, body: JSON.stringify({ Message: "Authorization has been denied for this request." }) });
    const mark = sandbox.requests.length;
    const errors = [];
    for (let i = 0; i < 10; i++) errors.push(await cyclr.getAccountConnector(sandbox.accountId, id).catch((e: unknown) => e));
    sandbox.clearFaults();
    expect(errors.every((e) => e instanceof CyclrAuthError && e.afterFreshToken)).toBe(true);
    expect(describeError(errors[0])).toMatch(new RegExp(`just issued.*account ${sandbox.accountId} \\(sent as X-Cyclr-Account\\)`));
    // One token for the first 401 (it may have expired), none after: the first call asks twice, the others once.
    expect(since(mark, "/oauth/token", "POST")).toHaveLength(1);
    expect(since(mark, `/v1.0/account/connectors/${id}`)).toHaveLength(11);
  });
});

describe("catalog cache", () => {
  it("serves the stale catalog while a refresh runs, and keeps it, saying so, when the refresh fails", async () => {
    let clock = 0;
    const made = sandboxCyclrClient(sandbox, { catalogTtlMs: 60_000, now: () => clock });
    closers.push(made.close);
    const cyclr = made.client;
    const mark = sandbox.requests.length;
    // Concurrent first loads share one walk of the pages.
    const [first, second] = await Promise.all([cyclr.listCatalog(sandbox.accountId), cyclr.listCatalog(sandbox.accountId)]);
    expect(first.stale).toBe(false);
    expect(second.connectors).toBe(first.connectors);
    const pages = since(mark, "/v1.0/connectors").length;
    expect(pages).toBe(2);

    clock = 61_000;
    sandbox.injectFault({ method: "GET", path: "/v1.0/connectors", status: 500, times: 10 });
    const during = await cyclr.listCatalog(sandbox.accountId);
    expect(during).toMatchObject({ stale: true, connectors: first.connectors });
    expect(during.refreshError).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await cyclr.listCatalog(sandbox.accountId);
    expect(after.stale).toBe(true);
    expect(after.connectors).toBe(first.connectors);
    expect(after.refreshError).toBeInstanceOf(CyclrHttpError);

    sandbox.clearFaults();
    clock = 200_000; // past the back-off after a failed refresh
    await cyclr.listCatalog(sandbox.accountId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refreshed = await cyclr.listCatalog(sandbox.accountId);
    expect(refreshed.stale).toBe(false);
    expect(refreshed.refreshError).toBeUndefined();
  });

  it("walks counted pages concurrently when the server sends Total-Pages", async () => {
    const counted = await startSandbox({ totalPagesHeader: true, maxPageSize: 10, syntheticConnectors: 55 });
    try {
      const made = sandboxCyclrClient(counted);
      closers.push(made.close);
      const catalog = await made.client.listCatalog(counted.accountId);
      expect(catalog.connectors).toHaveLength(106);
      const asked = counted.requests.filter((r) => r.path === "/v1.0/connectors").map((r) => Number(r.query.page));
      // Exactly the 11 counted pages: the last is short, so nothing is asked past it.
      expect(asked.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    } finally {
      await counted.close();
    }
  });
});
