import { describe, expect, it } from "vitest";
import { AccountConnectorSchema, AccountSchema, ConnectorSchema } from "../../src/cyclr/schemas.js";
import { attentionSummary, needingAttention, reconnectStep } from "../../src/setup/attention.js";
import { searchAccounts } from "../../src/setup/search.js";
import { computeSetupState } from "../../src/setup/setup-state.js";

const hubspot = ConnectorSchema.parse({
  Id: 2,
  Name: "HubSpot",
  AuthType: "OAuth2",
  OAuth2Type: "AuthorisationCode",
  Parameters: [{ IsAccountConnectorProperty: true, TargetName: "PortalId", IsOptional: false }],
});
const salesforce = ConnectorSchema.parse({ Id: 3, Name: "Salesforce", AuthType: "OAuth2", OAuth2Type: "AuthorisationCode", Parameters: [] });
const webhook = ConnectorSchema.parse({ Id: 4, Name: "Webhook", AuthType: "None", Parameters: [] });

function installed(id: number, connector: typeof hubspot, fields: Record<string, unknown> = {}) {
  const record = AccountConnectorSchema.parse({ Id: id, Name: connector.Name, Authenticated: false, Connector: { Id: connector.Id, Name: connector.Name, AuthType: connector.AuthType, OAuth2Type: connector.OAuth2Type }, Properties: [], ...fields });
  return { accountConnectorId: id, name: connector.Name, setup: computeSetupState(record, connector, "acme") };
}

describe("what needs attention", () => {
  const all = [
    installed(1, hubspot, { Authenticated: true }),
    installed(2, webhook),
    installed(3, salesforce),
    installed(4, salesforce, { Authenticated: true, Name: "Salesforce EU" }),
  ];

  it("keeps the connectors that are not ready, not authenticated first, each with why", () => {
    const needing = needingAttention(all);
    expect(needing.map((c) => [c.accountConnectorId, c.why])).toEqual([
      [3, "is not authenticated"],
      [1, "lacks PortalId"],
    ]);
  });

  it("says it in one line for the whole account", () => {
    expect(attentionSummary(all.length, needingAttention(all))).toBe("2 of 4 connectors need attention: Salesforce is not authenticated; HubSpot lacks PortalId.");
    expect(attentionSummary(1, [])).toBe("All 1 connector is set up, as far as Cyclr can tell.");
    expect(attentionSummary(0, [])).toBe("Nothing is installed in this account.");
  });

  it("both missing properties and authentication are said", () => {
    const [only] = needingAttention([installed(5, hubspot)]);
    expect(only?.why).toBe("lacks PortalId and is not authenticated");
  });

  it("when everything looks set up, the next step is to reconnect the one that stopped, asking the person", () => {
    const one = reconnectStep("acme", [{ accountConnectorId: 4, name: "Salesforce" }]);
    expect(one).toMatchObject({ tool: "reconnect_connector", arguments: { accountId: "acme", accountConnectorId: 4, confirm: "<true once the person agrees>" } });
    const several = reconnectStep("acme", [{ accountConnectorId: 4, name: "Salesforce" }, { accountConnectorId: 2, name: "Webhook" }]);
    expect(several.arguments.accountConnectorId).toMatch(/^<.*>$/);
  });
});

describe("searching accounts", () => {
  const accounts = [
    { Id: "acme-corp-4821", Name: "Acme Corporation" },
    { Id: "acme-widgets-17", Name: "Acme Widgets Ltd" },
    { Id: "sg-paris-33", Name: "Société Générale Paris" },
    { Id: "initech-0042", Name: "Initech" },
  ].map((a) => AccountSchema.parse(a));

  it("finds what people type: case, accents, typos, the id", () => {
    expect(searchAccounts(accounts, "ACME corportion")[0]?.account.Id).toBe("acme-corp-4821");
    expect(searchAccounts(accounts, "societe generale")[0]?.account.Id).toBe("sg-paris-33");
    expect(searchAccounts(accounts, "initek")[0]).toMatchObject({ account: { Id: "initech-0042" }, match: "fuzzy" });
    expect(searchAccounts(accounts, "acme-widgets-17")[0]).toMatchObject({ account: { Id: "acme-widgets-17" }, match: "exact" });
    expect(searchAccounts(accounts, "acme").map((hit) => hit.account.Id)).toEqual(["acme-corp-4821", "acme-widgets-17"]);
    expect(searchAccounts(accounts, "globex")).toEqual([]);
  });
});
