/**
 * Property-based: random and malformed arguments to every tool, over the real stdio transport,
 * against the sandbox. Whatever arrives, the server never crashes or hangs: each call gets a
 * JSON-RPC error, or an isError result (naming the field when the arguments are invalid), or, for
 * arguments that happen to be valid, an ordinary result. The tools are listed with tools/list, so
 * a new tool is covered without touching this file.
 *
 * fast-check (a devDependency) generates the cases and, on a failure, shrinks them to a small
 * reproduction with its seed: a hand-written generator would give neither. 100 runs of 100 calls
 * each (sent concurrently) make 10 000 cases in a few seconds.
 */
import { CallToolResultSchema, McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawnServer, text, type ServerUnderTest } from "../helpers.js";

const RUNS = 100;
const CALLS_PER_RUN = 100;
/** A call taking longer than this counts as a hang. */
const CALL_TIMEOUT_MS = 10_000;

let server: ServerUnderTest;
let tools: Tool[];

beforeAll(async () => {
  server = await spawnServer({ args: ["--sandbox"], env: { CYCLR_LOG_LEVEL: "error" } });
  tools = (await server.client.listTools()).tools;
});
afterAll(async () => {
  await server?.close();
});

/** Values of every JSON kind, with the edges tool arguments meet: empty, huge, negative, fractional, nested. */
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 50 }),
  fc.string({ minLength: 201, maxLength: 12_000 }),
  fc.constantFrom("", " ", "\u0000", "ApiKey", "pipedrive", "https://app.example.com", "javascript:alert(1)", "../..", "%00"),
  fc.constantFrom(0, -1, 1, 1.5, 1001, 1003, 2 ** 31, Number.MAX_SAFE_INTEGER, -0, 1e308),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.record({ name: fc.oneof(fc.string(), fc.integer()), value: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }, { requiredKeys: [] }), { maxLength: 60 }),
);

function argumentsFor(tool: Tool): fc.Arbitrary<unknown> {
  const keys = Object.keys(tool.inputSchema.properties ?? {});
  return fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...keys, "unexpected", "__proto__", "constructor"), value, { maxKeys: keys.length + 2 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

interface Case {
  tool: Tool;
  args: unknown;
}

const aCase: fc.Arbitrary<Case> = fc
  .constant(null)
  .chain(() => fc.integer({ min: 0, max: Math.max(0, tools.length - 1) }))
  .chain((index) => {
    const tool = tools[index] as Tool;
    return argumentsFor(tool).map((args) => ({ tool, args }));
  });

/** What the server answered, or why the call is a failure of the property. */
async function check({ tool, args }: Case): Promise<void> {
  let result;
  try {
    result = await server.client.request(
      { method: "tools/call", params: { name: tool.name, ...(args !== undefined && { arguments: args as Record<string, unknown> }) } },
      CallToolResultSchema,
      { timeout: CALL_TIMEOUT_MS },
    );
  } catch (error) {
    // A JSON-RPC error answer is fine (arguments that are not an object, say); a timeout or a closed connection is not.
    if (error instanceof McpError && error.code !== -32001 && error.code !== -32000) {
      expect(error.message.length).toBeGreaterThan(0);
      return;
    }
    throw new Error(`${tool.name}(${JSON.stringify(args)?.slice(0, 300)}) got no answer: ${String(error)}`);
  }
  if (!result.isError) return;
  const message = text(result);
  expect(message.length, `${tool.name} gave an empty error`).toBeGreaterThan(0);
  expect(message, `${tool.name} failed unexpectedly`).not.toMatch(/failed unexpectedly/);
  if (/Input validation error/i.test(message)) {
    const named = Object.keys(tool.inputSchema.properties ?? {}).some((key) => message.includes(key));
    expect(named, `${tool.name}: "${message.slice(0, 300)}" names no field`).toBe(true);
  }
}

it(
  `answers ${RUNS * CALLS_PER_RUN} random and malformed tool calls without a crash or hang`,
  async () => {
    expect(tools.length).toBeGreaterThanOrEqual(5);
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(aCase, { minLength: CALLS_PER_RUN, maxLength: CALLS_PER_RUN }), async (cases) => {
        calls += cases.length;
        await Promise.all(cases.map(check));
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(calls).toBeGreaterThanOrEqual(RUNS * CALLS_PER_RUN);
    // Still serving, and nothing crashed.
    const after = await server.call("list_connectors", { query: "pipedrive" });
    expect(after.isError).toBeFalsy();
    expect(server.stderr()).not.toMatch(/fatal|unhandled rejection|failed unexpectedly/);
  },
  120_000,
);
