/**
 * Closer to the real Cyclr API: the built server over stdio against a sandbox that behaves like the
 * evidence (odd list items, unique names, property corrections by PUT, a multi-method connector that
 * keeps reporting its default AuthType, a client-credentials connector without declared app
 * credentials, an AuthType finished in the console).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedConnectors } from "../../src/sandbox/fixtures.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, sandboxEnv, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;
const seeded = seedConnectors();
const connector = (name: string) => {
  const found = seeded.find((c) => c.Name === name);
  if (!found) throw new Error(`no seeded connector ${name}`);
  return found;
};

beforeAll(async () => {
  sandbox = await startSandbox({ oddItems: true });
  server = await spawnServer({ env: sandboxEnv(sandbox) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

describe("one odd item never breaks a list", () => {
  it("list_connectors lists the good ones and says how many were left out; the log names each once per catalog load", async () => {
    const first = structured(await server.call("list_connectors", { query: "odd" }));
    // A null among Values and a {Name} category are loosened, so those two are listed.
    expect(first.connectors.map((c: { name: string }) => c.name).sort()).toEqual(["Odd Category Object", "Odd Values"]);
    expect(first.leftOut).toBe(3);
    expect(first.note).toMatch(/3 connectors were left out: Cyclr sent them in a shape this server cannot read \(ids 300003, not-a-number\)/);
    structured(await server.call("list_connectors", { query: "pipedrive" }));
    const logged = server.stderr().split("\n").filter((line) => line.includes("catalog item left out"));
    expect(logged).toHaveLength(3);
    expect(logged.join("\n")).toMatch(/300003.*Categories\.0/);
    expect(logged.join("\n")).not.toMatch(/A category of no known shape/);
  });

  it("list_account_connectors and install_connector work with an account connector Cyclr sent without its Connector", async () => {
    const installed = structured(await server.call("install_connector", { connectorId: connector("Generic Webhook").Id, name: "Webhook (odd account)" }));
    expect(installed.setup.state).toBe("ready");
    const listed = structured(await server.call("list_account_connectors", { pageSize: 100 }));
    expect(listed.leftOut).toBe(1);
    expect(listed.note).toMatch(/1 account connector was left out.*id 900001/);
    expect(listed.accountConnectors.map((ac: { accountConnectorId: number }) => ac.accountConnectorId)).toContain(installed.accountConnectorId);
  });
});

describe("account connector names are unique in an account", () => {
  it("a second install of the same connector returns the first, with its setup state, unless allowDuplicate", async () => {
    const hubspot = connector("HubSpot");
    const first = structured(await server.call("install_connector", { connectorId: hubspot.Id }));
    expect(first.existing).toBeUndefined();
    const mark = sandbox.requests.length;
    const again = await server.call("install_connector", { connectorId: hubspot.Id, authenticationId: hubspot.Authentication?.[0]?.Id });
    expect(structured(again)).toMatchObject({ existing: true, accountConnectorId: first.accountConnectorId, setup: { state: "needs_authentication" } });
    expect(text(again)).toMatch(/already installed .* as account connector \d+ \("HubSpot"\).*allowDuplicate: true/);
    expect(sandbox.requests.slice(mark).filter((r) => r.method === "POST" && r.path.endsWith("/install"))).toHaveLength(0);

    const second = structured(await server.call("install_connector", { connectorId: hubspot.Id, allowDuplicate: true, authenticationId: hubspot.Authentication?.[0]?.Id }));
    expect(second).toMatchObject({ name: "HubSpot 2", note: 'The name "HubSpot" is in use in the account, so it was installed as "HubSpot 2".' });
    expect(second.accountConnectorId).not.toBe(first.accountConnectorId);
  });

  it("when Cyclr still answers that a name is in use, the error says which name and what to do", async () => {
    // "Orphan" is held by an account connector the server could not read, so it did not see the name taken.
    const result = await server.call("install_connector", { connectorId: connector("Pipedrive").Id, name: "Orphan" });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/An account connector named "Orphan" already exists in account acme-sandbox.*list_account_connectors.*allowDuplicate: true/);
  });
});

describe("corrections update, they do not add", () => {
  it("a property the account connector has is PUT with {Name, Value, Id}; a new one is POSTed", async () => {
    const zendesk = connector("Zendesk");
    const { accountConnectorId } = structured(await server.call("install_connector", { connectorId: zendesk.Id, name: "Zendesk (corrected)" }));
    const mark = sandbox.requests.length;
    structured(await server.call("set_connector_properties", { accountConnectorId, properties: [{ name: "Subdomain", value: "acme" }] }));
    const corrected = structured(await server.call("set_connector_properties", { accountConnectorId, properties: [{ name: "Subdomain", value: "globex" }] }));
    expect(corrected.results).toEqual([{ name: "Subdomain", outcome: "set" }]);
    const writes = sandbox.requests.slice(mark).filter((r) => r.path.includes("/properties"));
    expect(writes.map((r) => [r.method, r.status])).toEqual([["POST", 200], ["PUT", 200]]);
    const stored = sandbox.accountConnector(sandbox.accountId, accountConnectorId) as { Properties: { Id: number; Name: string; Value: string }[] };
    expect(stored.Properties).toEqual([expect.objectContaining({ Name: "Subdomain", Value: "globex" })]);
    const propertyId = stored.Properties[0]?.Id;
    expect(writes[1]?.path).toBe(`/v1.0/account/connectors/${accountConnectorId}/properties/${propertyId}`);
    expect(writes[1]?.json).toEqual({ Name: "Subdomain", Value: "globex", Id: propertyId });
  });
});

describe("the method in force on a connector with several methods", () => {
  it("is finished with the method chosen at install, though its account connector keeps reporting the default AuthType", async () => {
    const calendly = connector("Calendly");
    const apiKey = calendly.Authentication?.find((a) => a.AuthType === "ApiKey");
    const installed = structured(await server.call("install_connector", { connectorId: calendly.Id, authenticationId: apiKey?.Id }));
    // install_connector knows what it asked for.
    expect(installed.setup.authentication).toMatchObject({ method: "apiKey", authType: "ApiKey" });
    expect(installed.setup.authentication.alternatives).toBeUndefined();

    // Later, Cyclr's answer says OAuth2 (the default): the state says so, and lets the person choose.
    const later = structured(await server.call("get_account_connector", { accountConnectorId: installed.accountConnectorId }));
    expect(later.setup.authentication).toMatchObject({ method: "oauthLink", authType: "OAuth2", alternatives: [{ method: "apiKey", authenticationId: apiKey?.Id }] });
    expect(later.setup.nextStep.instruction).toMatch(/does not say which one was chosen at install/);

    // The other method is accepted rather than refused.
    const done = structured(await server.call("authenticate_connector", { accountConnectorId: installed.accountConnectorId, apiKey: "cal-key-123" }));
    expect(done).toMatchObject({ authenticated: true, setup: { state: "ready" } });
    expect(JSON.stringify(done)).not.toContain("cal-key-123");
  });

  it("create_oauth_link accepts a connector whose method in force may be OAuth", async () => {
    const calendly = connector("Calendly");
    const apiKey = calendly.Authentication?.find((a) => a.AuthType === "ApiKey");
    const installed = structured(await server.call("install_connector", { connectorId: calendly.Id, authenticationId: apiKey?.Id, allowDuplicate: true }));
    const link = structured(await server.call("create_oauth_link", { accountConnectorId: installed.accountConnectorId }));
    expect(link.url).toContain("/connectorauth/updateaccountconnectoroauth");
  });
});

describe("OAuth app credentials per account", () => {
  it("a ClientCredentials connector without ClientId/ClientSecret is not ready; its setup asks for them, the secret through a credential link", async () => {
    const workday = connector("Workday");
    expect(workday.Parameters.map((p) => p.TargetName)).not.toContain("ClientId");
    const installed = structured(await server.call("install_connector", { connectorId: workday.Id, properties: [{ name: "Tenant", value: "acme" }] }));
    expect(installed.authenticated).toBe(false);
    expect(installed.setup).toMatchObject({ state: "needs_properties", nextStep: { tool: "set_connector_properties", arguments: { properties: [{ name: "ClientId" }] } } });
    expect(installed.setup.missingProperties.map((p: { name: string; sensitive: boolean }) => [p.name, p.sensitive])).toEqual([["ClientId", false], ["ClientSecret", true]]);
    const idSet = structured(await server.call("set_connector_properties", { accountConnectorId: installed.accountConnectorId, properties: [{ name: "ClientId", value: "wd-client" }] }));
    expect(idSet.setup).toMatchObject({ state: "needs_properties", nextStep: { tool: "create_credential_link" } });
    // The person types the secret on the credential page; then it is ready (Cyclr authenticates on first use).
    const link = structured(await server.call("create_credential_link", { accountConnectorId: installed.accountConnectorId }));
    expect((await fillCredentialPage(link.url, { "property:ClientSecret": "wd-secret-typed-on-the-page" })).status).toBe(200);
    const after = structured(await server.call("get_account_connector", { accountConnectorId: installed.accountConnectorId }));
    expect(after.setup).toMatchObject({ state: "ready" });
    // Nothing missing: get_account_connector leaves the empty list out.
    expect(after.setup.missingProperties).toBeUndefined();
    expect(after.propertiesSet.sort()).toEqual(["ClientId", "ClientSecret", "Tenant"]);
    expect(server.stderr()).not.toContain("wd-secret-typed-on-the-page");
  });
});

describe("auth types finished in the Cyclr console", () => {
  it("Kerberos: a setup state that names the console's steps", async () => {
    const nav = connector("Microsoft Dynamics NAV");
    const installed = structured(await server.call("install_connector", { connectorId: nav.Id, properties: [{ name: "ServerUrl", value: "https://nav.example.com" }] }));
    expect(installed.setup).toMatchObject({ state: "needs_authentication", authentication: { method: "console", authType: "Kerberos" } });
    expect(installed.setup.nextStep).not.toHaveProperty("tool");
    expect(installed.setup.nextStep.instruction).toMatch(/Kerberos \(Kerberos\) is finished in the Cyclr console.*Connectors > Edit Connector/);
  });
});
