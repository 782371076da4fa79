import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { UncertainInstalls } from "../../src/mcp/shared/uncertain-installs.js";
import { StoreUnavailableError, type Store } from "../../src/store/index.js";
import { MemoryStore } from "../../src/store/memory.js";
import { findNewInstall, idsOfConnector, lookDelayMs, lookWindowMs } from "../../src/setup/install-recovery.js";

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

describe("looking again for an install that may still be running", () => {
  it("watches about as long as a request may take: at least 1 s, at most 30 s", () => {
    expect(lookWindowMs(100)).toBe(1_000);
    expect(lookWindowMs(5_000)).toBe(5_000);
    expect(lookWindowMs(120_000)).toBe(30_000);
  });

  it("looks after growing delays, at most 5 s apart", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(lookDelayMs)).toEqual([1_000, 1_500, 2_250, 3_375, 5_000, 5_000, 5_000]);
  });
});

describe("UncertainInstalls", () => {
  const install = { accountId: "acct-1", connectorId: 1001, name: "Pipedrive", before: new Set([1]) };

  it("finds an uncertain install by account, connector and name (as findNewInstall compares names), until it is forgotten", async () => {
    const uncertain = new UncertainInstalls(1_000);
    await uncertain.remember(install);
    expect((await uncertain.find({ accountId: "acct-1", connectorId: 1001, name: " pipedrive" }))?.before).toEqual(new Set([1]));
    expect(await uncertain.find({ accountId: "acct-2", connectorId: 1001, name: "Pipedrive" })).toBeUndefined();
    expect(await uncertain.find({ accountId: "acct-1", connectorId: 1002, name: "Pipedrive" })).toBeUndefined();
    expect(await uncertain.find({ accountId: "acct-1", connectorId: 1001, name: "Pipedrive (sales)" })).toBeUndefined();
    await uncertain.forget(install);
    expect(await uncertain.find(install)).toBeUndefined();
  });

  it("forgets after an hour, and keeps at most 1000", async () => {
    const uncertain = new UncertainInstalls(1_000);
    await uncertain.remember(install, 0);
    expect(await uncertain.find(install, 59 * 60_000)).toBeDefined();
    expect(await uncertain.find(install, 61 * 60_000)).toBeUndefined();
    for (let i = 0; i < 1_100; i++) await uncertain.remember({ ...install, name: `Pipedrive ${i}` }, 1);
    expect(await uncertain.find({ ...install, name: "Pipedrive 0" }, 2)).toBeUndefined();
    expect(await uncertain.find({ ...install, name: "Pipedrive 1099" }, 2)).toBeDefined();
  });

  it("with a shared store, one replica's record is another's, and settled for both by either", async () => {
    const store = sharedMemory();
    const [a, b] = [new UncertainInstalls(1_000, { store, logger: silentLogger }), new UncertainInstalls(1_000, { store, logger: silentLogger })];
    await a.remember(install);
    expect((await b.find({ ...install, name: "PIPEDRIVE" }))?.before).toEqual(new Set([1]));
    await b.forget(install);
    expect(await a.find(install)).toBeUndefined();
  });

  it("a store that fails leaves each replica its own record, and no error", async () => {
    const failing = Object.assign(sharedMemory(), {
      get: () => Promise.reject(new StoreUnavailableError("Redis", "it cannot be reached")),
      set: () => Promise.reject(new StoreUnavailableError("Redis", "it cannot be reached")),
      delete: () => Promise.reject(new StoreUnavailableError("Redis", "it cannot be reached")),
    });
    const uncertain = new UncertainInstalls(1_000, { store: failing, logger: silentLogger });
    await uncertain.remember(install);
    expect((await uncertain.find(install))?.before).toEqual(new Set([1]));
    await uncertain.forget(install);
    expect(await uncertain.find(install)).toBeUndefined();
  });
});

/** The memory store standing in for Redis: shared, as far as its users can tell. */
function sharedMemory(): Store {
  const store = new MemoryStore();
  return Object.assign(store, { shared: true }) as Store;
}
