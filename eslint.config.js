// Lint: typescript-eslint's recommended type-aware rules, plus the house rules that matter here.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".tools/", "test-artifacts/", "build/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // stdout is the MCP protocol channel: nothing in src may print to it (the demo is a client, not the server).
      "no-console": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  { files: ["src/demo.ts", "test/**/*.ts"], rules: { "no-console": "off" } },
  // Scripts and the benchmark run under Node as plain ES modules.
  { files: ["scripts/**/*.mjs", "bench/**/*.mjs"], languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly", performance: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly", AbortController: "readonly", AbortSignal: "readonly", fetch: "readonly" } } },
  // The part of undici the bundle takes (scripts/bundle/undici.cjs) is CommonJS, as undici is.
  { files: ["scripts/**/*.cjs"], languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable" } }, rules: { "@typescript-eslint/no-require-imports": "off" } },
);
