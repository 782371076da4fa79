/**
 * The cards, as a host that renders MCP Apps shows them (test/app-host: ext-apps's AppBridge in
 * Chromium, the SDK Client on the server's stdio). A client without the extension sees none of it.
 * Screenshots go to test-artifacts/app-card/; UPDATE_SCREENSHOTS=1 also writes the README's, docs/setup-card.png.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { openCardHost, UI_EXTENSION, type CardHostUnderTest } from "../app-host/index.js";
import { launchChromium } from "../browser.js";
import { sandboxEnv, spawnServer, structured, type ServerUnderTest } from "../helpers.js";

const ARTIFACTS = new URL("../../test-artifacts/app-card/", import.meta.url);
const README_SHOT = new URL("../../docs/setup-card.png", import.meta.url);
const API_KEY = "app-card-key-0001";
const CARD_TOOLS = ["refresh_setup_card", "get_connector_icons"];

let sandbox: Sandbox;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startSandbox();
}, 60_000);
afterAll(async () => sandbox?.close());

describe("a client without the MCP Apps extension", () => {
  let server: ServerUnderTest;
  beforeAll(async () => {
    server = await spawnServer({ env: sandboxEnv(sandbox) });
  });
  afterAll(async () => server?.close());

  it("sees no card: no _meta on any tool, no card helper, no ui:// resource", async () => {
    const { tools } = await server.client.listTools();
    expect(tools.filter((t) => t._meta !== undefined)).toEqual([]);
    expect(tools.map((t) => t.name)).not.toContain("refresh_setup_card");
    const { resources } = await server.client.listResources();
    expect(resources.filter((r) => r.uri.startsWith("ui://"))).toEqual([]);
    await expect(server.client.readResource({ uri: "ui://cyclr/setup-card.html" })).rejects.toMatchObject({ code: -32002 });
    const helper = await server.call("refresh_setup_card", { accountConnectorId: 1 });
    expect(helper.isError).toBe(true);
  });
});

describe("a client that advertises io.modelcontextprotocol/ui", () => {
  let server: ServerUnderTest;
  beforeAll(async () => {
    server = await spawnServer({ env: sandboxEnv(sandbox), capabilities: { extensions: UI_EXTENSION } });
  });
  afterAll(async () => server?.close());

  it("sees each tool's card, and the card helpers hidden from the model", async () => {
    const { tools } = await server.client.listTools();
    const uiOf = (name: string) => (tools.find((t) => t.name === name)?._meta as { ui?: { resourceUri: string; visibility?: string[] } } | undefined)?.ui;
    expect(uiOf("list_connectors")).toEqual({ resourceUri: "ui://cyclr/catalog-picker.html" });
    for (const name of ["install_connector", "get_account_connector", "set_connector_properties", "list_account_connectors", "create_credential_link", "create_oauth_link", "authenticate_connector"]) {
      expect(uiOf(name), name).toEqual({ resourceUri: "ui://cyclr/setup-card.html" });
    }
    for (const name of CARD_TOOLS) expect(uiOf(name), name).toEqual({ resourceUri: "ui://cyclr/setup-card.html", visibility: ["app"] });
  });

  it("the card helper keeps the whole view that get_account_connector gives the model lean", async () => {
    const installed = structured(await server.call("install_connector", { connectorId: 1003, name: `Salesforce card ${Date.now()}`, allowDuplicate: true }));
    const model = structured(await server.call("get_account_connector", { accountConnectorId: installed.accountConnectorId }));
    expect(model.setup.missingProperties).toEqual([expect.not.objectContaining({ required: expect.anything() })]);
    const card = structured(await server.call("refresh_setup_card", { accountConnectorId: installed.accountConnectorId }));
    expect(card.setup.missingProperties).toEqual([expect.objectContaining({ name: "isSandbox", required: true, sensitive: false })]);
    expect(card.setup.authentication).toMatchObject({ authenticated: false, oauth2Type: "AuthorisationCode" });
    expect(card.propertiesSet).toEqual([]);
  });

  it.each(CARD_TOOLS)("the card helper %s is a reviewed artifact too, read-only", async (name) => {
    const tool = (await server.client.listTools()).tools.find((t) => t.name === name);
    expect(tool?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    await expect(JSON.stringify(tool, null, 2)).toMatchFileSnapshot(`../__toolsnaps__/card-helpers/${name}.snap`);
  });

  it("serves each card as one HTML file whose CSP allows nothing beyond itself", async () => {
    const { resources } = await server.client.listResources();
    const cards = resources.filter((r) => r.uri.startsWith("ui://"));
    expect(cards.map((r) => [r.uri, r.mimeType])).toEqual([
      ["ui://cyclr/catalog-picker.html", "text/html;profile=mcp-app"],
      ["ui://cyclr/setup-card.html", "text/html;profile=mcp-app"],
    ]);
    for (const { uri } of cards) {
      const [content] = (await server.client.readResource({ uri })).contents;
      expect(content).toMatchObject({ uri, mimeType: "text/html;profile=mcp-app", _meta: { ui: { csp: { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] } } } });
      const html = content && "text" in content ? content.text : "";
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? "";
      expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; img-src data:; base-uri 'none'; form-action 'none'$/);
      // Self-contained: no script, stylesheet or image fetched from anywhere.
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=["']?http/i);
    }
  });
});

describe("in a host that renders the cards (Chromium)", () => {
  let browser: Browser;
  let server: ServerUnderTest;
  let host: CardHostUnderTest;
  beforeAll(async () => {
    browser = await launchChromium();
    server = await spawnServer({ env: sandboxEnv(sandbox), capabilities: { extensions: UI_EXTENSION } });
  }, 60_000);
  afterAll(async () => {
    await host?.close();
    await server?.close();
    await browser?.close();
  });
  const shot = (name: string) => new URL(name, ARTIFACTS).pathname;

  it("picks Pipedrive, fills CompanyDomain, opens the credential page, and turns ready; no secret reaches the card's messages or the model", async () => {
    host = await openCardHost(browser, server.client);
    const violations: string[] = [];
    host.page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await host.modelCalls("list_connectors", { query: "crm" });
    const pipedrive = host.card.locator('.tile[data-connector="Pipedrive"]');
    await expect(pipedrive.locator("strong").textContent()).resolves.toBe("Pipedrive");
    // Icons arrive through the app-only helper, as data URIs.
    await pipedrive.locator("img.icon").waitFor();
    await host.card.locator("input.filter").fill("pipe");
    await expect(host.card.locator(".tile").count()).resolves.toBe(1);
    await host.page.locator("#card").screenshot({ path: shot("1-picker.png") });

    await pipedrive.locator("button").click();
    const card = host.card.locator("section.card[data-state]");
    await expect(card.getAttribute("data-state")).resolves.toBe("needs_properties");
    await host.card.locator('[data-step="properties"][aria-current="step"]').waitFor();
    await host.card.locator("#field-CompanyDomain").fill("acme");
    await host.page.locator("#card").screenshot({ path: shot("2-properties.png") });
    await host.card.locator('button[data-action="save"]').click();

    await host.card.locator('section.card[data-state="needs_authentication"]').waitFor();
    const enterKey = host.card.locator('button[data-action="credential_link"]');
    await expect(enterKey.textContent()).resolves.toBe("Enter your API key");
    await host.page.locator("#card").screenshot({ path: shot("3-authentication.png") });
    if (process.env.UPDATE_SCREENSHOTS === "1") copyFileSync(shot("3-authentication.png"), README_SHOT);
    await enterKey.click();

    // The card asked the host to open the credential page: the person fills it in their browser.
    await expect.poll(() => host.openedLinks.length).toBe(1);
    const link = host.openedLinks[0] ?? "";
    await host.card.locator('button[data-action="wait"]').waitFor();
    await host.page.locator("#card").screenshot({ path: shot("4-waiting.png") });
    const person = await browser.newPage();
    await person.goto(link);
    await person.fill('input[name="apiKey"]', API_KEY);
    await person.click('button[type="submit"]');
    await expect(person.locator("h1").textContent()).resolves.toBe("Pipedrive is connected");
    await person.close();

    await host.card.locator('section.card[data-state="ready"]').waitFor({ timeout: 30_000 });
    await expect(host.card.locator("p.done").textContent()).resolves.toBe("✓ Pipedrive is ready");
    await host.page.locator("#card").screenshot({ path: shot("5-ready.png") });
    expect(violations).toEqual([]);

    // The card told the model what the person did: ids and states only.
    await expect.poll(() => host.toldModel.some((t) => /Pipedrive .*account connector \d+.* ready/.test(t))).toBe(true);
    expect(host.toldModel[0]).toMatch(/installed Pipedrive from the connector picker as account connector \d+/);
    // The card called the tools through the host: install, the property, the link, the helpers.
    const called = new Set(host.cardCalls.map((c) => c.name));
    expect([...called].sort()).toEqual(["create_credential_link", "get_connector_icons", "install_connector", "refresh_setup_card", "set_connector_properties"]);
    expect(host.cardCalls.find((c) => c.name === "set_connector_properties")?.args).toMatchObject({ properties: [{ name: "CompanyDomain", value: "acme" }] });

    // No secret anywhere the model reads, nor in anything the card sent but the one request to open its link.
    const token = new URL(link).pathname.split("/").pop() ?? "";
    expect(token.length).toBeGreaterThan(10);
    const fromCard = host.traffic.filter((m) => m.direction === "from-card").map((m) => m.message);
    for (const secret of [API_KEY, token, link]) {
      expect(host.modelVisible.join("\n")).not.toContain(secret);
      expect(host.toldModel.join("\n")).not.toContain(secret);
      expect(fromCard.filter((m) => m.includes(secret)).map((m) => (JSON.parse(m) as { method?: string }).method)).toEqual(secret === API_KEY ? [] : ["ui/open-link"]);
    }
    expect(host.traffic.map((m) => m.message).join("\n")).not.toContain(API_KEY);
    // Nor in the card's page.
    expect(await host.card.locator("html").innerHTML()).not.toContain(token);

    // The model, asking afterwards, sees it ready.
    const accountConnectorId = host.cardCalls.find((c) => c.name === "set_connector_properties")?.args.accountConnectorId;
    expect(structured(await server.call("get_account_connector", { accountConnectorId }))).toMatchObject({ authenticated: true, setup: { state: "ready" } });
  }, 90_000);

  it("an OAuth connector: 'Sign in to Xero' opens the sign-in link, and the card turns ready after consent", async () => {
    const installed = await host.modelCalls("install_connector", { connectorId: 1007 });
    const { accountConnectorId } = structured(installed);
    const signIn = host.card.locator('button[data-action="oauth_link"]');
    await expect(signIn.textContent()).resolves.toBe("Sign in to Xero");
    await host.page.locator("#card").screenshot({ path: shot("6-oauth.png") });
    const before = host.openedLinks.length;
    await signIn.click();
    await expect.poll(() => host.openedLinks.length).toBe(before + 1);
    const person = await browser.newPage();
    await person.goto(host.openedLinks[before] ?? "");
    await Promise.all([person.waitForEvent("framenavigated"), person.click('button[value="approve"]')]);
    await person.close();
    await host.card.locator('section.card[data-state="ready"]').waitFor({ timeout: 30_000 });
    await host.page.locator("#card").screenshot({ path: shot("7-oauth-ready.png") });
    expect(host.modelVisible.join("\n")).not.toContain(new URL(host.openedLinks[before] ?? "").searchParams.get("token") ?? "<none>");
    expect(structured(await server.call("get_account_connector", { accountConnectorId }))).toMatchObject({ authenticated: true });
  }, 60_000);
});
