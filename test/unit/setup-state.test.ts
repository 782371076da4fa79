import { describe, expect, it } from "vitest";
import { AccountConnectorSchema, ConnectorSchema } from "../../src/cyclr/schemas.js";
import { computeSetupState, methodInForce, possibleMethods, waitingStep } from "../../src/setup/setup-state.js";

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
    expect(setup.nextStep.tool).toBeUndefined();
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

describe("computeSetupState, for each way of authenticating", () => {
  const definition = (auth: Record<string, unknown>, parameters: unknown[] = []) =>
    ConnectorSchema.parse({ Id: 5, Name: "App", ...auth, Parameters: parameters });
  const installed = (auth: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
    AccountConnectorSchema.parse({ Id: 40, Authenticated: false, Connector: { Id: 5, Name: "App", ...auth }, Properties: [], ...overrides });
  const password = { IsAccountConnectorProperty: true, TargetName: "Password", IsOptional: false, IsSensitive: true };
  const domain = { IsAccountConnectorProperty: true, TargetName: "Domain", IsOptional: false, Description: "Your domain." };

  it("API key: a credential link, so the key never passes through the chat", () => {
    const auth = { AuthType: "ApiKey" };
    const setup = computeSetupState(installed(auth), definition(auth), "acct");
    expect(setup).toMatchObject({ state: "needs_authentication", authentication: { method: "apiKey" } });
    expect(setup.nextStep).toMatchObject({ tool: "create_credential_link", arguments: { accountConnectorId: 40, accountId: "acct" } });
    expect(setup.nextStep.instruction).toMatch(/API key.*never passes through the chat.*authenticate_connector/);
  });

  it("HTTP Basic: a credential link for the username and password", () => {
    const auth = { AuthType: "Basic" };
    const setup = computeSetupState(installed(auth), definition(auth), "acct");
    expect(setup.nextStep).toMatchObject({ tool: "create_credential_link", arguments: { accountConnectorId: 40, accountId: "acct" } });
    expect(setup.nextStep.instruction).toContain("username and password");
  });

  it("OAuth2 password credentials: properties first (the password flagged secret), then the OAuth link", () => {
    const auth = { AuthType: "OAuth2", OAuth2Type: "PasswordCredentials" };
    const first = computeSetupState(installed(auth), definition(auth, [domain, password]), "acct");
    expect(first.state).toBe("needs_properties");
    expect(first.missingProperties.map((p) => [p.name, p.sensitive])).toEqual([["Domain", false], ["Password", true]]);
    // Plain ones in the chat first; the secret one after, on a credential page.
    expect(first.nextStep).toMatchObject({ tool: "set_connector_properties", arguments: { properties: [{ name: "Domain", value: "<Domain>" }] } });
    expect(first.nextStep.instruction).toMatch(/secret ones \(Password\) come after, through a credential link/);
    const secretsLeft = computeSetupState(installed(auth, { Properties: [{ Name: "Domain", Value: "x" }] }), definition(auth, [domain, password]), "acct");
    expect(secretsLeft).toMatchObject({ state: "needs_properties", nextStep: { tool: "create_credential_link" } });
    expect(secretsLeft.nextStep.instruction).toMatch(/Password \[secret: do not repeat it back\]/);
    const then = computeSetupState(
      installed(auth, { Properties: [{ Name: "Domain", Value: "x" }, { Name: "Password", Value: "y" }] }),
      definition(auth, [domain, password]),
      "acct",
    );
    expect(then).toMatchObject({ state: "needs_authentication", authentication: { method: "oauthLink", oauth2Type: "PasswordCredentials" } });
    expect(then.nextStep.tool).toBe("create_oauth_link");
    expect(then.nextStep.instruction).toContain("straight back");
  });

  it("OAuth1 uses the same link", () => {
    const auth = { AuthType: "OAuth1" };
    expect(computeSetupState(installed(auth), definition(auth), "acct").nextStep.tool).toBe("create_oauth_link");
  });

  it("authentication fields are ready once their properties are set", () => {
    const auth = { AuthType: "AuthFields" };
    expect(computeSetupState(installed(auth), definition(auth, [password]), "acct").state).toBe("needs_properties");
    const after = computeSetupState(installed(auth, { Properties: [{ Name: "Password", Value: "y" }] }), definition(auth, [password]), "acct");
    expect(after.state).toBe("ready");
    expect(after.nextStep).not.toHaveProperty("tool");
  });

  describe("client credentials: ready only when Cyclr says Authenticated or ClientId and ClientSecret are set", () => {
    const auth = { AuthType: "OAuth2", OAuth2Type: "ClientCredentials" };
    const clientId = { IsAccountConnectorProperty: true, TargetName: "ClientId", Name: "Client ID", IsOptional: false };
    const clientSecret = { IsAccountConnectorProperty: true, TargetName: "ClientSecret", Name: "Client Secret", IsOptional: false, IsSensitive: true };

    it("asks for ClientId and ClientSecret even when the connector does not declare them (the secret through a credential link)", () => {
      const setup = computeSetupState(installed(auth), definition(auth), "acct");
      expect(setup.state).toBe("needs_properties");
      expect(setup.missingProperties.map((p) => [p.name, p.sensitive])).toEqual([["ClientId", false], ["ClientSecret", true]]);
      expect(setup.nextStep).toMatchObject({ tool: "set_connector_properties", arguments: { properties: [{ name: "ClientId" }] } });
      expect(setup.nextStep.instruction).toMatch(/secret ones \(ClientSecret\) come after, through a credential link/);
      const idSet = computeSetupState(installed(auth, { Properties: [{ Name: "ClientId", Value: "abc" }] }), definition(auth), "acct");
      expect(idSet).toMatchObject({ state: "needs_properties", nextStep: { tool: "create_credential_link" } });
      const both = computeSetupState(installed(auth, { Properties: [{ Name: "ClientId", Value: "abc" }, { Name: "ClientSecret", Value: "s" }] }), definition(auth), "acct");
      expect(both).toMatchObject({ state: "ready", missingProperties: [] });
    });

    it("is ready when Cyclr says Authenticated (app credentials set partner-wide), without asking for them", () => {
      const setup = computeSetupState(installed(auth, { Authenticated: true }), definition(auth), "acct");
      expect(setup).toMatchObject({ state: "ready", missingProperties: [] });
    });

    it("does not ask twice for ones the connector declares", () => {
      const setup = computeSetupState(installed(auth), definition(auth, [clientId, clientSecret, password]), "acct");
      expect(setup.missingProperties.map((p) => p.name)).toEqual(["ClientId", "ClientSecret", "Password"]);
    });
  });

  it.each(["Kerberos", "NetSuiteOAuth1", "ClientCertificate"])("%s is finished in the Cyclr console, named by its steps there", (authType) => {
    const auth = { AuthType: authType };
    const setup = computeSetupState(installed(auth), definition(auth), "acct");
    expect(setup).toMatchObject({ state: "needs_authentication", authentication: { method: "console", authType }, nextStep: {} });
    expect(setup.nextStep).not.toHaveProperty("tool");
    expect(setup.nextStep.instruction).toMatch(/Cyclr console: Accounts > Account Management.*Connectors > Edit Connector.*Generate Setup Token/);
  });

  it("an unknown method points to the Cyclr console", () => {
    const auth = { AuthType: "SomethingNew" };
    const setup = computeSetupState(installed(auth), definition(auth), "acct");
    expect(setup).toMatchObject({ state: "needs_authentication", authentication: { method: "unknown" }, nextStep: { instruction: expect.stringContaining("Cyclr console") } });
    expect(setup.nextStep).not.toHaveProperty("tool");
  });
});

describe("the method in force on a connector with several methods", () => {
  const oauth = { Id: "g-oauth", AuthName: "OAuth 2.0", AuthType: "OAuth2", OAuth2Type: "AuthorisationCode" };
  const key = { Id: "g-key", AuthName: "Private App Token", AuthType: "ApiKey", OAuth2Type: "AuthorisationCode" };
  const hubspot = ConnectorSchema.parse({ Id: 9, Name: "HubSpot", AuthType: "OAuth2", OAuth2Type: "AuthorisationCode", Parameters: [], Authentication: [oauth, key] });
  const installed = (overrides: Record<string, unknown>, connector: Record<string, unknown> = { AuthType: "OAuth2", OAuth2Type: "AuthorisationCode" }) =>
    AccountConnectorSchema.parse({ Id: 41, Authenticated: false, Connector: { Id: 9, Name: "HubSpot", ...connector }, ...overrides });

  it("1. an AuthenticationId the account connector reports decides, with no alternatives", () => {
    const ac = installed({ AuthenticationId: "g-key" });
    expect(methodInForce(ac, hubspot)).toMatchObject({ authType: "ApiKey", decidedBy: "authenticationId", alternatives: [] });
    const setup = computeSetupState(ac, hubspot, "a");
    expect(setup.authentication).toEqual({ method: "apiKey", authType: "ApiKey", authenticated: false });
    expect(setup.nextStep.tool).toBe("create_credential_link");
  });

  it("2. else the top-level AuthType when it is one of the methods, the others kept as possible (the field may be the default)", () => {
    const ac = installed({});
    expect(methodInForce(ac, hubspot)).toMatchObject({ authType: "OAuth2", decidedBy: "authType" });
    const setup = computeSetupState(ac, hubspot, "a");
    expect(setup.authentication).toMatchObject({ method: "oauthLink", alternatives: [{ method: "apiKey", authenticationId: "g-key", name: "Private App Token" }] });
    expect(setup.nextStep.tool).toBe("create_oauth_link");
    expect(setup.nextStep.instruction).toMatch(/does not say which one was chosen at install.*Private App Token \(ApiKey\): create_credential_link/);
    expect(possibleMethods(ac, hubspot).sort()).toEqual(["apiKey", "oauthLink"]);
  });

  it("3. else the only method", () => {
    const single = ConnectorSchema.parse({ Id: 9, Name: "HubSpot", Parameters: [], Authentication: [key] });
    expect(methodInForce(installed({}, {}), single)).toMatchObject({ authType: "ApiKey", decidedBy: "onlyMethod", alternatives: [] });
  });

  it("4. several possible and nothing says: a state that says so and lets the person choose", () => {
    const ac = installed({}, { AuthType: "Unknown" });
    const setup = computeSetupState(ac, hubspot, "a");
    expect(setup.state).toBe("needs_authentication");
    expect(setup.authentication.method).toBe("unknown");
    expect(setup.authentication.alternatives?.map((a) => a.method)).toEqual(["oauthLink", "apiKey"]);
    expect(setup.nextStep.instruction).toMatch(/Ask the person which one they chose/);
  });

  it("says nothing of alternatives once Cyclr says Authenticated", () => {
    expect(computeSetupState(installed({ Authenticated: true }), hubspot, "a").authentication.alternatives).toBeUndefined();
  });
});

describe("nextStep", () => {
  it("only ever names a tool the server has", async () => {
    const { TOOLS } = await import("../../src/mcp/tools/index.js");
    const names = new Set<string>(TOOLS.map((t) => t.name));
    const named = new Set<string>();
    for (const auth of [
      { AuthType: "ApiKey" },
      { AuthType: "Basic" },
      { AuthType: "OAuth1" },
      { AuthType: "OAuth2", OAuth2Type: "AuthorisationCode" },
      { AuthType: "OAuth2", OAuth2Type: "PasswordCredentials" },
      { AuthType: "OAuth2", OAuth2Type: "ClientCredentials" },
      { AuthType: "AuthFields" },
      { AuthType: "None" },
    ]) {
      for (const properties of [[], [{ Name: "isSandbox", Value: "true" }]]) {
        const ac = AccountConnectorSchema.parse({ Id: 1, Authenticated: false, Connector: { Id: 7, Name: "S", ...auth }, Properties: properties });
        const tool = computeSetupState(ac, { ...salesforce, ...auth }, "a").nextStep.tool;
        if (tool) named.add(tool);
      }
    }
    expect([...named].sort()).toEqual(["create_credential_link", "create_oauth_link", "set_connector_properties"]);
    for (const tool of named) expect(names).toContain(tool);
  });
});

describe("a connector set up for a cycle", () => {
  it("carries the cycle through each step, waits with get_cycle, and leads back to the cycle once ready", () => {
    const first = computeSetupState(accountConnector(), salesforce, "acct", "c-9");
    expect(first.nextStep).toMatchObject({ tool: "set_connector_properties", arguments: { accountConnectorId: 900, accountId: "acct", cycleId: "c-9" } });
    const withProperty = accountConnector({ Properties: [{ Id: 1, Name: "isSandbox", Value: "false" }] });
    expect(computeSetupState(withProperty, salesforce, "acct", "c-9").nextStep).toMatchObject({ tool: "create_oauth_link", arguments: { cycleId: "c-9" } });
    expect(waitingStep({ accountConnectorId: 900, accountId: "acct", cycleId: "c-9" }, "create_oauth_link", "They sign in.")).toMatchObject({
      tool: "get_cycle",
      arguments: { cycleId: "c-9", accountId: "acct", waitForActivation: 45 },
    });
    const ready = computeSetupState({ ...withProperty, Authenticated: true }, salesforce, "acct", "c-9");
    expect(ready).toMatchObject({ state: "ready", nextStep: { tool: "get_cycle", arguments: { cycleId: "c-9", accountId: "acct" } } });
    // Without a cycle, nothing changes: ready ends there, and the wait is get_account_connector's.
    expect(computeSetupState({ ...withProperty, Authenticated: true }, salesforce, "acct").nextStep.tool).toBeUndefined();
    expect(waitingStep({ accountConnectorId: 900, accountId: "acct" }, "create_oauth_link", "They sign in.").tool).toBe("get_account_connector");
  });
});
