/**
 * The support and onboarding tools over stdio: finding an account, creating one, what needs
 * attention, reconnecting and removing, and the guards (allow-list, read-only, confirmation, bad
 * ids, Cyclr's 404 and 400). Pinning is shown in hosted mode (http.test.ts).
 */
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;
const others: ServerUnderTest[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox) });
});
afterAll(async () => {
  await Promise.allSettled([server, ...others].map((s) => s?.close()));
  await sandbox?.close();
});

const stored = (accountId: string, id: number) => sandbox.accountConnector(accountId, id) as { AuthValue: string | null; Authenticated: boolean } | undefined;

describe("list_accounts", () => {
  it("finds what people type: typos, accents, the id; compact entries, best first", async () => {
    const typo = structured(await server.call("list_accounts", { query: "acme corportion" }));
    expect(typo.accounts[0]).toMatchObject({ accountId: "acme-corp-4821", name: "Acme Corporation", timezone: "America/New_York" });
    expect(typo.nextStep).toMatchObject({ tool: "list_cycles", arguments: { accountId: "acme-corp-4821", attention: true } });
    expect(structured(await server.call("list_accounts", { query: "SOCIETE generale" })).accounts[0].accountId).toBe("sg-paris-33");
    expect(structured(await server.call("list_accounts", { query: "initech-0042" })).accounts[0]).toMatchObject({ accountId: "initech-0042", match: "exact" });
    const all = structured(await server.call("list_accounts", { pageSize: 3 }));
    expect([all.accounts.length, all.hasMore]).toEqual([3, true]);
  });

  it("nothing found: check the name, or create the account, asking for its name", async () => {
    const none = structured(await server.call("list_accounts", { query: "hooli" }));
    expect(none.accounts).toEqual([]);
    expect(none.nextStep).toMatchObject({ tool: "create_account", arguments: { name: expect.stringMatching(/^<.*>$/) } });
  });

  it("the allow-list filters the list, and create_account may only make an allow-listed id", async () => {
    const limited = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_ACCOUNT_ALLOWLIST: `${sandbox.accountId},acme-corp-4821,allowed-new-1` }) });
    others.push(limited);
    const listed = structured(await limited.call("list_accounts", { query: "acme" }));
    expect(listed.accounts.map((a: { accountId: string }) => a.accountId).sort()).toEqual(["acme-corp-4821", sandbox.accountId].sort());
    expect(structured(await limited.call("list_accounts", {})).accounts).toHaveLength(2);
    for (const args of [{ name: "Hooli" }, { name: "Hooli", id: "hooli-1" }]) {
      const refused = await limited.call("create_account", args);
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain("CYCLR_ACCOUNT_ALLOWLIST");
    }
    const made = structured(await limited.call("create_account", { name: "Allowed Co", id: "allowed-new-1" }));
    expect(made.account.accountId).toBe("allowed-new-1");
    for (const [tool, args] of [
      ["list_account_connectors", { accountId: "initech-0042", attention: true }],
      ["reconnect_connector", { accountId: "initech-0042", accountConnectorId: 700_005, confirm: true }],
      ["remove_account_connector", { accountId: "initech-0042", accountConnectorId: 700_005, confirm: true }],
    ] as const) {
      const refused = await limited.call(tool, args);
      expect(text(refused), tool).toContain("CYCLR_ACCOUNT_ALLOWLIST");
    }
    expect(stored("initech-0042", 700_005)?.AuthValue).toBeTruthy();
  });
});

describe("create_account", () => {
  it("creates the account and leads to finding its first connector", async () => {
    const made = structured(await server.call("create_account", { name: "Hooli", id: "hooli-001", timezone: "America/Los_Angeles" }));
    expect(made.account).toMatchObject({ accountId: "hooli-001", name: "Hooli", timezone: "America/Los_Angeles" });
    expect(made.nextStep).toMatchObject({ tool: "list_connectors", arguments: { accountId: "hooli-001" } });
    const generated = structured(await server.call("create_account", { name: "Pied Piper" }));
    expect(generated.account.accountId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a used id is a clear error naming it and how to find the account", async () => {
    const duplicate = await server.call("create_account", { name: "Acme again", id: "acme-corp-4821" });
    expect(duplicate.isError).toBe(true);
    expect(text(duplicate)).toContain('An account with the id "acme-corp-4821" already exists');
    expect(text(duplicate)).toContain("ID already in use");
    expect(text(duplicate)).toContain("list_accounts");
  });

  it("another 400 from Cyclr says what it refused", async () => {
    sandbox.failRoute({ method: "POST", path: "/v1.0/accounts", status: 400, body: JSON.stringify({ Message: "Timezone 'Mars/Olympus' is not valid" }) });
    const refused = await server.call("create_account", { name: "Martians", timezone: "Mars/Olympus" });
    expect(text(refused)).toMatch(/Cyclr refused to create the account \(400\)\. Cyclr says: "Timezone 'Mars\/Olympus' is not valid"/);
  });
});

describe("what needs attention", () => {
  it("only the connectors not ready, why, most urgent first, and a summary", async () => {
    const result = structured(await server.call("list_account_connectors", { accountId: "initech-0042", attention: true }));
    // Initech's integration from Pipedrive to Xero uses both: each stops it.
    expect(result.summary).toBe("2 of 3 connectors need attention: Xero is not authenticated: 1 integration stopped; Pipedrive lacks CompanyDomain and is not authenticated: 1 integration stopped.");
    expect(result.accountConnectors.map((ac: { name: string; why: string }) => [ac.name, ac.why])).toEqual([
      ["Xero", "is not authenticated"],
      ["Pipedrive", "lacks CompanyDomain and is not authenticated"],
    ]);
    expect(result.accountConnectors[0].setup.nextStep.tool).toBe("create_oauth_link");
    expect(result.nextStep).toEqual(result.accountConnectors[0].setup.nextStep);
    expect(result.ready.map((r: { name: string }) => r.name)).toEqual(["Slack"]);
  });

  it("the account resource has every connector's setup state and the summary; accountId completes from list_accounts", async () => {
    const read = await server.client.readResource({ uri: "cyclr://accounts/initech-0042" });
    const body = JSON.parse(String((read.contents[0] as { text: string }).text));
    expect(body.account).toMatchObject({ accountId: "initech-0042", name: "Initech" });
    expect(body.accountConnectors).toHaveLength(3);
    expect(body.summary).toMatch(/^2 of 3 connectors need attention: Xero is not authenticated: 1 integration stopped/);
    const completed = await server.client.complete({ ref: { type: "ref/resource", uri: "cyclr://accounts/{accountId}" }, argument: { name: "accountId", value: "initek" } });
    expect(completed.completion.values).toContain("initech-0042");
    const byPrefix = await server.client.complete({ ref: { type: "ref/resource", uri: "cyclr://accounts/{accountId}" }, argument: { name: "accountId", value: "acme-c" } });
    expect(byPrefix.completion.values).toEqual(["acme-corp-4821"]);
    await expect(server.client.readResource({ uri: "cyclr://accounts/no-such-account" })).rejects.toThrow(/Account no-such-account was not found.*list_accounts/);
  });
});

describe("reconnect_connector and remove_account_connector", () => {
  it("without a form, they need confirm: true, and change nothing until then", async () => {
    for (const tool of ["reconnect_connector", "remove_account_connector"]) {
      const refused = await server.call(tool, { accountId: "initech-0042", accountConnectorId: 700_005 });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(new RegExp(`call ${tool} again with confirm: true\\. Nothing was changed\\.`));
    }
    expect(stored("initech-0042", 700_005)?.Authenticated).toBe(true);
  });

  it("reconnect signs the connector out and leads to a new sign-in link", async () => {
    const result = structured(await server.call("reconnect_connector", { accountId: "initech-0042", accountConnectorId: 700_005, confirm: true }));
    expect(result).toMatchObject({ outcome: "deauthenticated", name: "Slack", setup: { state: "needs_authentication", nextStep: { tool: "create_oauth_link" } } });
    expect(stored("initech-0042", 700_005)).toMatchObject({ AuthValue: null, Authenticated: false });
    expect(sandbox.requests.some((r) => r.method === "PUT" && r.path === "/v1.0/account/connectors/700005/deauthenticate" && JSON.stringify(r.json) === "{}")).toBe(true);
  });

  it("refuses to reconnect a connector with nothing to renew", async () => {
    const webhook = structured(await server.call("install_connector", { connectorId: (structured(await server.call("list_connectors", { query: "generic webhook" }))).connectors[0].id }));
    const refused = await server.call("reconnect_connector", { accountConnectorId: webhook.accountConnectorId, confirm: true });
    expect(text(refused)).toMatch(/needs no authentication, so there is nothing to reconnect/);
  });

  it("remove says what was removed, and it is gone", async () => {
    const result = structured(await server.call("remove_account_connector", { accountId: "initech-0042", accountConnectorId: 700_003, confirm: true }));
    expect(result).toMatchObject({ outcome: "removed", name: "Pipedrive", connector: { name: "Pipedrive" }, accountId: "initech-0042" });
    expect(result.nextStep.instruction).toContain("install_connector");
    expect(stored("initech-0042", 700_003)).toBeUndefined();
  });

  it("bad ids name the id and how to find the right one; Cyclr's 404 on the write too", async () => {
    for (const tool of ["reconnect_connector", "remove_account_connector"]) {
      const unknown = await server.call(tool, { accountId: "initech-0042", accountConnectorId: 987_654, confirm: true });
      expect(text(unknown)).toMatch(/Account connector 987654 was not found in account initech-0042.*list_account_connectors/);
    }
    // Another account's connector is not found in this one.
    const elsewhere = await server.call("remove_account_connector", { accountConnectorId: 700_001, confirm: true });
    expect(text(elsewhere)).toMatch(/Account connector 700001 was not found in account acme-sandbox/);
    expect(stored("acme-corp-4821", 700_001)).toBeTruthy();
    sandbox.failRoute({ method: "DELETE", path: "/v1.0/account/connectors/700004", status: 404, body: JSON.stringify({ Message: "Account connector '700004' not found." }) });
    const gone = await server.call("remove_account_connector", { accountId: "initech-0042", accountConnectorId: 700_004, confirm: true });
    expect(text(gone)).toMatch(/Account connector 700004 was not found in account initech-0042/);
  });

  it("where the client shows forms the person confirms there, whatever the assistant passed", async () => {
    let answer: "yes" | "no" | "decline" = "no";
    const asked: string[] = [];
    const withForms = await spawnServer({
      env: sandboxEnv(sandbox),
      capabilities: { elicitation: { form: {} } },
      prepare: (client) =>
        client.setRequestHandler(ElicitRequestSchema, async (request) => {
          asked.push(request.params.message);
          return answer === "decline" ? { action: "decline" } : { action: "accept", content: { decision: answer } };
        }),
    });
    others.push(withForms);
    const no = structured(await withForms.call("reconnect_connector", { accountId: "acme-corp-4821", accountConnectorId: 700_002, confirm: true }));
    expect(no.outcome).toBe("cancelled");
    expect(stored("acme-corp-4821", 700_002)?.Authenticated).toBe(true);
    answer = "decline";
    expect(structured(await withForms.call("remove_account_connector", { accountId: "acme-corp-4821", accountConnectorId: 700_002 })).outcome).toBe("cancelled");
    answer = "yes";
    expect(structured(await withForms.call("reconnect_connector", { accountId: "acme-corp-4821", accountConnectorId: 700_002 })).outcome).toBe("deauthenticated");
    expect(asked[0]).toMatch(/Reconnect Slack in account acme-corp-4821\? It is signed out at once/);
    expect(asked[1]).toMatch(/Remove Slack \(account connector 700002, connector Slack\) from account acme-corp-4821\?/);
  });
});

describe("--read-only", () => {
  it("hides the tools that change something, and keeps the ones that look", async () => {
    const readOnly = await spawnServer({ env: sandboxEnv(sandbox), args: ["--read-only"] });
    others.push(readOnly);
    const names = (await readOnly.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["list_accounts", "list_account_connectors"]));
    for (const writer of ["create_account", "reconnect_connector", "remove_account_connector"]) expect(names).not.toContain(writer);
    // A tool not offered does not exist for this client: the protocol's -32602 (unknown tool).
    await expect(readOnly.call("create_account", { name: "Nope" })).rejects.toMatchObject({ code: -32602 });
  });
});
