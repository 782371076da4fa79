#!/usr/bin/env node
/**
 * Part of `npm run build`: each card (src/apps/<card>.ts) bundled by esbuild into one HTML file,
 * dist/apps/<card>.html, with its script and stylesheet inline and a CSP that allows exactly those
 * two (by hash), images from data: URIs, and nothing else: no network, no frames, no other origin.
 *
 * `node scripts/build-cards.mjs --analyze` also prints esbuild's metafile analysis: which module
 * weighs what in each card.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { analyzeMetafile, build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const CARDS = [
  { name: "catalog-picker", title: "Connectors" },
  { name: "setup-card", title: "Connector setup" },
];

const hash = (text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
// Inside an inline <script>, "</script" or "<!--" would end or change the element: escaped, same meaning in JS.
const inlineSafe = (js) => js.replaceAll("</script", "<\\/script").replaceAll("<!--", "<\\!--");

/**
 * ext-apps imports zod as `import { z } from "zod/v4"`: `z` is zod's namespace re-exported as a
 * value, which esbuild cannot shake, so every export of zod came along (its 50 locales, its JIT
 * compiler, JSON Schema import: 350 KB of each card). The same module imported as a namespace,
 * `import * as z from "zod/v4"`, is the same object for every property ext-apps reads, and
 * esbuild keeps only those it reads. The SDK already imports zod that way.
 */
const zodAsNamespace = {
  name: "zod-as-namespace",
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]@modelcontextprotocol[\\/]ext-apps[\\/]dist[\\/].*\.js$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const contents = source.replace(/import\s*\{\s*z\s+as\s+([\w$]+)\s*\}\s*from\s*(["'])zod\/v4\2/g, "import * as $1 from $2zod/v4$2");
      return { contents, loader: "js" };
    });
  },
};

/**
 * The SDK's client and core packages do not say in their package.json that their modules are free
 * of side effects, so esbuild keeps every module the client's index re-exports (the Client class,
 * its OAuth flow, a JSON Schema validator: 70 KB of each card) though a card uses only Protocol.
 * Their modules only define things; said here, esbuild drops the ones nothing uses.
 */
const sdkWithoutSideEffects = {
  name: "sdk-without-side-effects",
  setup(bundle) {
    bundle.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "resolving" || args.kind === "entry-point") return undefined;
      const resolved = await bundle.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: "resolving" });
      if (resolved.errors.length > 0 || !/[\\/]@modelcontextprotocol[\\/](client|core)[\\/]/.test(resolved.path)) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

const analyze = process.argv.includes("--analyze");
mkdirSync(`${root}dist/apps`, { recursive: true });
const css = readFileSync(`${root}src/apps/card.css`, "utf8");
for (const card of CARDS) {
  const result = await build({
    entryPoints: [`${root}src/apps/${card.name}.ts`],
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    legalComments: "none",
    plugins: [zodAsNamespace, sdkWithoutSideEffects],
    metafile: analyze,
    write: false,
    logLevel: "warning",
  });
  if (analyze) console.log(`${card.name}:${await analyzeMetafile(result.metafile, { verbose: false })}`);
  const js = inlineSafe(result.outputFiles[0].text);
  const csp = [
    "default-src 'none'",
    `script-src ${hash(js)}`,
    `style-src ${hash(css)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const html =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${card.title}</title><style>${css}</style></head>` +
    `<body><main id="card"></main><script>${js}</script></body></html>\n`;
  writeFileSync(`${root}dist/apps/${card.name}.html`, html);
}
