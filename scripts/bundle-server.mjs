#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: dist/cli.js becomes one bundle of the server's own modules
 * (esbuild), with what it imports only on demand (hosted mode, the sandbox, the doctor, the demo,
 * the Redis store) split into dist/chunks/. Packages stay external, loaded from node_modules as
 * before.
 *
 * Why: Node's ES module loader pays for every file it resolves, reads, compiles and links, and
 * start-up loaded about 85 of the server's own files beside the SDK's; one file cuts cold start
 * (spawn to the initialize response) by most of what it cost over a bare SDK server (see
 * bench/results.md). The rest of dist/ stays as tsc wrote it, for the scripts, tests and bench
 * that import single modules; nothing imports dist/cli.js.
 */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

rmSync(`${root}dist/chunks`, { recursive: true, force: true });
await build({
  entryPoints: { cli: `${root}src/cli.ts` },
  outdir: `${root}dist`,
  // Chunks one folder down: modules that find files from import.meta.url look up for package.json (version.ts).
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  tsconfig: `${root}tsconfig.build.json`,
  logLevel: "warning",
});
