/**
 * Every schema of tools/list, as a client that shows cards lists them (so the cards' helpers too),
 * keeps to what every model provider takes (test/schema-dialect.ts): a tool added with an exclusive
 * bound, a union or a type list in its input fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UI_EXTENSION } from "../app-host/index.js";
import { spawnServer, type ServerUnderTest } from "../helpers.js";
import { inputSchemaProblems, outputSchemaProblems } from "../schema-dialect.js";

let server: ServerUnderTest;
beforeAll(async () => {
  server = await spawnServer({ args: ["--sandbox"], capabilities: { extensions: UI_EXTENSION } });
});
afterAll(async () => server?.close());

describe("the schemas of tools/list", () => {
  it("cover the cards' helpers too", async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("refresh_setup_card");
  });

  it("inputs: only what every function-calling dialect takes", async () => {
    const { tools } = await server.client.listTools();
    const problems = tools.flatMap((tool) => inputSchemaProblems(tool.inputSchema, tool.name));
    expect(problems).toEqual([]);
  });

  it("outputs: one type per schema", async () => {
    const { tools } = await server.client.listTools();
    const problems = tools.flatMap((tool) => outputSchemaProblems(tool.outputSchema, tool.name));
    expect(problems).toEqual([]);
  });
});
