/**
 * The guided setup, as an assistant that follows the server: from a misspelled name to a ready
 * connector, choosing every call only from the previous result's nextStep. The test plays the
 * person: it answers the placeholders and approves the sign-in page when given a link.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink } from "../../src/sandbox/consent-driver.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, sandboxEnv, spawnServer, structured, type ServerUnderTest } from "../helpers.js";
import { answer, walk, type Person } from "../walk.js";

let sandbox: Sandbox;
let server: ServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

/** Runs the setup the way the server steers it; returns the calls made and the last result. */
async function followTheServer(typed: string, person: Person) {
  const found = structured(await server.call("list_connectors", { query: typed }));
  let next = found.nextStep;
  const calls: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- results are read freely
  let last: any = found;
  for (let i = 0; i < 10 && next.tool; i++) {
    calls.push(next.tool);
    last = structured(await server.call(next.tool, answer(next.arguments, person)));
    // The person opens the link they were given and approves access, or types their secrets on the page.
    if (next.tool === "create_oauth_link") await approveOAuthLink(last.url, "approve");
    if (next.tool === "create_credential_link") {
      const typed: Record<string, string> = {};
      for (const key of ["apiKey", "username", "password"] as const) if (person[key] !== undefined) typed[key] = person[key];
      for (const [name, value] of Object.entries(person.properties ?? {})) typed[`property:${name}`] = value;
      const submitted = await fillCredentialPage(last.url, typed);
      expect(submitted.status).toBe(200);
      expect(submitted.html).toContain("is connected");
    }
    next = last.setup.nextStep;
  }
  return { connector: found.connectors[0], calls, last };
}

describe("from a misspelled name to a ready connector, following nextStep", () => {
  const cases: { authType: string; typed: string; name: string; person: Person; calls: string[]; stored?: (record: StoredRecord) => void }[] = [
    {
      authType: "ApiKey",
      typed: "pipedrvie",
      name: "Pipedrive",
      person: { apiKey: "pd-key-0001", properties: { CompanyDomain: "acme" } },
      calls: ["install_connector", "set_connector_properties", "create_credential_link", "get_account_connector"],
      stored: (r) => expect(r.AuthValue).toBe("pd-key-0001"),
    },
    {
      authType: "Basic",
      typed: "zendsk",
      name: "Zendesk",
      person: { username: "ana@acme.test", password: "zd-pass-0001", properties: { Subdomain: "acme" } },
      calls: ["install_connector", "set_connector_properties", "create_credential_link", "get_account_connector"],
      stored: (r) => expect(r.AuthValue).toBe(Buffer.from("ana@acme.test:zd-pass-0001").toString("base64")),
    },
    {
      authType: "OAuth2 AuthorisationCode",
      typed: "sales force",
      name: "Salesforce",
      person: { properties: { isSandbox: "false" } },
      calls: ["install_connector", "set_connector_properties", "create_oauth_link", "get_account_connector"],
    },
    {
      authType: "OAuth2 PasswordCredentials",
      typed: "sugr crm",
      name: "SugarCRM",
      person: { properties: { Domain: "acme.sugarcrm.eu", Username: "ana", Password: "sugar-pass-0001" } },
      calls: [
        "install_connector",
        "set_connector_properties",
        "create_credential_link",
        "get_account_connector",
        "create_oauth_link",
        "get_account_connector",
      ],
    },
    {
      authType: "OAuth1",
      typed: "trelo",
      name: "Trello",
      person: {},
      calls: ["install_connector", "create_oauth_link", "get_account_connector"],
    },
    {
      authType: "AuthFields",
      typed: "societe generle",
      name: "Société Générale Pay",
      person: { properties: { MerchantId: "M-42", ApiSecret: "sg-secret-0001" } },
      calls: ["install_connector", "set_connector_properties", "create_credential_link", "get_account_connector"],
    },
    {
      authType: "None",
      typed: "generic webhok",
      name: "Generic Webhook",
      person: {},
      calls: ["install_connector"],
    },
  ];

  for (const c of cases) {
    it(`${c.authType}: "${c.typed}" becomes a ready ${c.name}`, async () => {
      const { connector, calls, last } = await followTheServer(c.typed, c.person);
      expect(connector.name).toBe(c.name);
      expect(calls).toEqual(c.calls);
      expect(last.setup?.state ?? "ready").toBe("ready");
      expect(last.setup.nextStep.tool).toBeUndefined();

      // Cyclr agrees: the account connector is set up as the person asked.
      const accountConnectorId: number = last.accountConnectorId;
      const check = structured(await server.call("get_account_connector", { accountConnectorId }));
      expect(check.setup.state).toBe("ready");
      const record = sandbox.accountConnector(sandbox.accountId, accountConnectorId) as StoredRecord;
      for (const [name, value] of Object.entries(c.person.properties ?? {})) {
        expect(record.Properties.find((p) => p.Name === name)?.Value).toBe(value);
      }
      c.stored?.(record);
      if (c.authType.startsWith("OAuth")) expect(record.Authenticated).toBe(true);
    });
  }

  it("lists what was installed, each with its setup state", async () => {
    const listed = structured(await server.call("list_account_connectors", { pageSize: 100 }));
    const names = listed.accountConnectors.map((ac: { connector: { name: string } }) => ac.connector.name);
    expect(names).toEqual(expect.arrayContaining(cases.map((c) => c.name)));
    expect(listed.accountConnectors.every((ac: { setup: { state: string } }) => ac.setup.state === "ready")).toBe(true);
    const fresh = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1003 })); // Salesforce again, untouched
    const again = structured(await server.call("list_account_connectors", { pageSize: 100 }));
    const entry = again.accountConnectors.find((ac: { accountConnectorId: number }) => ac.accountConnectorId === fresh.accountConnectorId);
    expect(entry.setup).toMatchObject({ state: "needs_properties", nextStep: { tool: "set_connector_properties" } });
    expect(entry).not.toHaveProperty("propertiesSet");
  });

  it("refuses a credential that does not suit the connector, and says what it needs", async () => {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1007 })); // Xero: OAuth2
    const refused = await server.call("authenticate_connector", { accountConnectorId: installed.accountConnectorId, apiKey: "not-for-xero" });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused)).toContain("create_oauth_link");
    expect(JSON.stringify(refused)).not.toContain("not-for-xero");
  });
});

interface StoredRecord {
  AuthValue: string | null;
  Authenticated: boolean;
  Properties: { Name: string; Value: string }[];
}

const SUPPORT_WALK = ["list_accounts", "list_account_connectors", "reconnect_connector", "create_oauth_link", "get_account_connector"];
const ONBOARDING_WALK = ["create_account", "list_connectors", "install_connector", "set_connector_properties", "create_credential_link", "get_account_connector"];

describe("support and onboarding, following nextStep", () => {
  it('support: "Acme\'s Salesforce stopped" finds the account with a typo, sees nothing flagged, reconnects Salesforce, and it is ready again', async () => {
    const { calls, last } = await walk(
      (tool, args) => server.call(tool, args).then(structured),
      { tool: "list_accounts", arguments: { query: "acme corportion" } },
      { connectorThatStopped: "Salesforce", confirm: true },
    );
    expect(calls).toEqual(SUPPORT_WALK);
    expect(last).toMatchObject({ accountId: "acme-corp-4821", connector: { name: "Salesforce" }, setup: { state: "ready" } });
    const record = sandbox.accountConnector("acme-corp-4821", last.accountConnectorId) as StoredRecord & { AuthValue: string };
    expect(record.Authenticated).toBe(true);
    expect(record.AuthValue).not.toContain("revoked-upstream");
  });

  it("onboarding: a new customer's account, then one connector set up in it", async () => {
    const { calls, last } = await walk(
      (tool, args) => server.call(tool, args).then(structured),
      { tool: "create_account", arguments: { name: "Hooli", id: "hooli-stdio" } },
      { query: "pipedrvie", apiKey: "pd-key-hooli", properties: { CompanyDomain: "hooli" } },
    );
    expect(calls).toEqual(ONBOARDING_WALK);
    expect(last).toMatchObject({ accountId: "hooli-stdio", setup: { state: "ready" } });
    expect((sandbox.accountConnector("hooli-stdio", last.accountConnectorId) as StoredRecord).AuthValue).toBe("pd-key-hooli");
    expect(sandbox.accountConnector(sandbox.accountId, last.accountConnectorId)).toBeUndefined();
  });
});
