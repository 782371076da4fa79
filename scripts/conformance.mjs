#!/usr/bin/env node
/**
 * `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance)
 * against `cyclr-mcp --http --sandbox`, once for what each protocol revision this server speaks
 * requires: `--requirements 2025-11-25` (the initialize handshake, sessions) and
 * `--requirements 2026-07-28` (stateless, per-request _meta). A requirement set is frozen by the
 * suite at the revision's release, so the run says what conforming to that revision asks.
 *
 * The suite needs Node >= 22, so it runs under a Node 22 binary from the npm package `node@22`,
 * installed with it into .tools/conformance (git-ignored), never as a devDependency: that package's
 * bin would shadow the Node every npm script runs on.
 *
 * conformance-baseline.yml lists the scenarios that need the SDK's own test fixtures (tools,
 * resources and prompts with fixed names and contents), each with why. The suite fails a run if one
 * of those ever passes, so the baseline cannot go stale.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tools = `${root}.tools/conformance`;
const SUITE_VERSION = "0.2.0-alpha.12";
const NODE_RANGE = "22";
/** The protocol revisions this server serves, each run against what it requires. */
const REVISIONS = ["2025-11-25", "2026-07-28"];
const suite = `${tools}/node_modules/@modelcontextprotocol/conformance/dist/index.js`;

function installTools() {
  const manifest = { name: "cyclr-mcp-conformance-tools", private: true, dependencies: { node: NODE_RANGE, "@modelcontextprotocol/conformance": SUITE_VERSION } };
  const manifestPath = `${tools}/package.json`;
  const wanted = JSON.stringify(manifest, null, 2);
  const installed = existsSync(`${tools}/node_modules/@modelcontextprotocol/conformance/package.json`) && existsSync(manifestPath) && readFileSync(manifestPath, "utf8") === wanted;
  if (installed) return;
  mkdirSync(tools, { recursive: true });
  writeFileSync(manifestPath, wanted);
  console.log(`installing node@${NODE_RANGE} and @modelcontextprotocol/conformance@${SUITE_VERSION} into .tools/conformance`);
  const npm = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock"], { cwd: tools, stdio: "inherit" });
  if (npm.status !== 0) throw new Error("installing the conformance tools failed");
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}dist/cli.js`, "--http", "--sandbox", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const found = /serving MCP at (http:\/\/\S+\/mcp)/.exec(stderr);
      if (found) resolve({ child, url: found[1] });
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening:\n${stderr}`)));
  });
}

/** Runs one requirement set; its exit status is the suite's (0: every required scenario passed, or failed as the baseline says). */
function runRequirements(node22, url, revision) {
  console.log(`\n== conformance ${SUITE_VERSION}, --requirements ${revision}`);
  const run = spawnSync(node22, [suite, "server", "--url", url, "--requirements", revision, "--expected-failures", `${root}conformance-baseline.yml`], {
    encoding: "utf8",
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(run.stdout ?? "");
  process.stderr.write(run.stderr ?? "");
  return run.status === 0;
}

installTools();
if (!existsSync(`${root}dist/cli.js`)) throw new Error("dist/cli.js is missing: run npm run build first");
const node22 = `${tools}/node_modules/.bin/node`;
console.log(`conformance suite ${SUITE_VERSION} under Node ${spawnSync(node22, ["--version"], { encoding: "utf8" }).stdout.trim()}`);
const failed = [];
for (const revision of REVISIONS) {
  // A server of its own for each set: one run's sessions and installs are not the next one's.
  const { child, url } = await startServer();
  try {
    if (!runRequirements(node22, url, revision)) failed.push(revision);
  } finally {
    child.kill("SIGTERM");
  }
}
console.log(failed.length === 0 ? `\nconformance: both revisions pass (${REVISIONS.join(", ")})` : `\nconformance: FAILED for ${failed.join(", ")}`);
process.exitCode = failed.length === 0 ? 0 : 1;
