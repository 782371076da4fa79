import { describe, expect, it } from "vitest";
import { AccountConnectorSchema, ConnectorSchema } from "../../src/cyclr/schemas.js";
import { computeSetupState } from "../../src/setup/setup-state.js";

const salesforce = ConnectorSchema.parse({
  Id: 7,
  Name: "Salesforce",
  AuthType: "OAuth2",
  OAuth2Type: "AuthorisationCode",
  Categories: ["CRMs"],
  Icon: "data:image/png;base64,AAAA",
  Parameters: [
    { IsAccountConnectorProperty: true, TargetName: "isSandbox", Name: "Is Sandbox?", IsOptional: false, IsSensitive: false, Values: ["true", "false"] },
    { IsAccountConnectorProperty: true, TargetName: "Region", IsOptional: true },
    { IsAccountConnectorProperty: false, TargetName: "EndpointUrl", IsOptional: false },
  ],
});

function accountConnector(overrides: Record<string, unknown> = {}) {
  return AccountConnectorSchema.parse({
    Id: 900,
    Name: "Salesforce",
    AuthValue: null,
    Authenticated: false,
    Connector: { Id: 7, Name: "Salesforce", AuthType: "OAuth2", OAuth2Type: "AuthorisationCode" },
    Properties: [],
    ...overrides,
  });
}

describe("computeSetupState", () => {
  it("asks for required account connector properties first, with allowed values", () => {
    const setup = computeSetupState(accountConnector(), salesforce, "acct");
    expect(setup.state).toBe("needs_properties");
    expect(setup.missingProperties).toEqual([
      { name: "isSandbox", label: "Is Sandbox?", required: true, sensitive: false, allowedValues: ["true", "false"] },
    ]);
    expect(setup.nextStep.tool).toBe("set_connector_properties");
    expect(setup.nextStep.arguments).toMatchObject({ accountConnectorId: 900, accountId: "acct" });
  });

  it("then asks for the OAuth link", () => {
    const setup = computeSetupState(accountConnector({ Properties: [{ Name: "isSandbox", Value: "false", Id: 1 }] }), salesforce, "acct");
    expect(setup.state).toBe("needs_authentication");
    expect(setup.authentication).toEqual({ method: "oauthLink", authType: "OAuth2", oauth2Type: "AuthorisationCode", authenticated: false });
    expect(setup.nextStep.tool).toBe("create_oauth_link");
  });

  it("is ready when authenticated with every required property set", () => {
    const setup = computeSetupState(
      accountConnector({ Authenticated: true, AuthValue: "{\"AccessToken\":\"x\"}", Properties: [{ Name: "isSandbox", Value: "true" }] }),
      salesforce,
      "acct",
    );
    expect(setup.state).toBe("ready");
    expect(setup.nextStep.tool).toBeNull();
  });

  it("keeps no AuthValue or property value from Cyclr's answer", () => {
    const parsed = accountConnector({ AuthValue: "plain-key", Properties: [{ Name: "Password", Value: "hunter22" }] });
    expect(JSON.stringify(parsed)).not.toContain("plain-key");
    expect(JSON.stringify(parsed)).not.toContain("hunter22");
    expect(parsed.HasAuthValue).toBe(true);
  });

  it("treats None and client credentials as needing no person", () => {
    const none = ConnectorSchema.parse({ Id: 1, Name: "Webhook", AuthType: "None", Parameters: [] });
    const ac = AccountConnectorSchema.parse({ Id: 2, Authenticated: false, Connector: { Id: 1, Name: "Webhook", AuthType: "None" } });
    expect(computeSetupState(ac, none, "a").state).toBe("ready");
  });
});
