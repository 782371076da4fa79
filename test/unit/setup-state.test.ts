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

  it("authentication fields and client credentials are ready once their properties are set", () => {
    for (const auth of [{ AuthType: "AuthFields" }, { AuthType: "OAuth2", OAuth2Type: "ClientCredentials" }]) {
      const before = computeSetupState(installed(auth), definition(auth, [password]), "acct");
      expect(before.state).toBe("needs_properties");
      const after = computeSetupState(installed(auth, { Properties: [{ Name: "Password", Value: "y" }] }), definition(auth, [password]), "acct");
      expect(after.state).toBe("ready");
      expect(after.nextStep).not.toHaveProperty("tool");
    }
  });

  it("an unknown method points to the Cyclr console", () => {
    const auth = { AuthType: "Kerberos" };
    const setup = computeSetupState(installed(auth), definition(auth), "acct");
    expect(setup).toMatchObject({ state: "needs_authentication", nextStep: { instruction: expect.stringContaining("Cyclr console") } });
    expect(setup.nextStep).not.toHaveProperty("tool");
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
