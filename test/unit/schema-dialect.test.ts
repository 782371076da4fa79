/** The checker of test/e2e/schema-dialect.test.ts finds each keyword a model provider may refuse. */
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { inputSchemaProblems, outputSchemaProblems } from "../schema-dialect.js";

const listed = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });

describe("the portable dialect of input schemas", () => {
  it("takes a plain object of strings, integers, enums and lists", () => {
    const schema = z.object({ name: z.string().min(1).max(10), count: z.number().int().min(1).max(9).default(1), kind: z.enum(["a", "b"]), tags: z.array(z.string()) });
    const rest = Object.fromEntries(Object.entries(listed(schema)).filter(([key]) => key !== "$schema"));
    expect(inputSchemaProblems(rest)).toEqual([]);
  });

  it.each([
    ["an exclusive bound (.positive())", z.object({ id: z.number().int().positive() }), "exclusiveMinimum"],
    ["list bounds (.max())", z.object({ ids: z.array(z.string()).max(5) }), "maxItems"],
    ["a union", z.object({ value: z.union([z.string(), z.object({ id: z.string() })]) }), "anyOf"],
    ["a type list", z.object({ value: z.union([z.string(), z.number()]) }), "needs one type"],
    ["a literal", z.object({ kind: z.literal("x") }), "const"],
    ["a record", z.object({ values: z.record(z.string(), z.string()) }), "additionalProperties"],
    ["the dialect's own name", z.object({}), "$schema"],
  ])("refuses %s", (_, schema, keyword) => {
    expect(inputSchemaProblems(listed(schema)).join("\n")).toContain(keyword);
  });

  it("refuses a type list and an array without items", () => {
    expect(inputSchemaProblems({ type: "object", properties: { a: { type: ["string", "number"] }, b: { type: "array" } } })).toEqual([
      '$.a: needs one type (a string), has ["string","number"]',
      "$.b: an array needs items",
    ]);
  });
});

describe("output schemas", () => {
  it("have one type per schema: a type list is refused, a union of one-typed schemas is not", () => {
    expect(outputSchemaProblems({ type: "object", additionalProperties: { type: ["string", "number"] } })).toEqual(['$.*: needs one type (a string), has ["string","number"]']);
    expect(outputSchemaProblems(z.toJSONSchema(z.object({ v: z.union([z.string(), z.array(z.string())]) })))).toEqual([]);
  });
});
