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
import { parse } from "acorn";
import { analyzeMetafile, build, transform } from "esbuild";
import MagicString from "magic-string";

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
const zodAsNamespace = (source) => source.replace(/import\s*\{\s*z\s+as\s+([\w$]+)\s*\}\s*from\s*(["'])zod\/v4\2/g, "import * as $1 from $2zod/v4$2");

/**
 * Walks an estree node, not into functions: what runs when the node itself is evaluated. A class
 * is visited, not entered (its static parts would run: the caller refuses it).
 */
function walkEvaluated(node, visit) {
  if (!node || typeof node.type !== "string") return;
  visit(node);
  if (/Function|Class/.test(node.type)) return;
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const item of value) walkEvaluated(item, visit);
    else if (value && typeof value.type === "string") walkEvaluated(value, visit);
  }
}

// Methods of a zod schema that return a new schema (zod 4 schemas are immutable): none changes its
// receiver. `describe` and `meta` also write zod's global registry, which only JSON Schema
// conversion reads (not part of a card: see noJsonSchemaInCards).
const ZOD_SCHEMA_METHODS = new Set(
  ("optional nullable nullish extend merge pick omit partial required strict strip loose passthrough catchall default " +
    "prefault catch describe meta refine superRefine check transform pipe or and array int min max length nonnegative " +
    "positive negative nonpositive url datetime email uuid startsWith endsWith regex trim unwrap brand readonly").split(" "),
);
// Built-ins that make a new value from their arguments, touching nothing else.
const PURE_BUILTINS = new Set(["Object.keys", "Object.values", "Object.entries", "Symbol", "Symbol.for", "new Set", "new Map", "new WeakSet", "new WeakMap"]);
/** Each name `node` reads (an identifier that is not a declared name or a property's key), once per read. */
function readNames(node, parent = undefined, names = []) {
  if (!node || typeof node.type !== "string") return names;
  const isKey = (parent?.type === "MemberExpression" || parent?.type === "Property") && !parent.computed && (parent.property === node || parent.key === node);
  const isDeclared = /Function|Class/.test(parent?.type ?? "") && parent.id === node;
  if (node.type === "Identifier" && !isKey && !isDeclared) names.push(node.name);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const item of value) readNames(item, node, names);
    else if (value && typeof value.type === "string") readNames(value, node, names);
  }
  return names;
}
const dotted = (node) =>
  node.type === "Identifier" ? node.name : node.type === "MemberExpression" && !node.computed ? `${dotted(node.object)}.${node.property.name}` : undefined;

/**
 * The SDK's modules define their zod schemas at the top level, `const XSchema = z.object(...)...`:
 * calls, which esbuild keeps though nothing reads XSchema, since it cannot know a call has no
 * side effects (nor a property read: `{ code: ProtocolErrorCode.InvalidRequest }`). A declaration
 * whose initializer only reads properties and calls zod (its factories, and methods of schemas it
 * made) and side-effect-free built-ins gets its initializer wrapped in a pure-annotated arrow,
 * `/* @__PURE__ *\/ (() => init)()`: esbuild drops it when unused and unwraps the arrow when kept
 * (same code, same order of evaluation). `Object.assign(f, {...})` counts as pure when f is a
 * function of this module that nothing else reads (what it changes is then seen only through the
 * declaration). Anything else calling (a module's own functions, CommonJS wrappers) stays as it is.
 *
 * Top-level initializers also lose their `.describe("...")` calls (6 KB of prose in each card, most of
 * it ext-apps'): a description only rides along for JSON Schema conversion, which a card never
 * does (see noJsonSchemaInCards); parsing and its error messages do not read it.
 */
function markSchemasPure(source) {
  const ast = parse(source, { ecmaVersion: "latest", sourceType: "module" });
  const out = new MagicString(source);
  // Bindings known to hold zod's namespace or a zod schema: the namespace import, imported
  // `...Schema` exports of the SDK, and this module's declarations accepted below.
  const zodNamespaces = new Set();
  const zodValues = new Set();
  for (const statement of ast.body) {
    if (statement.type !== "ImportDeclaration") continue;
    for (const specifier of statement.specifiers) {
      if (specifier.type === "ImportNamespaceSpecifier" && /^zod(\/v4)?$/.test(statement.source.value)) zodNamespaces.add(specifier.local.name);
      if (specifier.type === "ImportSpecifier" && /^@modelcontextprotocol\/|^\.\//.test(statement.source.value) && /Schema$/.test(specifier.imported.name)) zodValues.add(specifier.local.name);
    }
  }
  // The object a method is called on, down to its root binding: `X.shape.a.unwrap` -> X.
  const rootOf = (node) => (node.type === "MemberExpression" ? rootOf(node.object) : node);
  const isZodValue = (node) => {
    const root = rootOf(node);
    if (root.type === "Identifier") return zodValues.has(root.name) || zodNamespaces.has(root.name);
    return root.type === "CallExpression" && isZodCall(root);
  };
  const isZodCall = (call) => {
    const callee = call.callee;
    if (callee.type !== "MemberExpression" || callee.computed) return false;
    const path = dotted(callee);
    if (path !== undefined && zodNamespaces.has(path.split(".")[0])) return true;
    return ZOD_SCHEMA_METHODS.has(callee.property.name) && isZodValue(callee.object);
  };
  // How often each name is read in the module (shadowing only adds reads: errs on the safe side).
  const reads = new Map();
  for (const name of readNames(ast)) reads.set(name, (reads.get(name) ?? 0) + 1);
  const localFunctions = new Set(ast.body.filter((statement) => statement.type === "FunctionDeclaration").map((statement) => statement.id.name));
  const isPureCall = (node) => {
    if (node.type === "NewExpression") return PURE_BUILTINS.has(`new ${dotted(node.callee)}`);
    if (dotted(node.callee) === "Object.assign") {
      const target = node.arguments[0];
      return target?.type === "Identifier" && localFunctions.has(target.name) && reads.get(target.name) === 1;
    }
    return isZodCall(node) || PURE_BUILTINS.has(dotted(node.callee));
  };
  // `schema.describe("text")`: a zod method given only a literal text (nothing to evaluate).
  const isDescription = (node) =>
    node.type === "CallExpression" &&
    !node.optional &&
    node.callee.type === "MemberExpression" &&
    !node.callee.computed &&
    node.callee.property.name === "describe" &&
    node.arguments.length === 1 &&
    (node.arguments[0].type === "Literal" || (node.arguments[0].type === "TemplateLiteral" && node.arguments[0].expressions.length === 0)) &&
    isZodCall(node);
  for (const statement of ast.body) {
    const declaration = statement.type === "ExportNamedDeclaration" ? statement.declaration : statement;
    if (declaration?.type !== "VariableDeclaration") continue;
    for (const { id, init } of declaration.declarations) {
      if (!init || id.type !== "Identifier") continue;
      // Calls and property reads: what esbuild would keep.
      let kept = 0;
      let pure = true;
      walkEvaluated(init, (node) => {
        if (node.type === "MemberExpression") kept += 1;
        else if (node.type === "CallExpression" || node.type === "NewExpression") {
          kept += 1;
          if (!isPureCall(node)) pure = false;
          // From the member's dot: `(a).describe("x")` keeps its parenthesis.
          if (isDescription(node)) out.remove(source.lastIndexOf(".", node.callee.property.start), node.end);
        } else if (/Assignment|Update|Await|Yield|TaggedTemplate|ImportExpression|Class/.test(node.type) || (node.type === "UnaryExpression" && node.operator === "delete")) pure = false;
      });
      if (!pure || kept === 0) continue;
      if (init.type === "CallExpression" && isZodCall(init)) zodValues.add(id.name);
      // Already annotated (`/* @__PURE__ */ new Set(...)`, an enum's IIFE): nothing to add.
      if (/@__PURE__|#__PURE__/.test(source.slice(Math.max(0, init.start - 20), init.start))) continue;
      out.prependLeft(init.start, "/* @__PURE__ */ (() => (");
      out.appendRight(init.end, "))()");
    }
  }
  return out.toString();
}

/**
 * The client's chunk fills two registries when it loads, `specTypeSchemas` and `isSpecType` (a
 * validator for every spec type, exported for applications), with top-level loops over every
 * schema the SDK defines: those loops kept all of them (and the namespace object listing them) in
 * each card. Protocol and App never read the registries: they validate with their own schemas.
 * The statements that build them (from `_specTypeSchemas` to `isSpecType`, unchanged) move into
 * one pure-annotated arrow whose two results keep their names, so esbuild drops the whole when no
 * one reads them. If the SDK reshapes those statements, the build stops here, naming them.
 */
function lazySpecTypeRegistry(source, path) {
  const ast = parse(source, { ecmaVersion: "latest", sourceType: "module" });
  const declares = (statement, name) =>
    (statement.type === "VariableDeclaration" && statement.declarations.some(({ id }) => id.type === "Identifier" && id.name === name)) ||
    (statement.type === "FunctionDeclaration" && statement.id.name === name);
  const first = ast.body.findIndex((statement) => declares(statement, "_specTypeSchemas"));
  const last = ast.body.findIndex((statement) => declares(statement, "isSpecType"));
  if (first < 0 || last < first || source.includes("specTypeRegistry")) {
    throw new Error(`${path}: the statements that build specTypeSchemas and isSpecType are not where lazySpecTypeRegistry (scripts/build-cards.mjs) expects them; the SDK changed`);
  }
  const region = ast.body.slice(first, last + 1);
  const results = ["specTypeSchemas", "isSpecType"];
  const own = region.flatMap((statement) =>
    statement.type === "FunctionDeclaration" ? [statement.id.name] : statement.type === "VariableDeclaration" ? statement.declarations.map(({ id }) => id.name) : [],
  );
  const hidden = new Set(own.filter((name) => !results.includes(name)));
  // What moves into the arrow must not be read from outside it (only the two results are).
  const outside = [...ast.body.slice(0, first), ...ast.body.slice(last + 1)];
  const readOutside = outside.flatMap((statement) => readNames(statement)).filter((name) => hidden.has(name));
  if (readOutside.length > 0) throw new Error(`${path}: ${[...new Set(readOutside)].join(", ")} read outside the spec type registry; lazySpecTypeRegistry (scripts/build-cards.mjs) no longer applies`);
  const start = region[0].start;
  const end = region.at(-1).end;
  return (
    source.slice(0, start) +
    `const specTypeRegistry = /* @__PURE__ */ (() => {\n${source.slice(start, end)}\nreturn { ${results.join(", ")} };\n})();\n` +
    results.map((name) => `const ${name} = /* @__PURE__ */ (() => specTypeRegistry.${name})();`).join("\n") +
    source.slice(end)
  );
}

/**
 * The client's chunk holds the wire schemas of both protocol revisions, each built on first use
 * by buildSchemas2025 / buildSchemas2026 (17 KB each in a card). Only the codec of the 2026-07-28
 * revision calls buildSchemas2026, and a Protocol uses that codec only once an MCP protocol version
 * of that revision has been negotiated (by the Client or Server classes' initialize/discover) or to
 * send `server/discover`. A card's App negotiates no MCP version (its handshake is ext-apps'
 * `ui/initialize`) and never sends `server/discover`: its codec stays the 2025-11-25 one. Its
 * buildSchemas2026 becomes a stand-in that fails loudly if that ever changed.
 */
function no2026WireSchemas(source, path) {
  const ast = parse(source, { ecmaVersion: "latest", sourceType: "module" });
  const builder = ast.body.find((statement) => statement.type === "FunctionDeclaration" && statement.id.name === "buildSchemas2026");
  if (!builder) throw new Error(`${path}: buildSchemas2026 not found; no2026WireSchemas (scripts/build-cards.mjs) no longer applies: the SDK changed`);
  const body = '{ throw new Error("The 2026-07-28 wire schemas are not part of a card: its App speaks the 2025-11-25 revision"); }';
  return source.slice(0, builder.body.start) + body + source.slice(builder.body.end);
}

/** The SDK's and ext-apps' modules as a card bundles them (each transform says why it is safe). */
const sdkSources = {
  name: "sdk-sources",
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]@modelcontextprotocol[\\/](client|core|ext-apps)[\\/]dist[\\/].*\.m?js$/ }, async ({ path }) => {
      let source = await readFile(path, "utf8");
      if (/[\\/]ext-apps[\\/]/.test(path)) source = zodAsNamespace(source);
      if (/[\\/]client[\\/]dist[\\/]src-[\w-]+\.mjs$/.test(path)) source = no2026WireSchemas(lazySpecTypeRegistry(source, path), path);
      return { contents: markSchemasPure(source), loader: "js" };
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

/**
 * Every zod schema of the classic API carries its JSON Schema converter (zod/v4/core's
 * to-json-schema.js and json-schema-processors.js: 20 KB of each card), reached only through
 * toJSONSchema and the Standard JSON Schema face, which a card never calls: it validates
 * messages, it does not describe them. The two modules become stand-ins with the same exports,
 * each failing loudly if a conversion were ever asked for.
 */
const noJsonSchemaInCards = {
  name: "no-json-schema-in-cards",
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]core[\\/](to-json-schema|json-schema-processors)\.js$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const names = new Set([...source.matchAll(/^export (?:function|const|let|class) ([\w$]+)/gm)].map((match) => match[1]));
      for (const match of source.matchAll(/^export \{([^}]*)\}/gm)) for (const part of match[1].split(",")) names.add(part.trim().split(/\s+as\s+/).pop());
      const body = [
        'const unavailable = () => { throw new Error("JSON Schema conversion is not part of the card"); };',
        // create*Method makes the method a schema carries (its `~standard` getter makes two): made, never called.
        ...[...names].filter(Boolean).map((name) => `export const ${name} = ${name.startsWith("create") ? "() => unavailable" : "unavailable"};`),
      ].join("\n");
      return { contents: body, loader: "js" };
    });
  },
};

const analyze = process.argv.includes("--analyze");
mkdirSync(`${root}dist/apps`, { recursive: true });
// Minified like the script: a host reads the whole file for every card it shows.
const css = (await transform(readFileSync(`${root}src/apps/card.css`, "utf8"), { loader: "css", minify: true, target: "chrome110" })).code.trim();
for (const card of CARDS) {
  const result = await build({
    entryPoints: [`${root}src/apps/${card.name}.ts`],
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    legalComments: "none",
    plugins: [sdkSources, sdkWithoutSideEffects, noJsonSchemaInCards],
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
