/**
 * A real redis-server for the replica tests (Debian's package; .ci/run installs it): on a free
 * loopback port, in a temporary directory, without persistence unless asked (appendonly, for the
 * restart test). Where it is missing, `redisServer` is undefined: the tests say so in one line and
 * are skipped, except under CI=true, where a missing redis-server fails the run. `replicasOnRedis`
 * deploys the built server's replicas on it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, it } from "vitest";
import { startSandbox, type Sandbox } from "../src/sandbox/index.js";
import { sandboxEnv, spawnHttpServer, type HttpServerUnderTest } from "./helpers.js";

/** The redis-server binary: REDIS_SERVER, Debian's, or one on the PATH. */
export const redisServer: string | undefined = (() => {
  // REDIS_SERVER names the one to use (or, pointing nowhere, shows what a machine without one does).
  const named = process.env.REDIS_SERVER;
  if (named) return existsSync(named) ? named : undefined;
  if (existsSync("/usr/bin/redis-server")) return "/usr/bin/redis-server";
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
  return found !== "" ? found : undefined;
})();

/** How to get what the replica tests need: the note of their skip, which the end of `npm test` prints (skipped-reporter.ts). */
export const NEEDS_REDIS = "they need redis-server, which is not installed here; to run them: sudo apt-get install redis-server (or set REDIS_SERVER=/path/to/redis-server), then npm test";

/**
 * Call at the top of a file of tests that need redis-server: when it is missing, a test of that
 * name is skipped with a note, which the end of the run names in one line (and under CI=true it
 * fails instead of the suite passing without them).
 */
export function reportMissingRedis(what: string): void {
  if (redisServer) return;
  if (process.env.CI === "true") {
    it(`${what}: needs redis-server`, () => {
      throw new Error("redis-server is not installed, and CI=true needs it: apt-get install redis-server (.ci/run does).");
    });
  } else {
    it(what, (context) => context.skip(NEEDS_REDIS));
  }
}

export interface RedisUnderTest {
  url: string;
  port: number;
  /** Stops it (SIGTERM: with appendonly it writes its file first) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (what appendonly kept comes back). */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open but nothing is answered, as when Redis is lost mid-call. */
  pause(): void;
  /** Lets a frozen one go on (SIGCONT). */
  resume(): void;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** A free loopback port (for a Redis to be started on later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startRedis(options: { appendonly?: boolean; port?: number } = {}): Promise<RedisUnderTest> {
  if (!redisServer) throw new Error("redis-server is not installed");
  const binary = redisServer;
  const dir = mkdtempSync(join(tmpdir(), "cyclr-mcp-redis-"));
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  let output = "";
  const start = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
    // appendfsync always: a link written just before the restart is on disk when Redis stops.
    args.push(...(options.appendonly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]));
    const started = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    started.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    started.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child = started;
    await untilPong(port, started, () => output);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the server answers PING with PONG (a plain RESP exchange, no client library). */
async function untilPong(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output()}`);
    const pong = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" });
      socket.setTimeout(500, () => socket.destroy());
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => resolve(false));
      socket.once("close", () => resolve(false));
    });
    if (pong) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING on port ${port}: ${output()}`);
}

/** Every key and value in the Redis under test, as text (RESP over a plain socket: KEYS *, then DUMP-free GETs). */
export async function redisDump(redis: RedisUnderTest): Promise<string> {
  const { createClient } = await import("redis");
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    const keys = await client.keys("*");
    const values = await Promise.all(keys.map(async (key) => ((await client.type(key)) === "string" ? ((await client.get(key)) ?? "") : "")));
    return [...keys, ...values].join("\n");
  } finally {
    await client.close();
  }
}

export interface ReplicasOnRedis {
  /** Two replicas of the built server sharing a key prefix of their own (a deployment), so that tests do not see each other's state. */
  deployment(options?: { env?: Record<string, string>; args?: string[] }): Promise<[HttpServerUnderTest, HttpServerUnderTest]>;
  /** The replicas of the running test, stopped after it (a test that spawns one itself pushes it here). */
  replicas: HttpServerUnderTest[];
}

/**
 * Call in a describe block of replica tests: one sandbox and one redis-server for its tests, handed
 * to `started` before them and closed after them; after each test its replicas are stopped and the
 * sandbox's faults cleared, so that no test sees another's.
 */
export function replicasOnRedis(started: (shared: { sandbox: Sandbox; redis: RedisUnderTest }) => void, redisOptions: { appendonly?: boolean } = {}): ReplicasOnRedis {
  let sandbox: Sandbox | undefined;
  let redis: RedisUnderTest | undefined;
  const replicas: HttpServerUnderTest[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox();
    redis = await startRedis(redisOptions);
    started({ sandbox, redis });
  });
  afterEach(async () => {
    sandbox?.clearFaults();
    await Promise.allSettled(replicas.splice(0).map((replica) => replica.stop()));
  });
  afterAll(async () => {
    await redis?.close();
    await sandbox?.close();
  });
  return {
    replicas,
    deployment: async ({ env: extra = {}, args = [] } = {}) => {
      if (!sandbox || !redis) throw new Error("replicasOnRedis: deployment() before the sandbox and Redis started");
      const env = sandboxEnv(sandbox, { CYCLR_MCP_REDIS_URL: redis.url, CYCLR_MCP_REDIS_PREFIX: `test-${randomUUID()}:`, ...extra });
      const [a, b] = await Promise.all([spawnHttpServer({ env, args }), spawnHttpServer({ env, args })]);
      replicas.push(a, b);
      return [a, b];
    },
  };
}
