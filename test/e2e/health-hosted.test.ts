/**
 * The support walk of issue 25, hosted over HTTP with two tenants: "Acme's sync stopped" -> the
 * account -> the failing integration -> the cause -> a fresh sign-in link -> the person signs in ->
 * the next run goes through, by following nextStep alone, in at most 8 calls. The other tenant, pinned
 * to its own account, never sees Acme's integrations or incidents; its token may only read; each
 * call's audit line names the subject, the account and the cycle. Against the built CLI and the
 * sandbox, whose cycles run every 15 minutes of 100 ms.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { modernRequest, rawRequest, sandboxEnv, spawnHttpServer, structured, text, type HttpServerUnderTest } from "../helpers.js";
import { walk } from "../walk.js";

const SECRET = "partner-shared-secret-health-0123456789";
let sandbox: Sandbox;
let server: HttpServerUnderTest;
const clients: Client[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ minuteMs: 100 });
  server = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_JWT_SECRET: SECRET, CYCLR_LOG_FORMAT: "json", CYCLR_ACCOUNT_ID: "" }) });
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await server?.stop();
  await sandbox?.close();
});

const mint = (subject: string, account: string, scope: string) =>
  new SignJWT({ scope, cyclr_account: account, azp: "support-desk" }).setProtectedHeader({ alg: "HS256" }).setSubject(subject).setAudience(server.url).setExpirationTime("10m").sign(new TextEncoder().encode(SECRET));
const connect = async (token: string) => {
  const client = new Client({ name: "support-copilot", version: "0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
};
const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const audit = () =>
  server
    .stderr()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === "audit");

describe("Acme's sync stopped", () => {
  it("from the account to a run that goes through again, following nextStep alone, in at most 8 calls", async () => {
    const acme = await connect(await mint("support-acme", "acme-corp-4821", "cyclr:read cyclr:write"));
    const cycle = sandbox.cycles("acme-corp-4821")[0]!;
    const failedBefore = sandbox.incidents("acme-corp-4821", cycle.Id).length;
    const { calls, last } = await walk(async (tool, args) => structured(await call(acme, tool, args)), { tool: "list_accounts", arguments: { query: "Acme" } }, { confirm: true });
    expect(calls).toEqual(["list_accounts", "list_cycles", "get_cycle_activity", "reconnect_connector", "create_oauth_link", "get_cycle", "get_cycle_activity"]);
    expect(calls.length).toBeLessThanOrEqual(8);
    expect(last).toMatchObject({ cycleId: cycle.Id, status: "Active", waited: { outcome: "ran" } });
    expect(last.nextStep.tool).toBeUndefined();
    expect(last.nextStep.instruction).toMatch(/^Salesforce contacts to Mailchimp runs again/);

    // Cyclr agrees: Salesforce holds a new sign-in, and the cycle's last successful run is now.
    const salesforce = sandbox.accountConnector("acme-corp-4821", 700_001) as { AuthValue: string; Authenticated: boolean };
    expect(salesforce.Authenticated).toBe(true);
    expect(salesforce.AuthValue).not.toContain("revoked-upstream");
    expect(Date.parse(sandbox.cycle("acme-corp-4821", cycle.Id)!.LastSuccessfulRunDate)).toBeGreaterThan(Date.now() - 60_000);
    expect(sandbox.incidents("acme-corp-4821", cycle.Id).length).toBeGreaterThanOrEqual(failedBefore);

    const lines = audit().filter((line) => line.subject === "support-acme");
    expect(lines.map((line) => [line.tool, line.outcome, line.account, line.cycle])).toEqual([
      ["list_accounts", "ok", "acme-corp-4821", undefined],
      ["list_cycles", "ok", "acme-corp-4821", undefined],
      ["get_cycle_activity", "ok", "acme-corp-4821", cycle.Id],
      ["reconnect_connector", "ok", "acme-corp-4821", cycle.Id],
      ["create_oauth_link", "ok", "acme-corp-4821", cycle.Id],
      ["get_cycle", "ok", "acme-corp-4821", cycle.Id],
      ["get_cycle_activity", "ok", "acme-corp-4821", cycle.Id],
    ]);
    // Incidents are the customer's data: never in a log line.
    expect(server.stderr()).not.toContain("Session expired or invalid");
  }, 90_000);

  it("the other tenant sees its own integrations and incidents only, and may not repair", async () => {
    const acmeCycle = sandbox.cycles("acme-corp-4821")[0]!;
    const initechCycle = sandbox.cycles("initech-0042")[0]!;
    const reader = await mint("support-initech", "initech-0042", "cyclr:read");
    const initech = await connect(reader);
    const mine = structured(await call(initech, "list_cycles", {}));
    expect(mine.cycles.map((c: { cycleId: string }) => c.cycleId)).toEqual([initechCycle.Id]);
    const across = await call(initech, "get_cycle_activity", { level: "any", since: "30d" });
    expect(structured(across).incidents.length).toBeGreaterThan(0);
    for (const result of [mine, structured(across)]) {
      const seen = JSON.stringify(result);
      expect(seen).not.toContain(acmeCycle.Id);
      expect(seen).not.toContain("Salesforce contacts to Mailchimp");
    }
    const theirs = await call(initech, "get_cycle_activity", { cycleId: acmeCycle.Id });
    expect(theirs.isError).toBe(true);
    expect(text(theirs)).toContain(`Cycle ${acmeCycle.Id} was not found in account initech-0042`);
    expect(text(theirs)).not.toContain("Salesforce");
    expect(text(await call(initech, "list_cycles", { accountId: "acme-corp-4821" }))).toContain("pinned to account initech-0042");
    await expect(initech.readResource({ uri: "cyclr://accounts/acme-corp-4821/cycles" })).rejects.toThrow(/pinned/);

    // Read-only scope: the health readers, not the repair.
    const offered = (await initech.listTools()).tools.map((t) => t.name);
    expect(offered).toEqual(expect.arrayContaining(["list_cycles", "get_cycle_activity"]));
    expect(offered).not.toContain("reconnect_connector");
    const refused = await rawRequest(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${reader}`, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "reconnect_connector", arguments: { accountConnectorId: 700_004, cycleId: initechCycle.Id, confirm: true } } }),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="cyclr:write"');
    expect((sandbox.accountConnector("initech-0042", 700_004) as { AuthValue: string | null }).AuthValue).toBeNull();

    // The refused call's line is written as its answer goes: it may reach stderr a moment after.
    await expect.poll(() => audit().filter((line) => line.subject === "support-initech").map((line) => [line.tool, line.outcome, line.account])).toEqual([
      ["list_cycles", "ok", "initech-0042"],
      ["get_cycle_activity", "ok", "initech-0042"],
      ["get_cycle_activity", "CYCLR_HTTP_ERROR", "initech-0042"],
      ["list_cycles", "INVALID_INPUT", "initech-0042"],
      ["reconnect_connector", "insufficient_scope", "initech-0042"],
    ]);
  }, 60_000);

  it("on 2026-07-28, the wait for the next run goes on in rounds of the call, and a run made between rounds is seen by the next", async () => {
    // An integration that runs every 4 hours of 100 ms (24 s), its connectors signed in.
    const [cycle] = sandbox.installCycles("umbrella-9001", "b52e7c04-91d3-4f6a-8e2b-6a7c0d9e1f33", 1, { Status: "Active", Interval: 240 });
    const token = sandbox.issueAccessToken();
    for (const step of cycle!.steps) {
      const response = await fetch(`${sandbox.url}/v1.0/account/connectors/${step.AccountConnectorId}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "x-cyclr-account": "umbrella-9001", "content-type": "application/json" },
        body: JSON.stringify({ AuthValue: "dW1icmVsbGE6c2lnbmVkLWlu" }),
      });
      expect(response.status).toBe(200);
    }
    const reader = { headers: { authorization: `Bearer ${await mint("support-umbrella", "umbrella-9001", "cyclr:read")}` } };
    const args = { cycleId: cycle!.Id, waitForRun: 60 };
    const first = await modernRequest(server.url, "tools/call", { name: "get_cycle_activity", arguments: args }, reader);
    // The first round held the request a short while, then asks for nothing: call again.
    expect(first.message.result).toMatchObject({ resultType: "input_required" });
    expect(first.message.result?.inputRequests).toBeUndefined();
    await expect.poll(() => sandbox.cycle("umbrella-9001", cycle!.Id)!.LastSuccessfulRunDate, { timeout: 30_000, interval: 500 }).not.toBe("0001-01-01T00:00:00");
    const started = Date.now();
    const second = await modernRequest(server.url, "tools/call", { name: "get_cycle_activity", arguments: args }, { ...reader, requestState: first.message.result?.requestState as string });
    expect(second.message.result).toMatchObject({ resultType: "complete", structuredContent: { cycleId: cycle!.Id, waited: { outcome: "ran" } } });
    // It compared with what the first round saw, so it knew at once.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((second.message.result?.structuredContent as { waited: { seconds: number } }).waited.seconds).toBeGreaterThanOrEqual(10);
  }, 90_000);
});
