#!/usr/bin/env node
/**
 * `npm run pack:mcpb`: the MCP Bundle for Claude Desktop (build/cyclr-mcp.mcpb). A staging folder
 * gets the manifest, the built code and the production dependencies only; the @anthropic-ai/mcpb
 * CLI validates the manifest and packs it.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const staging = `${root}build/mcpb`;
const output = `${root}build/cyclr-mcp.mcpb`;

function run(command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed`);
}

rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
for (const file of ["manifest.json", "package.json", "package-lock.json", "README.md", "LICENSE"]) cpSync(`${root}${file}`, `${staging}/${file}`);
cpSync(`${root}dist`, `${staging}/dist`, { recursive: true });
// The bundle runs the server only: no dev tools, no install scripts.
run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], staging);
run(process.execPath, [`${root}node_modules/@anthropic-ai/mcpb/dist/cli/cli.js`, "validate", `${staging}/manifest.json`]);
run(process.execPath, [`${root}node_modules/@anthropic-ai/mcpb/dist/cli/cli.js`, "pack", staging, output]);
console.log(`MCP Bundle: ${output}`);
