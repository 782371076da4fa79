/**
 * `node --import ./bench/loaded-modules.mjs server.js`: writes, at exit, every module file the process
 * loaded (ES modules through a load hook, CommonJS ones from require's cache) to BENCH_LOADED_MODULES,
 * one URL a line. The cold-start measure uses it to say what start-up loads; it is never timed.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";

const out = process.env.BENCH_LOADED_MODULES;

if (isMainThread && out) {
  writeFileSync(out, "");
  // The hooks run in a thread of their own, where this same file is loaded again (isMainThread false).
  register(import.meta.url);
  const { cache } = createRequire(import.meta.url);
  process.once("exit", () => {
    const files = Object.keys(cache).map((path) => pathToFileURL(path).href);
    if (files.length > 0) appendFileSync(out, `${files.join("\n")}\n`);
  });
}

export async function load(url, context, next) {
  const loaded = await next(url, context);
  if (out && url.startsWith("file:")) appendFileSync(out, `${url}\n`);
  return loaded;
}
