/**
 * /readyz as a load balancer's probe sees it: answered within the bound the README states
 * (1 s), whatever the store does. With redis-server frozen (SIGSTOP: connections open, nothing
 * answered) a probe with a short timeout gets a 503 that names the store, not a timeout; a store
 * known to be failing is reported without waiting again; and the replica is ready again once Redis
 * answers.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnHttpServer, type HttpServerUnderTest } from "../helpers.js";
import { redisServer, reportMissingRedis, startRedis, type RedisUnderTest } from "../redis.js";

/**
 * A load balancer's probe timeout: the README's bound (1 s) with room for a busy test machine.
 * Without the bound a frozen Redis holds each probe for a command's time limit (5 s).
 */
const PROBE_TIMEOUT_MS = 3_000;

async function probe(origin: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  return { status: response.status, body: await response.json() };
}

reportMissingRedis("the readiness tests (a frozen redis-server)");

describe.skipIf(!redisServer)("/readyz with a frozen Redis", () => {
  let sandbox: Sandbox;
  let redis: RedisUnderTest;
  let replica: HttpServerUnderTest;

  beforeAll(async () => {
    sandbox = await startSandbox();
    redis = await startRedis();
    replica = await spawnHttpServer({ env: sandboxEnv(sandbox, { CYCLR_MCP_REDIS_URL: redis.url, CYCLR_MCP_REDIS_PREFIX: `test-${randomUUID()}:` }) });
  });
  afterAll(async () => {
    redis?.resume();
    await replica?.stop();
    await redis?.close();
    await sandbox?.close();
  });

  it("answers 503 naming the store within a probe's timeout, probe after probe, and 200 once Redis answers again", { timeout: 40_000 }, async () => {
    await expect.poll(async () => (await probe(replica.origin)).status, { timeout: 10_000 }).toBe(200);
    redis.pause();
    try {
      // The first probe finds out; the next ones are told what is known, without waiting on Redis again.
      for (let i = 0; i < 4; i++) {
        expect(await probe(replica.origin)).toEqual({ status: 503, body: { status: "not ready", store: "Redis does not answer" } });
      }
    } finally {
      redis.resume();
    }
    await expect.poll(async () => (await probe(replica.origin)).status, { timeout: 15_000, interval: 500 }).toBe(200);
  });
});
