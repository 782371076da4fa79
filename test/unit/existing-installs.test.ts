import { describe, expect, it } from "vitest";
import { existingInstall, freeName, nameInUse } from "../../src/setup/existing-installs.js";

const ac = (Id: number, Name: string | undefined, connectorId: number) => ({ Id, Name, Connector: { Id: connectorId } });

describe("an install already in the account", () => {
  it("is the one of this connector with the name asked for, else the oldest of this connector", () => {
    const installed = [ac(9, "HubSpot sales", 1002), ac(4, "HubSpot", 1002), ac(2, "Pipedrive", 1001)];
    expect(existingInstall(installed, 1002, "hubspot ")?.Id).toBe(4);
    expect(existingInstall(installed, 1002, "Another")?.Id).toBe(4);
    expect(existingInstall(installed, 1007, "Xero")).toBeUndefined();
  });
});

describe("a free name", () => {
  it("is the name asked for when nobody in the account uses it, else the next numbered one", () => {
    expect(freeName("HubSpot", [ac(1, "Pipedrive", 1001)])).toBe("HubSpot");
    expect(freeName("HubSpot", [ac(1, "hubspot", 1002), ac(2, "HubSpot 2", 1002), ac(3, undefined, 1002)])).toBe("HubSpot 3");
  });
});

describe("Cyclr's name-in-use answer", () => {
  it("gives the name", () => {
    expect(nameInUse("Account connector name 'HubSpot' is in use.")).toBe("HubSpot");
    expect(nameInUse("ID already in use")).toBeUndefined();
    expect(nameInUse(undefined)).toBeUndefined();
  });
});
