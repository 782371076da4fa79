/** Failures seen through the tools, over stdio: lost install answers, timeouts, cancellation, a stale catalog, an answer too large, the HTTP fault control. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_CONTROL_PATH, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_TIMEOUT_MS: "1500" }) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const installPosts = (mark: number) => sandbox.requests.slice(mark).filter((r) => r.method === "POST" && r.path === "/v1.0/connectors/1001/install");

describe("an install whose answer is lost", () => {
  it("after an ambiguous 500 that did not install: one POST, and 'not installed; safe to retry'", async () => {
    sandbox.injectFault({ method: "POST", path: "/v1.0/connectors/1001/install", status: 500 });
    const mark = sandbox.requests.length;
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name: "Pipedrive (lost 500)" });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Installing connector 1001 as "Pipedrive \(lost 500\)" in account acme-sandbox got no usable answer \(Cyclr answered 500/);
    expect(text(result)).toMatch(/not installed; safe to retry install_connector/);
    expect(installPosts(mark)).toHaveLength(1);
    // It really was not installed, and retrying works.
    const retried = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name: "Pipedrive (lost 500)" }));
    expect(retried.note).toBeUndefined();
    expect(installPosts(mark)).toHaveLength(2);
  });

  it("after a 500 once the install was made: 'installed as account connector N', a success with a note", async () => {
    sandbox.injectFault({ method: "POST", path: "/v1.0/connectors/1001/install", status: 500, afterHandling: true });
    const mark = sandbox.requests.length;
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name: "Pipedrive (made)" });
    const out = structured(result);
    const made = [...JSON.stringify(sandbox.accountConnector(sandbox.accountId, out.accountConnectorId))];
    expect(made.length).toBeGreaterThan(0);
    expect(out.name).toBe("Pipedrive (made)");
    expect(out.note).toMatch(new RegExp(`installed as account connector ${out.accountConnectorId}; it was not sent again`));
    expect(text(result)).toMatch(/Note: The install request got no usable answer/);
    expect(installPosts(mark)).toHaveLength(1);
  });

  it("after a dropped connection once the install was made: found, not repeated", async () => {
    sandbox.injectFault({ method: "POST", path: "/v1.0/connectors/1001/install", drop: true, afterHandling: true });
    const mark = sandbox.requests.length;
    const out = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name: "Pipedrive (dropped)" }));
    expect(out.note).toMatch(/closed before POST \/v1\.0\/connectors\/1001\/install was answered/);
    expect(installPosts(mark)).toHaveLength(1);
  });

  it("after a timeout once the install was made: found within the budget", async () => {
    sandbox.injectFault({ method: "POST", path: "/v1.0/connectors/1001/install", delayMs: 2_000, afterHandling: true });
    const mark = sandbox.requests.length;
    const out = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name: "Pipedrive (slow)" }));
    expect(out.note).toMatch(/did not answer POST \/v1\.0\/connectors\/1001\/install within 1500 ms/);
    expect(installPosts(mark)).toHaveLength(1);
  });

  it("says it is unknown when the check fails too", async () => {
    sandbox.injectFault({ method: "POST", path: "/v1.0/connectors/1001/install", status: 502 });
    // The list taken before the install (a short page 1, then page 2 to be sure) goes through; the check after it fails (502, three attempts).
    sandbox.injectFault({ method: "GET", path: "/v1.0/account/connectors", status: 502, skip: 2, times: 3 });
    const mark = sandbox.requests.length;
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, name: "Pipedrive (unknown)" });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Checking the account's connectors afterwards failed too \(Cyclr answered 502 .*unknown whether it was installed/);
    expect(text(result)).toMatch(/call list_account_connectors and look for one named "Pipedrive \(unknown\)"/);
    expect(installPosts(mark)).toHaveLength(1);
    sandbox.clearFaults();
  });
});

describe("timeouts and cancellation", () => {
  it("a hung read gives an error within the budget, and the server keeps serving", async () => {
    sandbox.injectFault({ method: "GET", path: /^\/v1\.0\/account\/connectors\/\d+$/, delayMs: 5_000 });
    const started = performance.now();
    const result = await server.call("get_account_connector", { accountConnectorId: 1 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/did not answer GET .* within 1500 ms \(CYCLR_TIMEOUT_MS\)/);
    expect(performance.now() - started).toBeLessThan(2_500);
    expect((await server.call("list_connectors", { query: "pipedrive" })).isError).toBeFalsy();
  });

  it("cancelling a tool call aborts the call to Cyclr", async () => {
    sandbox.injectFault({ method: "GET", path: /^\/v1\.0\/account\/connectors\/\d+$/, delayMs: 1_400 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    await expect(server.client.callTool({ name: "get_account_connector", arguments: { accountConnectorId: 1 } }, undefined, { signal: controller.signal })).rejects.toThrow();
    await expect.poll(() => server.stderr(), { timeout: 1_000 }).toMatch(/GET \/v1\.0\/account\/connectors\/1 was cancelled/);
  });
});

describe("a stale catalog", () => {
  it("is served while a refresh runs and kept, with a note, when the refresh fails", async () => {
    const stale = await startSandbox();
    const ttl = await spawnServer({ env: sandboxEnv(stale, { CYCLR_CATALOG_TTL_SECONDS: "1" }) });
    try {
      const fresh = structured(await ttl.call("list_connectors", { query: "pipedrive" }));
      expect(fresh.stale).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      stale.injectFault({ method: "GET", path: "/v1.0/connectors", status: 500, times: 50 });
      const during = structured(await ttl.call("list_connectors", { query: "pipedrive" }));
      expect(during.stale).toBe(true);
      expect(during.connectors).toEqual(fresh.connectors);
      await expect
        .poll(async () => structured(await ttl.call("list_connectors", { query: "pipedrive" })).note, { timeout: 2_000 })
        .toMatch(/refreshing it failed, so the older copy is shown\. Cyclr failed on GET \/v1\.0\/connectors .*\(500\)/);
    } finally {
      await ttl.close();
      await stale.close();
    }
  });
});

describe("an answer too large", () => {
  it("a 150 MB catalog page: list_connectors fails naming CYCLR_MAX_RESPONSE_BYTES, and the server keeps answering", async () => {
    // The sandbox in the server's own process, the fault posted over its HTTP control (hugeBody is streamed, never built).
    const faulty = await spawnServer({ args: ["--sandbox", "--sandbox-faults"], env: { CYCLR_LOG_LEVEL: "info" } });
    try {
      await expect.poll(() => faulty.stderr(), { timeout: 2_000 }).toMatch(/embedded sandbox at http:\/\/127\.0\.0\.1:\d+/);
      const url = /embedded sandbox at (http:\/\/127\.0\.0\.1:\d+)/.exec(faulty.stderr())?.[1] as string;
      const added = await fetch(`${url}${FAULT_CONTROL_PATH}`, {
        method: "POST",
        body: JSON.stringify({ method: "GET", path: "/v1.0/connectors", hugeBody: 150 * 1024 * 1024 }),
      });
      expect(added.status).toBe(200);
      const result = await faulty.call("list_connectors", { query: "pipedrive" });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/GET \/v1\.0\/connectors is larger than the limit of 33554432 bytes.*raise CYCLR_MAX_RESPONSE_BYTES/);
      const after = structured(await faulty.call("list_connectors", { query: "pipedrive" }));
      expect(after.connectors.length).toBeGreaterThan(0);
    } finally {
      await faulty.close();
    }
  });
});

describe("the HTTP fault control", () => {
  it("is off unless asked for", async () => {
    const response = await fetch(`${sandbox.url}${FAULT_CONTROL_PATH}`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
  });

  it("with --sandbox --sandbox-faults, a fault posted to the sandbox reaches the tools", async () => {
    const faulty = await spawnServer({ args: ["--sandbox", "--sandbox-faults"], env: { CYCLR_LOG_LEVEL: "info" } });
    try {
      await expect.poll(() => faulty.stderr(), { timeout: 2_000 }).toMatch(/embedded sandbox at http:\/\/127\.0\.0\.1:\d+/);
      const url = /embedded sandbox at (http:\/\/127\.0\.0\.1:\d+)/.exec(faulty.stderr())?.[1] as string;
      expect(faulty.stderr()).toMatch(/fault injection on/);
      const added = await fetch(`${url}${FAULT_CONTROL_PATH}`, {
        method: "POST",
        body: JSON.stringify({ method: "GET", path: "/v1.0/connectors", status: 503, respond: "html", times: 3 }),
      });
      expect(added.status).toBe(200);
      const result = await faulty.call("list_connectors", {});
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/503.*HTML page \("503 Service Temporarily Unavailable"\)/);
      const bad = await fetch(`${url}${FAULT_CONTROL_PATH}`, { method: "POST", body: JSON.stringify({ status: 503 }) });
      expect(bad.status).toBe(400);
      expect((await fetch(`${url}/__sandbox/revoke-tokens`, { method: "POST" })).status).toBe(200);
      expect((await faulty.call("list_connectors", {})).isError).toBeFalsy();
    } finally {
      await faulty.close();
    }
  });
});
