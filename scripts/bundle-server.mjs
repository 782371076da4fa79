#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: dist/cli.js becomes one bundle (esbuild) of the server's own
 * modules and the packages that start-up and the first call to Cyclr load (zod, the MCP SDK,
 * undici), with what it imports only on demand (hosted mode, the sandbox, the doctor, the demo,
 * the Redis store) split into dist/chunks/. The runtime dependencies in package.json stay external:
 * only hosted mode or a setting loads them, each when first needed.
 *
 * Why: Node's module loader pays for every file it resolves, reads, compiles and links (zod is 97
 * files, undici over 100), and a bundle keeps only what the server uses of each package. A desktop
 * client waits for start-up and then for the first call (bench/results.md has both figures). The
 * rest of dist/ stays as tsc wrote it, for the scripts, tests and bench that import single
 * modules; nothing imports dist/cli.js.
 */
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
/**
 * Bundled: what start-up and the first call to Cyclr load (zod, the SDK, undici). Node's loader
 * pays for each file it resolves, reads and compiles (zod alone is 97), and esbuild keeps only the
 * exports the server uses. External: the runtime dependencies (package.json), which only hosted
 * mode or a setting loads (Redis, JWT, OpenID Connect), each on demand.
 */
const external = Object.keys(pkg.dependencies).flatMap((name) => [name, `${name}/*`]);

/** undici's index loads fetch, WebSocket, caches and mocks too: the transport's part of it instead (scripts/bundle/undici.cjs). */
const undiciAsTheTransportUsesIt = {
  name: "undici-as-the-transport-uses-it",
  setup(bundle) {
    bundle.onResolve({ filter: /^undici$/ }, () => ({ path: `${root}scripts/bundle/undici.cjs` }));
  },
};

/**
 * undici's Client loads its HTTP/2 half (and with it node:http2 and node:tls, about half of
 * undici's load time) at start, though the transport never allows HTTP/2: it is loaded when a
 * connection first speaks HTTP/2 instead. esbuild wraps each CommonJS module so that its body runs
 * at its first require, so only the require moves. The build stops if undici's line changes.
 */
const H2_REQUIRE = "const connectH2 = require('./client-h2.js')";
const http2WhenUsed = {
  name: "http2-when-used",
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/ }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      if (!source.includes(H2_REQUIRE)) {
        throw new Error(`scripts/bundle-server.mjs: undici's ${path} no longer has the line "${H2_REQUIRE}": update http2WhenUsed`);
      }
      return { contents: source.replace(H2_REQUIRE, "const connectH2 = (...args) => require('./client-h2.js')(...args)"), loader: "js" };
    });
  },
};

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
  external,
  plugins: [undiciAsTheTransportUsesIt, http2WhenUsed],
  // undici is CommonJS: its require() of Node's own modules needs a require in each ES module chunk.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  sourcemap: true,
  tsconfig: `${root}tsconfig.build.json`,
  logLevel: "warning",
});
