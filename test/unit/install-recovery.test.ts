import { describe, expect, it } from "vitest";
import { findNewInstall, idsOfConnector } from "../../src/setup/install-recovery.js";

const ac = (Id: number, connectorId: number, Name?: string) => ({ Id, Name, Connector: { Id: connectorId } });

describe("findNewInstall", () => {
  const before = idsOfConnector([ac(1, 1001, "Pipedrive"), ac(2, 1002, "Other")], 1001);

  it("finds the account connector of that connector and name that was not there before", () => {
    const after = [ac(1, 1001, "Pipedrive"), ac(2, 1002, "Other"), ac(7, 1001, "Pipedrive")];
    expect(findNewInstall(before, after, 1001, "Pipedrive")).toEqual({ created: ac(7, 1001, "Pipedrive"), others: [] });
  });

  it("finds nothing when only older installs match", () => {
    expect(findNewInstall(before, [ac(1, 1001, "Pipedrive")], 1001, "Pipedrive")).toEqual({ others: [] });
  });

  it("ignores another connector or another name", () => {
    const after = [ac(8, 1002, "Pipedrive"), ac(9, 1001, "Pipedrive (sales)")];
    expect(findNewInstall(before, after, 1001, "Pipedrive").created).toBeUndefined();
  });

  it("takes the earliest of several new matches and names the others", () => {
    const after = [ac(12, 1001, "pipedrive "), ac(10, 1001, "Pipedrive")];
    const found = findNewInstall(before, after, 1001, "Pipedrive");
    expect(found.created?.Id).toBe(10);
    expect(found.others.map((o) => o.Id)).toEqual([12]);
  });
});
