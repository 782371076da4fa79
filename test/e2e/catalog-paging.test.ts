/** A catalog larger than a page, behind a server that caps pageSize below what the client asks. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnServer, structured, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;
beforeAll(async () => {
  sandbox = await startSandbox({ maxPageSize: 20, syntheticConnectors: 53 });
  server = await spawnServer({ env: sandboxEnv(sandbox) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

it("loads every page, stopping at the first short one", async () => {
  const result = structured(await server.call("list_connectors", { pageSize: 100 }));
  // Custom connectors included: the catalog request asks for them (includeCustomConnectors=true).
  const seeded = 51;
  expect(result.total).toBe(seeded + 53);
  expect(result.connectors).toHaveLength(100);
  expect(new Set(result.connectors.map((c: { id: number }) => c.id)).size).toBe(100);
  const pages = sandbox.requests
    .filter((r) => r.path === "/v1.0/connectors")
    .map((r) => [Number(r.query.page), Number(r.query.pageSize)])
    .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
  // 104 connectors in pages of 20: a short first page (a cap?), page 2 alone shows there is more,
  // then pages 3-6 go out together and the short page 6 ends it.
  expect(pages).toEqual([1, 2, 3, 4, 5, 6].map((page) => [page, 100]));
  const catalogRequests = sandbox.requests.filter((r) => r.path === "/v1.0/connectors");
  expect(catalogRequests.every((r) => r.query.includeCustomConnectors === "true")).toBe(true);
  expect(result.connectors.map((c: { name: string }) => c.name)).toContain("Acme Orders (custom)");
  const searched = structured(await server.call("list_connectors", { query: "synthetic connector 00053" }));
  expect(searched.connectors.map((c: { name: string }) => c.name)).toEqual(["Synthetic Connector 00053"]);
});
