/** Cyclr's lists parsed item by item: one odd item never breaks a list, and says where it is odd (never its values). */
import { describe, expect, it } from "vitest";
import { AccountConnectorListSchema, AccountConnectorSchema, ConnectorListSchema, ConnectorSchema, splitEntries } from "../../src/cyclr/schemas.js";

const good = { Id: 1, Name: "Good", AuthType: "ApiKey", Categories: ["CRMs"], Parameters: [] };

describe("catalog lists", () => {
  it("keep the items that parse and report each one left out by Id and field path", () => {
    const { items, leftOut } = splitEntries(
      ConnectorListSchema.parse([
        good,
        { ...good, Id: 2, Categories: [{ Id: 4 }] },
        { ...good, Id: "not-a-number" },
        { Name: "No Id", Description: "secret-looking value" },
        "not even an object",
      ]),
    );
    expect(items.map((c) => c.Id)).toEqual([1]);
    expect(leftOut).toEqual([
      { id: "2", index: 1, paths: ["Categories.0"] },
      { id: "not-a-number", index: 2, paths: ["Id"] },
      { index: 3, paths: ["Id"] },
      { index: 4, paths: ["(item)"] },
    ]);
    expect(JSON.stringify(leftOut)).not.toContain("secret-looking value");
  });

  it("are loosened where the docs allow: a null among Values, {Name} categories, null names, numeric-string ids", () => {
    const connector = ConnectorSchema.parse({
      Id: "12",
      Name: null,
      Categories: ["CRMs", { Name: "Marketing" }, null],
      Parameters: [{ IsAccountConnectorProperty: true, TargetName: "Mode", Name: null, Values: ["a", null, "b"] }],
    });
    expect(connector).toMatchObject({ Id: 12, Name: "", Categories: ["CRMs", "Marketing"], Parameters: [{ TargetName: "Mode", Values: ["a", "b"] }] });
  });
});

describe("account connector lists", () => {
  const installed = { Id: 5, Name: "HubSpot", Authenticated: false, Connector: { Id: 1002, Name: "HubSpot" }, Properties: [] };

  it("leave out one with a null Connector, and keep one whose property has a null name (that property skipped)", () => {
    const { items, leftOut } = splitEntries(
      AccountConnectorListSchema.parse([
        installed,
        { ...installed, Id: 6, Connector: null },
        { ...installed, Id: 7, Properties: [{ Id: 1, Name: null, Value: "x" }, { Id: 2, Name: "Domain", Value: "acme" }] },
      ]),
    );
    expect(items.map((ac) => ac.Id)).toEqual([5, 7]);
    expect(items[1]?.Properties).toEqual([{ Id: "2", Name: "Domain", HasValue: true }]);
    expect(leftOut).toEqual([{ id: "6", index: 1, paths: ["Connector"] }]);
  });

  it("keep an AuthenticationId when Cyclr reports one", () => {
    expect(AccountConnectorSchema.parse({ ...installed, AuthenticationId: "g-1" }).AuthenticationId).toBe("g-1");
  });
});

describe("incidents", () => {
  it("take their time from whichever known field carries one (Cyclr's tests assert none), as UTC, and say which", async () => {
    const { IncidentSchema } = await import("../../src/cyclr/schemas.js");
    const base = { CycleId: "c-1", IncidentLevel: "Error", ShortMessage: "Failed", FullMessage: "401", StepId: "s-1", StepName: "Get", TransactionId: "t-1" };
    expect(IncidentSchema.parse({ ...base, CreatedOnUtc: "2026-03-02T09:00:00" })).toMatchObject({ At: "2026-03-02T09:00:00Z", TimeField: "CreatedOnUtc" });
    expect(IncidentSchema.parse({ ...base, Date: "not a date", Timestamp: "2026-03-02T09:00:00.123Z" })).toMatchObject({ At: "2026-03-02T09:00:00.123Z", TimeField: "Timestamp" });
    const undated = IncidentSchema.parse({ ...base, Extra: { big: true } });
    expect(undated.At).toBeUndefined();
    expect(undated).not.toHaveProperty("Extra");
  });
});
