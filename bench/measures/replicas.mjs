/**
 * Two replicas sharing state on Redis against one replica with memory, for the hosted workload; the
 * store's own cost (one replica on Redis), and Redis round trips per call from INFO commandstats.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection, createServer as createNetServer } from "node:net";
import { envFor, hostedLoad, median, ms, spawnHosted, startSandbox } from "../shared.mjs";

export default { name: "replicas", run };

/**
 * One replica with memory and one on Redis, each measured this many times, alternately: a single
 * run of each moved the difference of their p50s from -1.3 ms to +1.5 ms between two whole runs.
 */
const ROUNDS = 3;

/** Several runs of the same load as one: the median of each figure, every error counted. */
function medianOfRuns(runs) {
  return {
    perSecond: median(runs.map((r) => r.perSecond)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** A redis-server of our own on a free loopback port, no persistence; undefined when none is installed. */
async function startRedisServer() {
  const binary = ["/usr/bin/redis-server", process.env.REDIS_SERVER].find((path) => path && existsSync(path));
  if (!binary) return undefined;
  const probe = createNetServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    if ((await redisCommand(port, "PING").catch(() => "")).startsWith("+PONG")) return { port, url: `redis://127.0.0.1:${port}`, child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error("redis-server did not answer PING");
}

/** One inline command to Redis, its whole reply as text. */
function redisCommand(port, command) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let reply = "";
    socket.once("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (data) => {
      reply += data.toString();
      // A bulk reply ($n) is complete once its length is read; a simple one at its first line.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (!bulk ? reply.endsWith("\r\n") : reply.length >= bulk[0].length + Number(bulk[1]) + 2) {
        socket.end();
        resolve(reply);
      }
    });
    socket.once("error", reject);
  });
}

/** Commands Redis has run so far, from INFO commandstats (INFO itself left out). */
async function redisCommands(port) {
  const stats = await redisCommand(port, "INFO commandstats");
  let total = 0;
  for (const [, name, calls] of stats.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) if (name !== "info") total += Number(calls);
  return total;
}

async function run({ quick, row, note }) {
  const sessions = quick ? 10 : 50;
  const callsEach = quick ? 10 : 40;
  const redis = await startRedisServer();
  if (!redis) {
    row("Replicas: two on Redis against one with memory", "not measured: redis-server is not installed", "—", "≥ 0.9 × calls/s, ≤ +1 ms p50", undefined);
    return;
  }
  const sandbox = await startSandbox();
  try {
    const env = { ...envFor(sandbox), CYCLR_MCP_REDIS_URL: redis.url };
    const rounds = quick ? 1 : ROUNDS;
    const withMemory = [];
    const withRedis = [];
    for (let round = 0; round < rounds; round++) {
      const memory = await spawnHosted(envFor(sandbox));
      withMemory.push(await hostedLoad([memory.url], sessions, callsEach));
      memory.child.kill("SIGTERM");
      // The store's own cost: the same single replica, on Redis.
      const single = await spawnHosted({ ...env, CYCLR_MCP_REDIS_PREFIX: `bench-single-${round}:` });
      withRedis.push(await hostedLoad([single.url], sessions, callsEach));
      single.child.kill("SIGTERM");
    }
    const alone = medianOfRuns(withMemory);
    const oneOnRedis = medianOfRuns(withRedis);
    row(
      `Replicas: ${sessions} sessions × ${callsEach} list_connectors, one replica on Redis${rounds > 1 ? ` (medians of ${rounds} runs each way, alternately)` : ""}`,
      `${Math.round(oneOnRedis.perSecond)} calls/s = ${(oneOnRedis.perSecond / alone.perSecond).toFixed(2)} ×; p50 ${ms(oneOnRedis.p50)} (${oneOnRedis.p50 - alone.p50 >= 0 ? "+" : ""}${ms(oneOnRedis.p50 - alone.p50)}), p99 ${ms(oneOnRedis.p99)}; ${oneOnRedis.errors} errors`,
      `one replica with memory: ${Math.round(alone.perSecond)} calls/s, p50 ${ms(alone.p50)}, p99 ${ms(alone.p99)}`,
      "the store's cost: ≤ +1 ms p50",
      oneOnRedis.p50 - alone.p50 <= 1 && oneOnRedis.errors === 0,
    );
    const pair = [await spawnHosted(env), await spawnHosted(env)];
    const before = await redisCommands(redis.port);
    const shared = await hostedLoad(pair.map((replica) => replica.url), sessions, callsEach);
    const roundTrips = ((await redisCommands(redis.port)) - before) / (sessions * callsEach);
    for (const replica of pair) replica.child.kill("SIGTERM");
    const ratio = shared.perSecond / alone.perSecond;
    const addedP50 = shared.p50 - alone.p50;
    row(
      `Replicas: ${sessions} sessions × ${callsEach} list_connectors, two replicas on Redis`,
      `${Math.round(shared.perSecond)} calls/s = ${ratio.toFixed(2)} ×; p50 ${ms(shared.p50)} (${addedP50 >= 0 ? "+" : ""}${ms(addedP50)}), p99 ${ms(shared.p99)}; ${roundTrips.toFixed(2)} Redis round trips per call; ${shared.errors} errors`,
      `one replica with memory: ${Math.round(alone.perSecond)} calls/s, p50 ${ms(alone.p50)}, p99 ${ms(alone.p99)}`,
      "≥ 0.9 × calls/s, ≤ +1 ms p50",
      ratio >= 0.9 && addedP50 <= 1 && shared.errors === 0 && alone.errors === 0,
    );
    note(
      [
        "Replicas on Redis: the load generator, the replicas, the sandbox and Redis share the same cores here, so the",
        "two-replica figure measures contention for two cores as much as what the store costs a call. The store's own cost",
        "is the one-replica row (Redis against memory, same process count) and the round trips per call: a warm",
        "list_connectors touches Redis almost never (the catalog is read from Redis once per TTL per replica, then served",
        "from memory). With one core per replica and the load generator elsewhere, calls per second would grow about",
        "linearly with the replicas (twice one replica's for two), until the sandbox or the load balancer, not Redis, is",
        "the limit. One replica with memory and one on Redis are each measured several times, alternately, and compared by their medians:",
        "with 50 sessions in a closed loop, a run's p50 is mostly its queue, and with one run of each the difference was -1.3 ms in one whole run and +1.5 ms in the next.",
      ].join(" "),
    );
  } finally {
    redis.child.kill("SIGTERM");
    await sandbox.close();
  }
}
