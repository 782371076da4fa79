/**
 * What the measures share: where the built server is, the embedded sandbox, spawning the server over
 * stdio or HTTP, the hosted workload, peak RSS, and the statistics and units of the table.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const CLI = `${root}dist/cli.js`;
/** The cold-start reference: the smallest useful server on the same SDK. */
export const REFERENCE = `${root}bench/reference-server.mjs`;
/** Imports a module of the built server (dist/...), for measures that run a part in process. */
export const built = (path) => import(`${root}dist/${path}`);
export const { startSandbox } = await built("sandbox/index.js");

// ------------------------------------------------------------------------------------ statistics

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}
export const median = (values) => quantile(values, 0.5);
export const ms = (value) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
export const us = (value) => `${(value * 1000).toFixed(0)} µs`;
export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
/** A median with its interquartile range. */
export const spread = (values, format = ms) => `${format(median(values))} (IQR ${format(quantile(values, 0.25))}–${format(quantile(values, 0.75))})`;
/** The interquartile range as a share of the median: how noisy a series was. */
export const noise = (values) => (quantile(values, 0.75) - quantile(values, 0.25)) / median(values);

// ------------------------------------------------------------------------------------ processes

/** Peak resident memory of a process so far (VmHWM, from /proc: Linux only); undefined elsewhere or once it has exited. */
export function peakRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time a process has used so far (user + system, from /proc: Linux only, in 10 ms ticks);
 * undefined elsewhere. Less sensitive than wall time to other work on a shared machine.
 */
export function cpuTime(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
  } catch {
    return undefined;
  }
}

/** The environment that points the server at a sandbox. */
export function envFor(sandbox) {
  return {
    CYCLR_API_URL: sandbox.url,
    CYCLR_CLIENT_ID: sandbox.clientId,
    CYCLR_CLIENT_SECRET: sandbox.clientSecret,
    CYCLR_ACCOUNT_ID: sandbox.accountId,
    CYCLR_SERVICE_DOMAIN: sandbox.serviceDomainUrl,
    CYCLR_LOG_LEVEL: "error",
  };
}

/**
 * Spawns `node ...args` as a stdio MCP server and connects the SDK's Client to it; startupMs is spawn
 * to the initialize response. nodeOptions go before the script (--import, --cpu-prof...).
 */
export async function connectStdio(args, env = {}, nodeOptions = []) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...nodeOptions, ...args], env: { ...getDefaultEnvironment(), ...env }, stderr: "ignore" });
  const client = new Client({ name: "bench", version: "1.0.0" });
  const started = performance.now();
  await client.connect(transport);
  return { client, transport, startupMs: performance.now() - started };
}

/** Times `count` calls of a tool, one after another; a failed call stops the bench. */
export async function callTimes(client, name, args, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const result = await client.callTool({ name, arguments: args });
    times.push(performance.now() - started);
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  }
  return times;
}

/** Spawns the built CLI in hosted mode and resolves with its /mcp URL and the child. nodeOptions go before the script (--import...). */
export async function spawnHosted(env, args = [], nodeOptions = []) {
  const child = spawn(process.execPath, [...nodeOptions, CLI, "--http", "--port", "0", ...args], { env: { ...getDefaultEnvironment(), ...env, CYCLR_LOG_LEVEL: "info" }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const found = /serving MCP at (http:\/\/\S+\/mcp)/.exec(stderr);
      if (found) resolve(found[1]);
    });
    child.once("exit", () => reject(new Error(stderr)));
  });
  return { url, child };
}

/** The hosted workload: `sessions` sessions (spread over the urls in turn) each making `callsEach` list_connectors calls. */
export async function hostedLoad(urls, sessions, callsEach) {
  // A warm catalog on every replica first: the figure is about the calls, not the first load.
  for (const url of urls) {
    const client = new Client({ name: "warm-up", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    await client.callTool({ name: "list_connectors", arguments: { query: "crm" } });
    await client.close();
  }
  const latencies = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: sessions }, async (_, s) => {
      const client = new Client({ name: `load-${s}`, version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(urls[s % urls.length])));
      for (let i = 0; i < callsEach; i++) {
        const t = performance.now();
        try {
          const result = await client.callTool({ name: "list_connectors", arguments: { query: ["crm", "hubspt", "sales force", "xero"][i % 4] } });
          if (result.isError) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
      await client.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: (sessions * callsEach) / seconds, p50: median(latencies), p99: quantile(latencies, 0.99), errors };
}
