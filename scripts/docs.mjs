#!/usr/bin/env node
/**
 * `npm run docs`: rewrites the README's generated parts from the built code: the reference (tools,
 * prompts, resources, configuration; src/docs.ts) and the demo's transcript (a real run of dist/demo.js).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("..", import.meta.url);
const { withReference, withSection, readmeTranscript } = await import(new URL("dist/docs.js", root).href);
const demo = spawnSync(process.execPath, [fileURLToPath(new URL("dist/demo.js", root))], { encoding: "utf8", timeout: 60_000 });
if (demo.status !== 0) throw new Error(`the demo failed:\n${demo.stdout}\n${demo.stderr}`);
const path = new URL("README.md", root);
const before = readFileSync(path, "utf8");
const after = withSection(withReference(before), "demo", readmeTranscript(demo.stdout));
writeFileSync(path, after);
console.log(before === after ? "README.md is up to date." : "README.md rewritten from the code and the demo.");
