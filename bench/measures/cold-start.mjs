/**
 * Cold start: spawn to the initialize response over stdio, against the reference server (the same
 * SDK, one tool), alternated so that machine noise falls on both alike; and what each one's start-up
 * loads, module file by module file.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CLI, connectStdio, cpuTime, envFor, median, ms, noise, REFERENCE, root, spawnHosted, spread, startSandbox } from "../shared.mjs";

const GOAL = 1.1;
/** Packages only hosted mode or a setting should load. */
const NOT_AT_START_UP = ["undici", "jose", "redis", "@redis/client", "@modelcontextprotocol/ext-apps"];
/** Packages a hosted server with static tokens (no JWT, no Redis) should not load. */
const NOT_HOSTED_WITH_TOKENS = ["jose", "redis", "@redis/client", "@modelcontextprotocol/ext-apps"];

export default {
  name: "cold",
  async run({ quick, row, note }) {
    const sandbox = await startSandbox();
    const env = envFor(sandbox);
    const runs = quick ? 7 : 21;
    const ours = [];
    const reference = [];
    const oursCpu = [];
    const referenceCpu = [];
    for (let i = 0; i < runs; i++) {
      const r = await connectStdio([REFERENCE]);
      reference.push(r.startupMs);
      referenceCpu.push(cpuTime(r.transport.pid));
      await r.client.close();
      const o = await connectStdio([CLI], env);
      ours.push(o.startupMs);
      oursCpu.push(cpuTime(o.transport.pid));
      await o.client.close();
    }
    const ratio = median(ours) / median(reference);
    // CPU time by then (until the client's initialized notification, 10 ms ticks): what each start-up costs, whatever else the machine runs.
    const cpu = oursCpu.every((v) => v !== undefined) ? `; CPU ${ms(median(oursCpu))} = ${(median(oursCpu) / median(referenceCpu)).toFixed(2)} ×` : "";
    row(
      "Cold start: spawn to initialize response",
      `${spread(ours)} = ${ratio.toFixed(2)} ×${cpu}`,
      `${spread(reference)}${cpu ? `; CPU ${ms(median(referenceCpu))}` : ""}`,
      `≤ ${GOAL.toFixed(2)} × reference`,
      ratio <= GOAL,
    );

    const mine = await loadedAtStartUp([CLI], env);
    const theirs = await loadedAtStartUp([REFERENCE], {});
    const unwanted = NOT_AT_START_UP.filter((name) => mine.packages.has(name));
    const hosted = await loadedHostedWithTokens(env);
    const unwantedHosted = NOT_HOSTED_WITH_TOKENS.filter((name) => hosted.packages.has(name));
    note(
      [
        `Cold start, what start-up loads (spawn to the initialize response, module files counted by a load hook): cyclr-mcp ${mine.total} files,`,
        `${mine.own} of them its own (${describeOwn(mine)}: the bundle npm run build makes, with zod and the SDK in it, and the chunks it shares with hosted mode)${mine.packages.size > 0 ? `, the rest ${packageList(mine.packages)}` : ", nothing from node_modules"};`,
        `the reference ${theirs.total}: ${packageList(theirs.packages)}.`,
        unwanted.length === 0
          ? `None of ${NOT_AT_START_UP.join(", ")} loads at start-up (only in hosted mode, with the first call to Cyclr, or when a setting asks for them).`
          : `Loaded at start-up though not needed there: ${unwanted.join(", ")}.`,
        `Hosted with static tokens (MCP_HTTP_TOKENS), up to an answered tools/list: ${hosted.total} files, ` +
          (unwantedHosted.length === 0 ? `none of ${NOT_HOSTED_WITH_TOKENS.join(", ")} (jose loads with the first JWT).` : `loading ${unwantedHosted.join(", ")} though no setting asks for it.`),
        `Noise: the interquartile range was ${pct(noise(ours))} of the median for cyclr-mcp, ${pct(noise(reference))} for the reference (${runs} runs each).`,
      ].join(" "),
    );
    await sandbox.close();
  },
};

const pct = (share) => `${Math.round(share * 100)} %`;

function describeOwn(loaded) {
  return loaded.ownFiles.length <= 3 ? loaded.ownFiles.join(", ") : `${loaded.ownFiles.slice(0, 3).join(", ")}, ...`;
}

function packageList(packages) {
  return [...packages].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ${count}`).join(", ");
}

/** The module files in the load hook's list, counted by package. */
function countModules(out) {
  const files = [...new Set(readFileSync(out, "utf8").split("\n").filter(Boolean))];
  const packages = new Map();
  const ownFiles = [];
  for (const file of files) {
    const found = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    // undici is bundled into a chunk of its own (scripts/bundle-server.mjs), loaded with the first call to Cyclr.
    const bundled = /\/dist\/chunks\/(undici)-[\w]+\.js$/.exec(file);
    if (found) packages.set(found[1], (packages.get(found[1]) ?? 0) + 1);
    else if (bundled) packages.set(bundled[1], (packages.get(bundled[1]) ?? 0) + 1);
    else if (file.startsWith(`file://${root}`) && !file.includes("/bench/")) ownFiles.push(file.slice(`file://${root}`.length));
  }
  return { total: files.filter((file) => !file.includes("/bench/loaded-modules.mjs")).length, own: ownFiles.length, ownFiles, packages };
}

/** A hosted server with one static token, the load hook, and one session up to tools/list; then SIGTERM. */
async function loadedHostedWithTokens(env) {
  const dir = mkdtempSync(join(tmpdir(), "cyclr-mcp-bench-"));
  const out = join(dir, "modules.txt");
  const token = "bench-static-token-0123456789abcdef";
  try {
    const { url, child } = await spawnHosted({ ...env, MCP_HTTP_TOKENS: token, BENCH_LOADED_MODULES: out }, [], ["--import", `${root}bench/loaded-modules.mjs`]);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const client = new Client({ name: "bench", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    await client.listTools();
    await client.close();
    child.kill("SIGTERM");
    await exited;
    return countModules(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a server with the load hook, sends initialize, and counts the module files loaded by the time it answered. */
async function loadedAtStartUp(args, env) {
  const dir = mkdtempSync(join(tmpdir(), "cyclr-mcp-bench-"));
  const out = join(dir, "modules.txt");
  try {
    const child = spawn(process.execPath, ["--import", `${root}bench/loaded-modules.mjs`, ...args], {
      env: { ...getDefaultEnvironment(), ...env, BENCH_LOADED_MODULES: out },
      stdio: ["pipe", "pipe", "ignore"],
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await new Promise((resolve, reject) => {
      child.stdout.once("data", resolve);
      child.once("exit", () => reject(new Error(`${args.join(" ")} exited before answering initialize`)));
      const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1.0.0" } } };
      child.stdin.write(`${JSON.stringify(initialize)}\n`);
    });
    // The client leaves: the server exits, writing what require loaded.
    child.stdin.end();
    await exited;
    return countModules(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
