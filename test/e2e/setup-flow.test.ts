/**
 * The whole onboarding, as a user drives it: the built server over stdio, the sandbox over loopback
 * HTTP. Checks what the assistant sees and what Cyclr (the sandbox) received.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink } from "../../src/sandbox/consent-driver.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;

async function findConnector(query: string): Promise<{ id: number; name: string; authTypes: string[] }> {
  const found = structured(await server.call("list_connectors", { query }));
  const match = found.connectors.find((c: { name: string }) => c.name.toLowerCase() === query.toLowerCase());
  if (!match) throw new Error(`sandbox has no connector named ${query}`);
  return match;
}

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_OAUTH_TARGET_ORIGINS: "https://app.example.com" }) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

describe("finding connectors", () => {
  it("lists the catalog in compact pages, without icons", async () => {
    const first = await server.call("list_connectors", { pageSize: 5 });
    const page = structured(first);
    expect(page.connectors).toHaveLength(5);
    expect(page.total).toBeGreaterThanOrEqual(40);
    expect(page.hasMore).toBe(true);
    expect(JSON.stringify(first)).not.toContain("data:image");
    for (const entry of page.connectors) {
      expect(Object.keys(entry).sort()).toEqual(expect.arrayContaining(["id", "name", "authTypes", "categories"]));
    }
    const last = structured(await server.call("list_connectors", { pageSize: 5, page: Math.ceil(page.total / 5) }));
    expect(last.hasMore).toBe(false);
  });

  it("searches by name and filters by auth type", async () => {
    const pipedrive = await findConnector("Pipedrive");
    expect(pipedrive.authTypes).toContain("ApiKey");
    const oauth = structured(await server.call("list_connectors", { authType: "OAuth2", pageSize: 100 }));
    expect(oauth.connectors.length).toBeGreaterThan(0);
    expect(oauth.connectors.every((c: { authTypes: string[] }) => c.authTypes.includes("OAuth2"))).toBe(true);
  });

  it("loads the catalog with X-Cyclr-Account and pages until a short page", async () => {
    const catalogCalls = sandbox.requests.filter((r) => r.path === "/v1.0/connectors");
    expect(catalogCalls.length).toBeGreaterThanOrEqual(1);
    for (const call of catalogCalls) {
      expect(call.headers["x-cyclr-account"]).toBe(sandbox.accountId);
      expect(call.headers.authorization).toMatch(/^Bearer .+/);
    }
    // Cached: several list calls above, one catalog load.
    const pages = catalogCalls.map((c) => Number(c.query.page));
    expect(pages).toEqual([...pages.keys()].map((i) => i + 1));
  });
});

describe("an API-key connector", () => {
  const apiKey = "pd-live-7f3a9c2e+secret/key==";

  it("installs with the key, which never comes back", async () => {
    const pipedrive = await findConnector("Pipedrive");
    sandbox.clearRequests();
    const result = await server.call("install_connector", {
      allowDuplicate: true,
      connectorId: pipedrive.id,
      authValue: apiKey,
      properties: [{ name: "CompanyDomain", value: "acme" }],
    });
    const installed = structured(result);
    expect(installed.accountConnectorId).toEqual(expect.any(Number));
    expect(installed.authenticated).toBe(true);
    expect(installed.setup.state).toBe("ready");

    const install = sandbox.requests.find((r) => r.method === "POST" && r.path.endsWith("/install"));
    expect(install?.path).toBe(`/v1.0/connectors/${pipedrive.id}/install`);
    expect(install?.headers["x-cyclr-account"]).toBe(sandbox.accountId);
    expect(install?.json).toMatchObject({ Name: "Pipedrive", AuthValue: apiKey, Properties: [{ Name: "CompanyDomain", Value: "acme" }] });

    // Cyclr echoed the AuthValue; neither the result nor the log may carry it.
    expect(JSON.stringify(result)).not.toContain(apiKey);
    expect(JSON.stringify(result)).not.toContain(encodeURIComponent(apiKey));
    const verified = await server.call("get_account_connector", { accountConnectorId: installed.accountConnectorId });
    expect(structured(verified).setup.state).toBe("ready");
    expect(JSON.stringify(verified)).not.toContain(apiKey);
    expect(server.stderr()).toContain("tool call");
    expect(server.stderr()).not.toContain(apiKey);
    // Nor the partner bearer token or client secret the server used.
    const bearer = (install?.headers.authorization ?? "").replace(/^Bearer /, "");
    expect(bearer.length).toBeGreaterThan(10);
    for (const secret of [bearer, sandbox.clientSecret]) {
      expect(server.stderr()).not.toContain(secret);
      expect(JSON.stringify(result)).not.toContain(secret);
    }
  });

  it("refuses an OAuth link for it", async () => {
    const pipedrive = await findConnector("Pipedrive");
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: pipedrive.id }));
    expect(installed.setup.state).not.toBe("ready");
    const refused = await server.call("create_oauth_link", { accountConnectorId: installed.accountConnectorId, targetOrigin: "https://app.example.com" });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/does not use an OAuth sign-in \(auth type ApiKey\)/);
  });
});

describe("an HTTP Basic connector", () => {
  it("sends base64 of username:password as AuthValue and hides the password", async () => {
    const zendesk = await findConnector("Zendesk");
    sandbox.clearRequests();
    const result = await server.call("install_connector", {
      allowDuplicate: true,
      connectorId: zendesk.id,
      username: "agent@acme.test",
      password: "correct horse battery",
      properties: [{ name: "Subdomain", value: "acme" }],
    });
    const installed = structured(result);
    const install = sandbox.requests.find((r) => r.path.endsWith("/install"));
    expect((install?.json as { AuthValue: string }).AuthValue).toBe(Buffer.from("agent@acme.test:correct horse battery").toString("base64"));
    expect(installed.authenticated).toBe(true);
    expect(JSON.stringify(result)).not.toContain("correct horse battery");
    expect(JSON.stringify(result)).not.toContain(Buffer.from("agent@acme.test:correct horse battery").toString("base64"));
    expect(server.stderr()).not.toContain("correct horse battery");
  });
});

describe("an OAuth connector, from install to ready", () => {
  it("sets properties, creates the link, and is ready after consent", async () => {
    const salesforce = await findConnector("Salesforce");
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: salesforce.id, name: "Salesforce (prod)" }));
    const id = installed.accountConnectorId;
    expect(installed.name).toBe("Salesforce (prod)");
    expect(installed.setup.state).toBe("needs_properties");
    const isSandbox = installed.setup.missingProperties.find((p: { name: string }) => p.name === "isSandbox");
    expect(isSandbox.allowedValues).toEqual(["true", "false"]);
    expect(installed.setup.nextStep.tool).toBe("set_connector_properties");

    sandbox.clearRequests();
    const set = structured(await server.call("set_connector_properties", { accountConnectorId: id, properties: [{ name: "isSandbox", value: "false" }] }));
    expect(set.results).toEqual([{ name: "isSandbox", outcome: "set" }]);
    expect(set.setup.state).toBe("needs_authentication");
    expect(set.setup.nextStep.tool).toBe("create_oauth_link");
    const posts = sandbox.requests.filter((r) => r.method === "POST" && r.path === `/v1.0/account/connectors/${id}/properties`);
    expect(posts.map((p) => p.json)).toEqual([{ Name: "isSandbox", Value: "false" }]);

    sandbox.clearRequests();
    const link = structured(
      await server.call("create_oauth_link", { accountConnectorId: id, targetOrigin: "https://app.example.com/connected?from=cyclr" }),
    );
    expect(link.singleUse).toBe(true);
    expect(link.validForMinutes).toBe(5);
    expect(Date.parse(link.expiresAtUtc)).toBeGreaterThan(Date.now());
    const signIn = sandbox.requests.find((r) => r.path === `/v1.0/accounts/${sandbox.accountId}/signintoken`);
    expect(signIn?.method).toBe("POST");
    expect(signIn?.json).toEqual({ Username: "cyclr-mcp" });

    const url = new URL(link.url);
    expect(url.origin + url.pathname).toBe(`${sandbox.serviceDomainUrl}/connectorauth/updateaccountconnectoroauth`);
    expect(url.searchParams.get("id")).toBe(String(id));
    expect(url.searchParams.get("targetOrigin")).toBe("https://app.example.com/connected?from=cyclr");
    // Tokens carry + / =: they must arrive percent-encoded.
    expect(link.url).not.toMatch(/token=[^&]*[+/=]/);
    expect(server.stderr()).not.toContain(url.searchParams.get("token") as string);

    const before = structured(await server.call("get_account_connector", { accountConnectorId: id }));
    expect(before.setup.state).toBe("needs_authentication");

    const consent = await approveOAuthLink(link.url, "approve");
    expect(consent.status).toBe(302);
    expect(consent.location).toBe("https://app.example.com/connected?from=cyclr");

    const after = structured(await server.call("get_account_connector", { accountConnectorId: id }));
    expect(after.authenticated).toBe(true);
    expect(after.setup.state).toBe("ready");
    expect(after.propertiesSet).toContain("isSandbox");

    // Single use: the same link no longer works.
    expect((await approveOAuthLink(link.url, "approve")).status).toBe(403);
  });
});

describe("get_account_connector says each thing once", () => {
  it("leaves out what it would repeat (the name, empty lists, defaults), keeps the setup state and its next step", async () => {
    // Another account, where Salesforce is not installed yet: installed under the connector's own name.
    const accountId = sandbox.otherAccountId;
    const installed = structured(await server.call("install_connector", { connectorId: 1003, accountId }));
    expect(installed.name).toBe("Salesforce");
    const result = await server.call("get_account_connector", { accountConnectorId: installed.accountConnectorId, accountId });
    expect(structured(result)).toEqual({
      accountId,
      accountConnectorId: installed.accountConnectorId,
      connector: { id: 1003, name: "Salesforce" },
      authenticated: false,
      setup: {
        state: "needs_properties",
        authentication: { method: "oauthLink", authType: "OAuth2" },
        missingProperties: [{ name: "isSandbox", label: "Is Sandbox?", description: "Connect to a Salesforce sandbox org rather than production.", allowedValues: ["true", "false"] }],
        nextStep: installed.setup.nextStep,
      },
    });
    expect(text(result)).toBe(`Salesforce (account connector ${installed.accountConnectorId}): not authenticated (OAuth2). Setup state: needs_properties. Next: set_connector_properties. ${installed.setup.nextStep.instruction}`);
    // A name of its own is kept.
    const named = structured(await server.call("install_connector", { connectorId: 1003, accountId, name: "Salesforce EU", allowDuplicate: true }));
    expect(structured(await server.call("get_account_connector", { accountConnectorId: named.accountConnectorId, accountId })).name).toBe("Salesforce EU");
  });
});

describe("a connector with several authentication methods", () => {
  async function hubspotMethods(): Promise<{ authenticationId: string; authType: string }[]> {
    const hubspot = await findConnector("HubSpot");
    const detail = await server.client.readResource({ uri: `cyclr://connectors/${hubspot.id}` });
    return JSON.parse((detail.contents[0] as { text: string }).text).authentication;
  }

  it("picks the method that fits the credentials given, and sends its AuthenticationId", async () => {
    const hubspot = await findConnector("HubSpot");
    const methods = await hubspotMethods();
    expect(methods.map((m) => m.authType).sort()).toEqual(["ApiKey", "OAuth2"]);

    sandbox.clearRequests();
    const withKey = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: hubspot.id, authValue: "pat-na1-0000-1111" }));
    expect(withKey.setup.authentication).toMatchObject({ method: "apiKey", authenticated: true });
    const keyInstall = sandbox.requests.find((r) => r.path.endsWith("/install"));
    expect((keyInstall?.json as { AuthenticationId: string }).AuthenticationId).toBe(methods.find((m) => m.authType === "ApiKey")?.authenticationId);

    sandbox.clearRequests();
    const withoutKey = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: hubspot.id }));
    expect(withoutKey.setup.authentication.method).toBe("oauthLink");
    expect(withoutKey.setup.nextStep.tool).toBe("create_oauth_link");
    const oauthInstall = sandbox.requests.find((r) => r.path.endsWith("/install"));
    expect((oauthInstall?.json as { AuthenticationId: string }).AuthenticationId).toBe(methods.find((m) => m.authType === "OAuth2")?.authenticationId);
  });

  it("refuses an authenticationId the connector does not have, listing the right ones", async () => {
    const hubspot = await findConnector("HubSpot");
    const result = await server.call("install_connector", { allowDuplicate: true, connectorId: hubspot.id, authenticationId: "not-a-method" });
    expect(result.isError).toBe(true);
    for (const method of await hubspotMethods()) expect(text(result)).toContain(method.authenticationId);
  });
});

describe("a password-credentials OAuth connector", () => {
  it("sets its sensitive property without echoing it, then needs the OAuth link", async () => {
    const sugar = await findConnector("SugarCRM");
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: sugar.id }));
    const missing = installed.setup.missingProperties.map((p: { name: string; sensitive: boolean }) => [p.name, p.sensitive]);
    expect(missing).toEqual([
      ["Domain", false],
      ["Username", false],
      ["Password", true],
    ]);
    sandbox.clearRequests();
    const result = await server.call("set_connector_properties", {
      accountConnectorId: installed.accountConnectorId,
      properties: [
        { name: "Domain", value: "acme.sugarcrm.eu" },
        { name: "Username", value: "integration" },
        { name: "Password", value: "Sug4r-p@ssw0rd!" },
      ],
    });
    const set = structured(result);
    expect(set.results.map((r: { outcome: string }) => r.outcome)).toEqual(["set", "set", "set"]);
    expect(set.setup.state).toBe("needs_authentication");
    expect(set.setup.authentication).toMatchObject({ method: "oauthLink", oauth2Type: "PasswordCredentials" });
    // Cyclr got the value, one property per call; the assistant and the log did not.
    const bodies = sandbox.requests.filter((r) => r.method === "POST" && r.path.endsWith("/properties")).map((r) => r.json);
    expect(bodies).toEqual([
      { Name: "Domain", Value: "acme.sugarcrm.eu" },
      { Name: "Username", Value: "integration" },
      { Name: "Password", Value: "Sug4r-p@ssw0rd!" },
    ]);
    expect(JSON.stringify(result)).not.toContain("Sug4r-p@ssw0rd!");
    expect(server.stderr()).not.toContain("Sug4r-p@ssw0rd!");
  });
});
