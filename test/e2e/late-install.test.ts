/**
 * An install that Cyclr finishes after the request timed out: the server keeps looking for a while
 * and returns it; when it lands after that, the error does not say "safe to retry", and the next
 * install_connector of the same connector and name returns the late install instead of a second one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";

const INSTALL = "/v1.0/connectors/1001/install";

let sandbox: Sandbox;
const servers: ServerUnderTest[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await Promise.allSettled(servers.map((s) => s.close()));
  await sandbox?.close();
});

async function serverWithTimeout(timeoutMs: number): Promise<ServerUnderTest> {
  const server = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_TIMEOUT_MS: String(timeoutMs) }) });
  servers.push(server);
  return server;
}

/** The account connectors of connector 1001 with this name, as the sandbox holds them. */
async function installedNamed(name: string): Promise<number[]> {
  const response = await fetch(`${sandbox.url}/v1.0/account/connectors?page=1&pageSize=1000`, {
    headers: { authorization: `Bearer ${sandbox.issueAccessToken()}`, "x-cyclr-account": sandbox.accountId },
  });
  const all = (await response.json()) as { Id: number; Name?: string; Connector: { Id: number } }[];
  return all.filter((ac) => ac.Connector.Id === 1001 && ac.Name === name).map((ac) => ac.Id);
}

const installPosts = (mark: number) => sandbox.requests.slice(mark).filter((r) => r.method === "POST" && r.path === INSTALL);

describe("an install Cyclr finishes after the request timed out", () => {
  it("is found by looking again for a while, and returned with a note", { timeout: 30_000 }, async () => {
    const server = await serverWithTimeout(5_000);
    sandbox.injectFault({ method: "POST", path: INSTALL, delayMs: 7_000 });
    const mark = sandbox.requests.length;
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name: "Pipedrive (7 s)" });
    const out = structured(result);
    expect(out.note).toMatch(/did not answer POST \/v1\.0\/connectors\/1001\/install within 5000 ms.*installed as account connector \d+; it was not sent again/);
    expect(await installedNamed("Pipedrive (7 s)")).toEqual([out.accountConnectorId]);
    expect(installPosts(mark)).toHaveLength(1);
  });

  it("landing after the server stopped looking: no 'safe to retry', and the next install returns it", { timeout: 30_000 }, async () => {
    const server = await serverWithTimeout(1_000);
    const name = "Pipedrive (very late)";
    // Times out at 1 s, watched until about 2 s; Cyclr makes it at 4 s.
    sandbox.injectFault({ method: "POST", path: INSTALL, delayMs: 4_000 });
    const mark = sandbox.requests.length;
    const first = await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name });
    expect(first.isError).toBe(true);
    expect(text(first)).not.toMatch(/safe to retry/);
    expect(text(first)).toMatch(/may still be running at Cyclr/);
    expect(text(first)).toMatch(/Call install_connector again later with the same connector and name: it first looks for this install/);
    expect(text(first)).toMatch(/list_account_connectors/);

    await expect.poll(() => installedNamed(name), { timeout: 6_000, interval: 250 }).toHaveLength(1);
    const [late] = await installedNamed(name);
    const again = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name }));
    expect(again.accountConnectorId).toBe(late);
    expect(again.note).toMatch(new RegExp(`the earlier install finished late: account connector ${late}; not installed again`));
    expect(await installedNamed(name)).toEqual([late]);
    expect(installPosts(mark)).toHaveLength(1);

    // Settled: without allowDuplicate the install is returned as it is; with it, a second one under a free name.
    const existing = structured(await server.call("install_connector", { connectorId: 1001, name }));
    expect(existing).toMatchObject({ existing: true, accountConnectorId: late });
    const third = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name }));
    expect(third.note).toBe(`The name "${name}" is in use in the account, so it was installed as "${name} 2".`);
    expect(await installedNamed(`${name} 2`)).toEqual([third.accountConnectorId]);
    expect(await installedNamed(name)).toEqual([late]);
  });
});

describe("an install whose call was cancelled on its way", () => {
  it("is looked for by the next install of the same connector and name", async () => {
    const server = await serverWithTimeout(5_000);
    const name = "Pipedrive (cancelled)";
    sandbox.injectFault({ method: "POST", path: INSTALL, delayMs: 1_500 });
    const mark = sandbox.requests.length;
    const controller = new AbortController();
    const posted = expect.poll(() => sandbox.requests.slice(mark).some((r) => r.path.startsWith("/v1.0/connectors/1001")), { timeout: 3_000 }).toBe(true);
    const call = server.client.callTool({ name: "install_connector", arguments: { allowDuplicate: true, connectorId: 1001, name } }, undefined, { signal: controller.signal });
    // Cancelled once the server is on its way to the install (it has read the connector).
    await posted;
    setTimeout(() => controller.abort(), 300);
    await expect(call).rejects.toThrow();
    await expect.poll(() => installedNamed(name), { timeout: 4_000, interval: 250 }).toHaveLength(1);
    const [late] = await installedNamed(name);
    const again = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name }));
    expect(again.accountConnectorId).toBe(late);
    expect(again.note).toMatch(/the earlier install finished late/);
    expect(await installedNamed(name)).toEqual([late]);
  });
});
