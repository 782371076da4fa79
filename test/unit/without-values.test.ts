import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectorListSchema } from "../../src/cyclr/schemas.js";
import { withoutValues } from "../../src/cyclr/transport.js";
import { seedConnectors } from "../../src/sandbox/fixtures.js";

/** The value with every string under a key named Icon, at any depth, set to null: what withoutValues must give. */
function iconsNulled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(iconsNulled);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, key === "Icon" && typeof inner === "string" ? null : iconsNulled(inner)]));
}

describe("withoutValues (the catalog's icons dropped before parsing)", () => {
  it("nulls the string values of the fields named, at any depth, and nothing else", () => {
    const text = JSON.stringify([{ Id: 1, Name: 'a "Icon":"x" ,"Icon":"y"', Icon: 'data:\\"q', Nested: { Icon: "z" }, Number: { Icon: 5 }, Last: { Icon: "w" } }]);
    expect(JSON.parse(withoutValues(text, ["Icon"]))).toEqual([{ Id: 1, Name: 'a "Icon":"x" ,"Icon":"y"', Icon: null, Nested: { Icon: null }, Number: { Icon: 5 }, Last: { Icon: null } }]);
    expect(JSON.parse(withoutValues('{ "Icon" :  "a" , "B": "Icon"}', ["Icon"]))).toEqual({ Icon: null, B: "Icon" });
  });

  it("keeps any JSON valid and the same but for those values (property: arbitrary JSON with Icon keys)", () => {
    const key = fc.constantFrom("Icon", "Name", "icon", "Icons", 'Ic"on', "Icon\\");
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 4 }),
      object: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    })).value;
    fc.assert(
      fc.property(json, fc.boolean(), (value, spaced) => {
        const text = JSON.stringify(value, null, spaced ? 1 : undefined);
        expect(JSON.parse(withoutValues(text, ["Icon"]))).toEqual(iconsNulled(value));
      }),
      { numRuns: 500 },
    );
  });

  it("a catalog page parses to the same connectors with and without its icons", () => {
    const text = JSON.stringify(seedConnectors(100));
    expect(text.length).toBeGreaterThan(3 * withoutValues(text, ["Icon"]).length);
    expect(ConnectorListSchema.parse(JSON.parse(withoutValues(text, ["Icon"])))).toEqual(ConnectorListSchema.parse(JSON.parse(text)));
  });

  it("refuses a field name that is not a plain name (it is put in a pattern)", () => {
    expect(() => withoutValues("{}", ["a|b"])).toThrow(/plain names/);
  });
});
