/** What the cards show, from the server's own setup states (the card's pure modules, run in Node). */
import { describe, expect, it } from "vitest";
import { filterConnectors, readConnectorList, describeAuth } from "../../src/apps/picker-view.js";
import { mergeViews, modelContextLine, propertiesToSave, readAccountConnector, readAccountConnectorList, setupCardView } from "../../src/apps/setup-view.js";
import { AccountConnectorSchema, ConnectorSchema } from "../../src/cyclr/schemas.js";
import { EXTENSION_ID, getUiCapability, RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import { CARD_MIME_TYPE, clientShowsCards, UI_EXTENSION } from "../../src/mcp/apps/capability.js";
import { cardIcon, MAX_ICON_CHARS } from "../../src/setup/icons.js";
import { computeSetupState, waitingStep } from "../../src/setup/setup-state.js";

const marketo = ConnectorSchema.parse({
  Id: 10,
  Name: "Marketo",
  AuthType: "OAuth2",
  OAuth2Type: "ClientCredentials",
  Parameters: [
    { IsAccountConnectorProperty: true, TargetName: "MunchkinId", Name: "Munchkin ID" },
    { IsAccountConnectorProperty: true, TargetName: "ClientSecret", Name: "Client Secret", IsSensitive: true },
  ],
});
const pipedrive = ConnectorSchema.parse({ Id: 1, Name: "Pipedrive", AuthType: "ApiKey", Parameters: [{ IsAccountConnectorProperty: true, TargetName: "CompanyDomain", Name: "Company Domain" }] });
const xero = ConnectorSchema.parse({ Id: 7, Name: "Xero", AuthType: "OAuth2", OAuth2Type: "AuthorisationCode" });

function installed(definition: typeof pipedrive, overrides: Record<string, unknown> = {}) {
  const ac = AccountConnectorSchema.parse({ Id: 5, Name: definition.Name, Authenticated: false, Connector: { Id: definition.Id, Name: definition.Name, AuthType: definition.AuthType, OAuth2Type: definition.OAuth2Type }, Properties: [], ...overrides });
  return { accountId: "acme", accountConnectorId: 5, name: definition.Name, connector: { id: definition.Id, name: definition.Name }, setup: computeSetupState(ac, definition, "acme") };
}

describe("the setup card's view", () => {
  it("needs properties: the plain ones are typed in the card, the secret ones only on the secure page", () => {
    // ClientId set already: a client-credentials connector asks for its app's ClientId and ClientSecret too.
    const view = setupCardView(readAccountConnector(installed(marketo, { Properties: [{ Name: "ClientId", Value: "app-1" }] }))!);
    expect(view.steps.map((s) => s.status)).toEqual(["current", "todo", "todo"]);
    expect(view.editable.map((p) => p.name)).toEqual(["MunchkinId"]);
    expect(view.onSecurePage).toEqual(["Client Secret"]);
    expect(view.primary).toEqual({ kind: "save", label: "Save", tool: "set_connector_properties" });
  });

  it("only secrets left: the button opens the credential page, nothing is typed in the card", () => {
    const view = setupCardView(readAccountConnector(installed(marketo, { Properties: [{ Name: "MunchkinId", Value: "123" }, { Name: "ClientId", Value: "app-1" }] }))!);
    expect(view.editable).toEqual([]);
    expect(view.primary).toMatchObject({ kind: "credential_link", label: "Enter Client Secret" });
  });

  it("an API key connector: 'Enter your API key'; an OAuth one: 'Sign in to Xero'", () => {
    const key = setupCardView(readAccountConnector(installed(pipedrive, { Properties: [{ Name: "CompanyDomain", Value: "acme" }] }))!);
    expect(key.steps.map((s) => s.status)).toEqual(["done", "current", "todo"]);
    expect(key.primary).toMatchObject({ kind: "credential_link", label: "Enter your API key" });
    expect(setupCardView(readAccountConnector(installed(xero))!).primary).toMatchObject({ kind: "oauth_link", label: "Sign in to Xero" });
  });

  it("while the person is at their link: a wait, no button to press", () => {
    const ac = installed(xero);
    ac.setup = { ...ac.setup, nextStep: waitingStep({ accountConnectorId: 5, accountId: "acme" }, "create_oauth_link", "Signing in.") };
    expect(setupCardView(readAccountConnector(ac)!).primary.kind).toBe("wait");
  });

  it("ready: every step done", () => {
    const view = setupCardView(readAccountConnector(installed(xero, { Authenticated: true }))!);
    expect(view.steps.every((s) => s.status === "done")).toBe(true);
    expect(view.primary).toEqual({ kind: "none", label: "Xero is ready" });
  });

  it("reads list_account_connectors, and keeps the name and icon a later result leaves out", () => {
    const { accountId, ...entry } = installed(xero);
    expect(readAccountConnectorList({ accountId, accountConnectors: [entry] })?.[0]).toMatchObject({ accountId: "acme", accountConnectorId: 5 });
    const earlier = { ...readAccountConnector(installed(xero))!, icon: "data:image/png;base64,AA==" };
    const later = readAccountConnector({ accountId: "acme", accountConnectorId: 5, setup: installed(xero, { Authenticated: true }).setup })!;
    expect(mergeViews(earlier, later)).toMatchObject({ icon: earlier.icon, connector: { name: "Xero" }, setup: { state: "ready" } });
  });

  it("ignores what is not an account connector, and sends only filled-in values", () => {
    expect(readAccountConnector({ accountId: "acme" })).toBeUndefined();
    expect(readAccountConnector({ accountId: "acme", accountConnectorId: 5, setup: { state: "bogus" } })).toBeUndefined();
    const editable = setupCardView(readAccountConnector(installed(marketo))!).editable;
    expect(propertiesToSave(editable, { MunchkinId: "  123-ABC ", ClientSecret: "never" })).toEqual([{ name: "MunchkinId", value: "123-ABC" }]);
    expect(propertiesToSave(editable, { MunchkinId: " " })).toEqual([]);
  });

  it("tells the model ids and states only", () => {
    const line = modelContextLine(readAccountConnector(installed(pipedrive))!, "installed");
    expect(line).toBe("The person installed Pipedrive from the connector picker as account connector 5 (account acme). Its setup state is needs_properties; the person continues in the card.");
  });
});

describe("the connector picker's view", () => {
  const list = readConnectorList({
    accountId: "acme",
    total: 3,
    hasMore: false,
    connectors: [
      { id: 1, name: "Pipedrive", authTypes: ["ApiKey"], categories: ["CRMs"] },
      { id: 2, name: "Salesforce", authTypes: ["OAuth2"], categories: ["CRMs"] },
      { id: 3, name: "Zendesk", authTypes: ["Basic"], categories: ["Helpdesk"] },
      { name: "no id" },
    ],
  })!;
  it("reads list_connectors, and filters by every word in name, category or auth type", () => {
    expect(list.connectors.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(filterConnectors(list.connectors, "crm").map((c) => c.name)).toEqual(["Pipedrive", "Salesforce"]);
    expect(filterConnectors(list.connectors, "CRM oauth2").map((c) => c.name)).toEqual(["Salesforce"]);
    expect(filterConnectors(list.connectors, "  ")).toHaveLength(3);
    expect(describeAuth(["OAuth2", "ApiKey"])).toBe("Sign-in (OAuth) or API key");
  });
});

describe("icons and the extension", () => {
  it("keeps only base64 image data URIs of a bounded size", () => {
    expect(cardIcon("data:image/png;base64,iVBORw0KGgo=")).toBe("data:image/png;base64,iVBORw0KGgo=");
    expect(cardIcon("https://cdn.example.com/icon.png")).toBeUndefined();
    expect(cardIcon("data:text/html;base64,PHNjcmlwdD4=")).toBeUndefined();
    expect(cardIcon(`data:image/png;base64,${"A".repeat(MAX_ICON_CHARS)}`)).toBeUndefined();
    expect(cardIcon(undefined)).toBeUndefined();
  });

  it("shows cards only to a client that advertises io.modelcontextprotocol/ui with our mime type (or none listed)", () => {
    // Written from the spec, so that start-up need not load ext-apps: the same as the package's own.
    expect([UI_EXTENSION, CARD_MIME_TYPE]).toEqual([EXTENSION_ID, RESOURCE_MIME_TYPE]);
    for (const capabilities of [undefined, {}, { extensions: { [UI_EXTENSION]: { mimeTypes: [CARD_MIME_TYPE] } } }, { extensions: { [UI_EXTENSION]: {} } }]) {
      expect(clientShowsCards(capabilities)).toBe(getUiCapability(capabilities) !== undefined);
    }
    expect(clientShowsCards(undefined)).toBe(false);
    expect(clientShowsCards({})).toBe(false);
    expect(clientShowsCards({ extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } } })).toBe(true);
    expect(clientShowsCards({ extensions: { "io.modelcontextprotocol/ui": {} } })).toBe(true);
    expect(clientShowsCards({ extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/uri-list"] } } })).toBe(false);
    expect(clientShowsCards({ experimental: { "io.modelcontextprotocol/ui": {} } })).toBe(false);
  });
});
