/** Each error path: a clear isError result naming the problem and the next step; the server keeps serving. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;
let pipedriveId: number;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox) });
  const found = structured(await server.call("list_connectors", { query: "Pipedrive" }));
  pipedriveId = found.connectors[0].id;
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

describe("bad arguments", () => {
  it("names the invalid field", async () => {
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: "abc" });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/connectorId/);
  });

  it("names a missing required field", async () => {
    const result = await server.call("set_connector_properties", { accountConnectorId: 1, properties: [] });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/properties/);
  });

  it("rejects half of a Basic credential", async () => {
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: pipedriveId, username: "only-me" });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/username and password go together/);
  });
});

describe("unknown ids", () => {
  it("an unknown account connector names the id, the account and where to find the right one", async () => {
    const result = await server.call("get_account_connector", { accountConnectorId: 987654 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Account connector 987654 was not found in account /);
    expect(text(result)).toContain(sandbox.accountId);
    expect(text(result)).toMatch(/install_connector/);
  });

  it("an unknown connector points to list_connectors", async () => {
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: 99999999 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Connector 99999999 was not found/);
    expect(text(result)).toMatch(/list_connectors/);
  });

  it("an unknown account says so", async () => {
    const result = await server.call("list_connectors", { accountId: "no-such-account" });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("no-such-account");
  });
});

describe("Cyclr's 400 answers", () => {
  it("passes Cyclr's message through with what to do", async () => {
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: pipedriveId, properties: [{ name: "Dont exist", value: "x" }] });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("There is not a connector property that matches name 'Dont exist'.");
    expect(text(result)).toMatch(/Correct the arguments/);
  });

  it("hides a secret that Cyclr echoes in an error", async () => {
    sandbox.failRoute({ method: "POST", path: /\/install$/, status: 400, body: JSON.stringify({ Message: "Invalid AuthValue 'leaky-key-123456'" }) });
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: pipedriveId, authValue: "leaky-key-123456" });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("Invalid AuthValue");
    expect(text(result)).not.toContain("leaky-key-123456");
    expect(server.stderr()).not.toContain("leaky-key-123456");
  });
});

describe("partial failures", () => {
  it("reports each property's outcome: set, failed (refused) and unknown (answer lost), each sent once", async () => {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: pipedriveId }));
    const id = installed.accountConnectorId;
    const path = `/v1.0/account/connectors/${id}/properties`;
    sandbox.failRoute({ method: "POST", path, status: 500, body: '{"Message":"An error has occurred."}' });
    sandbox.failRoute({ method: "POST", path, status: 400, body: '{"Message":"Value is not allowed."}' });
    const before = sandbox.requests.length;
    const result = await server.call("set_connector_properties", {
      accountConnectorId: id,
      properties: [
        { name: "First", value: "1" },
        { name: "Second", value: "2" },
        { name: "CompanyDomain", value: "acme" },
      ],
    });
    const outcome = structured(result);
    expect(outcome.results[0]).toMatchObject({ name: "First", outcome: "unknown" });
    expect(outcome.results[0].error).toMatch(/500.*checking whether the change was made/);
    expect(outcome.results[1]).toMatchObject({ name: "Second", outcome: "failed" });
    expect(outcome.results[1].error).toMatch(/Value is not allowed/);
    expect(outcome.results[2]).toEqual({ name: "CompanyDomain", outcome: "set" });
    expect(text(result)).toMatch(/Set 1 of 3 properties .*1 unknown: call get_account_connector/);
    // Never retried: one POST per property.
    expect(sandbox.requests.slice(before).filter((r) => r.method === "POST" && r.path === path)).toHaveLength(3);
  });
});

describe("upstream failures", () => {
  it("a 5xx on a read that outlasts the retries says it is on Cyclr's side, and the server keeps serving", async () => {
    sandbox.failRoute({ method: "GET", path: /^\/v1\.0\/account\/connectors\/\d+$/, status: 503, body: "<html>Service Unavailable</html>", times: 3 });
    const before = sandbox.requests.length;
    const failed = await server.call("get_account_connector", { accountConnectorId: 1 });
    expect(failed.isError).toBe(true);
    expect(text(failed)).toMatch(/503.*Cyclr's side/);
    expect(sandbox.requests.slice(before).filter((r) => r.path === "/v1.0/account/connectors/1")).toHaveLength(3);
    const ok = await server.call("list_connectors", { query: "Pipedrive" });
    expect(ok.isError).toBeFalsy();
  });

  it("gets a new token once after a 401 and retries", async () => {
    const tokenCallsBefore = sandbox.requests.filter((r) => r.path === "/oauth/token").length;
    sandbox.revokeTokens();
    const result = await server.call("get_account_connector", { accountConnectorId: 987655 });
    // 404 after the refresh: the retry went through with the new token.
    expect(text(result)).toMatch(/987655 was not found/);
    const tokenCalls = sandbox.requests.filter((r) => r.path === "/oauth/token");
    expect(tokenCalls.length).toBe(tokenCallsBefore + 1);
    expect(tokenCalls.at(-1)?.headers["content-type"]).toMatch(/application\/x-www-form-urlencoded/);
    expect(tokenCalls.at(-1)?.body).toMatch(/grant_type=client_credentials/);
  });

  it("keeps the token between calls", async () => {
    const before = sandbox.requests.filter((r) => r.path === "/oauth/token").length;
    await server.call("get_account_connector", { accountConnectorId: 1 });
    await server.call("get_account_connector", { accountConnectorId: 2 });
    expect(sandbox.requests.filter((r) => r.path === "/oauth/token").length).toBe(before);
  });
});

describe("configuration problems surface as clear tool errors", () => {
  it("bad client credentials name the settings to fix, never the secret", async () => {
    const wrong = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_CLIENT_SECRET: "wrong-secret-value" }) });
    try {
      const result = await wrong.call("list_connectors", {});
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/CYCLR_CLIENT_ID and CYCLR_CLIENT_SECRET/);
      expect(text(result)).not.toContain("wrong-secret-value");
      expect(wrong.stderr()).not.toContain("wrong-secret-value");
    } finally {
      await wrong.close();
    }
  });

  it("a token that Cyclr refuses says so", async () => {
    const wrong = await spawnServer({ env: { ...sandboxEnv(sandbox), CYCLR_CLIENT_ID: "", CYCLR_CLIENT_SECRET: "", CYCLR_ACCESS_TOKEN: "not-a-real-token" } });
    try {
      const result = await wrong.call("list_connectors", {});
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/401.*CYCLR_ACCESS_TOKEN/s);
      expect(text(result)).not.toContain("not-a-real-token");
    } finally {
      await wrong.close();
    }
  });

  it("no account anywhere asks for accountId or CYCLR_ACCOUNT_ID", async () => {
    const noAccount = await spawnServer({ env: { ...sandboxEnv(sandbox), CYCLR_ACCOUNT_ID: "" } });
    try {
      const result = await noAccount.call("list_connectors", {});
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/accountId.*CYCLR_ACCOUNT_ID/);
      // Naming the account in the call works.
      expect((await noAccount.call("list_connectors", { accountId: sandbox.accountId })).isError).toBeFalsy();
    } finally {
      await noAccount.close();
    }
  });

  it("no service domain is named when an OAuth link is asked for", async () => {
    const noDomain = await spawnServer({ env: { ...sandboxEnv(sandbox), CYCLR_SERVICE_DOMAIN: "" } });
    try {
      const result = await noDomain.call("create_oauth_link", { accountConnectorId: 1, targetOrigin: "https://x.example" });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/CYCLR_SERVICE_DOMAIN/);
    } finally {
      await noDomain.close();
    }
  });
});

describe("network failures", () => {
  let hanging: Server;
  beforeAll(async () => {
    // Accepts connections and never answers.
    hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it("an unreachable API says where it tried", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const down = await spawnServer({ env: { ...sandboxEnv(sandbox), CYCLR_API_URL: `http://127.0.0.1:${closedPort}` } });
    try {
      const result = await down.call("list_connectors", {});
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(new RegExp(`Could not reach Cyclr at http://127.0.0.1:${closedPort}.*CYCLR_API_URL`));
    } finally {
      await down.close();
    }
  });

  it("a silent API times out after CYCLR_TIMEOUT_MS", async () => {
    const { port } = hanging.address() as AddressInfo;
    const slow = await spawnServer({
      env: { ...sandboxEnv(sandbox), CYCLR_API_URL: `http://127.0.0.1:${port}`, CYCLR_CLIENT_ID: "", CYCLR_CLIENT_SECRET: "", CYCLR_ACCESS_TOKEN: "t0ken-x", CYCLR_TIMEOUT_MS: "300" },
    });
    try {
      const result = await slow.call("list_connectors", {});
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/did not answer .* within 300 ms/);
    } finally {
      await slow.close();
    }
  });
});
