/** What the cards show, from the server's own setup states (the card's pure modules, run in Node). */
import { describe, expect, it } from "vitest";
import { filterConnectors, readConnectorList, describeAuth } from "../../src/apps/picker-view.js";
import { nextRefresh, REFRESH_WAIT_SECONDS, STOP_AFTER_MS } from "../../src/apps/refresh-schedule.js";
import { linkLapsed, mergeViews, modelContextLine, propertiesToSave, readAccountConnector, readAccountConnectorList, setupCardView, supportDetails } from "../../src/apps/setup-view.js";
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

const stripe = ConnectorSchema.parse({ Id: 8, Name: "Stripe", AuthType: "ApiKey" });

/** As get_account_connector (and refresh_setup_card) give it: with the names of the properties set. */
function installed(definition: typeof pipedrive, overrides: Record<string, unknown> = {}) {
  const ac = AccountConnectorSchema.parse({ Id: 5, Name: definition.Name, Authenticated: false, Connector: { Id: definition.Id, Name: definition.Name, AuthType: definition.AuthType, OAuth2Type: definition.OAuth2Type }, Properties: [], ...overrides });
  const propertiesSet = ac.Properties.filter((p) => p.HasValue).map((p) => p.Name);
  return { accountId: "acme", accountConnectorId: 5, name: definition.Name, connector: { id: definition.Id, name: definition.Name }, propertiesSet, setup: computeSetupState(ac, definition, "acme") };
}
/** As the other tools (set_connector_properties, the link tools) give it: no list of the properties set. */
function withoutPropertiesSet(view: ReturnType<typeof installed>) {
  const copy: Partial<typeof view> = { ...view };
  delete copy.propertiesSet;
  return copy;
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

  it("while the person is at their link: a wait, and a button that opens their page again (a sign-in for OAuth, else the credential page)", () => {
    const ac = installed(xero);
    ac.setup = { ...ac.setup, nextStep: waitingStep({ accountConnectorId: 5, accountId: "acme" }, "create_oauth_link", "Signing in.") };
    const view = setupCardView(readAccountConnector(ac)!);
    expect(view.primary).toEqual({ kind: "wait", label: "Open the page again", reopen: "create_oauth_link" });
    expect(view.status).toMatch(/^Waiting for you to sign in to Xero/);
    const key = installed(pipedrive, { Properties: [{ Name: "CompanyDomain", Value: "acme" }] });
    key.setup = { ...key.setup, nextStep: waitingStep({ accountConnectorId: 5, accountId: "acme" }, "create_credential_link", "Typing.") };
    expect(setupCardView(readAccountConnector(key)!).primary).toMatchObject({ kind: "wait", reopen: "create_credential_link" });
  });

  it("a link that lapsed while the card waited (expired, or used without finishing) is told apart from progress", () => {
    const waiting = installed(xero);
    waiting.setup = { ...waiting.setup, nextStep: waitingStep({ accountConnectorId: 5, accountId: "acme" }, "create_oauth_link", "Signing in.") };
    const before = readAccountConnector(waiting)!;
    expect(linkLapsed(before, readAccountConnector(installed(xero))!)).toBe(true);
    expect(linkLapsed(before, readAccountConnector(installed(xero, { Authenticated: true }))!)).toBe(false);
    expect(linkLapsed(readAccountConnector(installed(xero))!, readAccountConnector(installed(xero))!)).toBe(false);
    // Marketo's secret property was typed on the credential page; its next step is another step, not a lapse.
    const marketoWaiting = installed(marketo, { Properties: [{ Name: "MunchkinId", Value: "1" }, { Name: "ClientId", Value: "a" }] });
    marketoWaiting.setup = { ...marketoWaiting.setup, nextStep: waitingStep({ accountConnectorId: 5, accountId: "acme" }, "create_credential_link", "Typing.") };
    const done = installed(marketo, { Properties: [{ Name: "MunchkinId", Value: "1" }, { Name: "ClientId", Value: "a" }, { Name: "ClientSecret", Value: "s" }] });
    expect(linkLapsed(readAccountConnector(marketoWaiting)!, readAccountConnector(done)!)).toBe(false);
  });

  it("a step that does not apply is left out, never ticked: no properties step for Stripe or Xero, whose connectors have none", () => {
    const steps = (view: unknown) => setupCardView(readAccountConnector(view)!).steps.map((s) => `${s.key}:${s.status}`);
    expect(steps(installed(stripe))).toEqual(["authentication:current", "ready:todo"]);
    expect(steps(installed(stripe, { Authenticated: true }))).toEqual(["authentication:done", "ready:done"]);
    expect(steps(installed(xero))).toEqual(["authentication:current", "ready:todo"]);
    // Pipedrive's CompanyDomain: a step of its own, current, then done.
    expect(steps(installed(pipedrive))).toEqual(["properties:current", "authentication:todo", "ready:todo"]);
    expect(steps(installed(pipedrive, { Properties: [{ Name: "CompanyDomain", Value: "acme" }] }))).toEqual(["properties:done", "authentication:current", "ready:todo"]);
    // A result that does not list the properties set says nothing of them: no tick until one that does.
    expect(steps(withoutPropertiesSet(installed(pipedrive, { Properties: [{ Name: "CompanyDomain", Value: "acme" }] })))).toEqual(["authentication:current", "ready:todo"]);
    // A connector that needs no authentication: no authentication step.
    const webhook = ConnectorSchema.parse({ Id: 9, Name: "Generic Webhook", AuthType: "None" });
    expect(steps(installed(webhook))).toEqual(["ready:done"]);
  });

  it("under the name: the account's name when known, else nothing; the ids only under the details for support", () => {
    const plain = setupCardView(readAccountConnector(installed(pipedrive))!);
    expect(plain.subtitle).toBeUndefined();
    const named = readAccountConnector({ ...installed(pipedrive), accountName: " Acme Sandbox " })!;
    expect(setupCardView(named).subtitle).toBe("Acme Sandbox");
    expect(JSON.stringify(setupCardView(named))).not.toMatch(/account connector/i);
    expect(supportDetails(named)).toEqual([
      { label: "Account ID", value: "acme" },
      { label: "Account connector ID", value: "5" },
      { label: "Connector", value: "Pipedrive (ID 1)" },
      { label: "Setup state", value: "needs_properties" },
    ]);
  });

  it("ready: every step done", () => {
    const view = setupCardView(readAccountConnector(installed(xero, { Authenticated: true }))!);
    expect(view.steps.every((s) => s.status === "done")).toBe(true);
    expect(view.primary).toEqual({ kind: "none", label: "Xero is ready" });
  });

  it("reads list_account_connectors, and keeps the name and icon a later result leaves out", () => {
    const { accountId, ...entry } = installed(xero);
    expect(readAccountConnectorList({ accountId, accountConnectors: [entry] })?.[0]).toMatchObject({ accountId: "acme", accountConnectorId: 5 });
    const earlier = { ...readAccountConnector(installed(xero))!, icon: "data:image/png;base64,AA==", accountName: "Acme" };
    const later = readAccountConnector({ accountId: "acme", accountConnectorId: 5, setup: installed(xero, { Authenticated: true }).setup })!;
    expect(mergeViews(earlier, later)).toMatchObject({ icon: earlier.icon, accountName: "Acme", connector: { name: "Xero" }, setup: { state: "ready" } });
    // Properties once seen keep their step; a later result without the list cannot drop it.
    const withProperties = readAccountConnector(installed(pipedrive))!;
    const afterSave = readAccountConnector(withoutPropertiesSet(installed(pipedrive, { Properties: [{ Name: "CompanyDomain", Value: "acme" }] })))!;
    expect(mergeViews(withProperties, afterSave).hasProperties).toBe(true);
    // Another account's account connector of the same id is another one.
    expect(mergeViews(earlier, { ...later, accountId: "other" }).icon).toBeUndefined();
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

describe("the setup card's asks while the person is at their page", () => {
  it("three in a row, then pauses of 10 s, 20 s, 40 s and a minute; none after STOP_AFTER_MS", () => {
    expect(REFRESH_WAIT_SECONDS).toBe(20);
    expect(STOP_AFTER_MS).toBe(10 * 60_000);
    const pauses: number[] = [];
    let elapsed = 0;
    for (let asked = 0; ; asked++) {
      const pause = nextRefresh(asked, elapsed);
      if (pause === "stop") break;
      pauses.push(pause);
      // Each ask waits on the server for up to REFRESH_WAIT_SECONDS.
      elapsed += pause + REFRESH_WAIT_SECONDS * 1000;
    }
    expect(pauses.slice(0, 7)).toEqual([0, 0, 0, 10_000, 20_000, 40_000, 60_000]);
    expect(new Set(pauses.slice(6))).toEqual(new Set([60_000]));
    expect(pauses).toHaveLength(11);
    expect(nextRefresh(0, STOP_AFTER_MS)).toBe("stop");
    expect(nextRefresh(50, STOP_AFTER_MS - 60_001)).toBe(60_000);
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
