#!/usr/bin/env node
/**
 * Part of `npm run build`: each card (src/apps/<card>.ts) bundled by esbuild into one HTML file,
 * dist/apps/<card>.html, with its script and stylesheet inline and a CSP that allows exactly those
 * two (by hash), images from data: URIs, and nothing else: no network, no frames, no other origin.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const CARDS = [
  { name: "catalog-picker", title: "Connectors" },
  { name: "setup-card", title: "Connector setup" },
];

const hash = (text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
// Inside an inline <script>, "</script" or "<!--" would end or change the element: escaped, same meaning in JS.
const inlineSafe = (js) => js.replaceAll("</script", "<\\/script").replaceAll("<!--", "<\\!--");

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
    write: false,
    logLevel: "warning",
  });
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
