/**
 * The person's side, in a real browser: headless Chromium (test/browser.ts says which, driven by playwright-core)
 * opens the links the server hands out, from a server over stdio and from one in hosted mode
 * (where the credential pages share the listener, and its Origin allow-list, with /mcp).
 * Every page names whose account it connects (issue 29): here, with no identity, without a sign-in.
 * Screenshots are kept under test-artifacts/browser/.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { launchChromium } from "../browser.js";
import { sandboxEnv, spawnHttpServer, spawnServer, structured, text } from "../helpers.js";

const ARTIFACTS = new URL("../../test-artifacts/browser/", import.meta.url);
const HOSTILE_NAME = "<script>alert(1)</script>";
const HOSTILE_ACCOUNT = "<img src=x onerror=alert(3)>Evil & Co";
const PARTNER = "Acme Integrations";

/** The server as the tests use it, whichever transport it is on. */
interface Served {
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  stderr(): string;
  close(): Promise<unknown>;
}

const MODES = {
  // The partner's name set over stdio; hosted, the default: the service domain's host.
  stdio: async (): Promise<Served> => spawnServer({ env: sandboxEnv(sandbox, { CYCLR_PARTNER_NAME: PARTNER }) }),
  hosted: async (): Promise<Served> => {
    const host = await spawnHttpServer({ env: sandboxEnv(sandbox) });
    const client = await host.connect();
    return {
      call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
      stderr: () => host.stderr(),
      close: () => host.stop(),
    };
  },
};

let sandbox: Sandbox;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startSandbox({
    extraConnectors: [{ name: HOSTILE_NAME, description: "<img src=x onerror=alert(2)>", categories: ["Tests"], auth: [{ type: "ApiKey" }] }],
  });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

/** A fresh page that records script dialogs and policy violations: there should be none. */
async function openPage(): Promise<{ page: Page; dialogs: string[]; violations: string[] }> {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  const violations: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  return { page, dialogs, violations };
}

describe.each(Object.keys(MODES) as (keyof typeof MODES)[])("in a real browser, with the server over %s", (mode) => {
  let server: Served;
  beforeAll(async () => {
    server = await MODES[mode]();
  }, 30_000);
  afterAll(async () => {
    await server?.close();
  });
  const shot = (name: string) => new URL(`${mode}-${name}`, ARTIFACTS).pathname;
  const partner = () => (mode === "stdio" ? PARTNER : new URL(sandbox.serviceDomainUrl).host);

  async function credentialLink(connectorId: number, properties: { name: string; value: string }[] = [], accountId?: string) {
    const account = accountId !== undefined ? { accountId } : {};
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId, properties, ...account }));
    expect(installed.setup.nextStep.tool).toBe("create_credential_link");
    const link = structured(await server.call("create_credential_link", { accountConnectorId: installed.accountConnectorId, ...account }));
    return { accountConnectorId: installed.accountConnectorId as number, url: link.url as string };
  }

  /** What the page says of whose account: its rows, term and value. */
  async function parties(page: Page): Promise<string[][]> {
    return page.locator("#parties dt").evaluateAll((terms) => terms.map((term) => [term.textContent ?? "", term.nextElementSibling?.textContent ?? ""]));
  }

  it("a credential link takes an API key to Cyclr, and the assistant sees only 'authenticated'", async () => {
    const { accountConnectorId, url } = await credentialLink(1001, [{ name: "CompanyDomain", value: "acme" }]);
    const { page, dialogs, violations } = await openPage();
    await page.goto(url);
    await expect(page.locator("h1").textContent()).resolves.toBe("Connect Pipedrive");
    // Whose account the key goes to, above the form; no one to name as the asker without an identity.
    await expect(parties(page)).resolves.toEqual([
      ["Connector", "Pipedrive"],
      ["Cyclr account", "Acme Sandbox"],
      ["Partner", partner()],
    ]);
    await page.fill('input[name="apiKey"]', "browser-key-0001");
    await page.screenshot({ path: shot("api-key-form.png") });
    await page.click('button[type="submit"]');
    await expect(page.locator("h1").textContent()).resolves.toBe("Pipedrive is connected");
    await page.screenshot({ path: shot("api-key-done.png") });
    expect({ dialogs, violations }).toEqual({ dialogs: [], violations: [] });
    await page.close();

    const result = await server.call("get_account_connector", { accountConnectorId });
    expect(structured(result)).toMatchObject({ authenticated: true, setup: { state: "ready" } });
    expect(JSON.stringify(result)).not.toContain("browser-key-0001");
    expect(server.stderr()).not.toContain("browser-key-0001");
  });

  it("the same for HTTP Basic: username and password", async () => {
    const { accountConnectorId, url } = await credentialLink(1009, [{ name: "Subdomain", value: "acme" }]);
    const { page } = await openPage();
    await page.goto(url);
    await page.fill('input[name="username"]', "ana@acme.test");
    await page.fill('input[name="password"]', "browser-pass-0001");
    await page.click('button[type="submit"]');
    await expect(page.locator("h1").textContent()).resolves.toBe("Zendesk is connected");
    await page.screenshot({ path: shot("basic-done.png") });
    await page.close();
    expect(structured(await server.call("get_account_connector", { accountConnectorId }))).toMatchObject({ authenticated: true, setup: { state: "ready" } });
    expect(server.stderr()).not.toContain("browser-pass-0001");
  });

  it("a reused link shows the not-valid page", async () => {
    const { url } = await credentialLink(1001, [{ name: "CompanyDomain", value: "acme" }]);
    const { page } = await openPage();
    await page.goto(url);
    await page.fill('input[name="apiKey"]', "browser-key-0002");
    await page.click('button[type="submit"]');
    await expect(page.locator("h1").textContent()).resolves.toBe("Pipedrive is connected");
    const again = await page.goto(url);
    expect(again?.status()).toBe(404);
    await expect(page.locator("h1").textContent()).resolves.toBe("This link is not valid");
    await page.screenshot({ path: shot("reused-link.png") });
    await page.close();
  });

  it("a connector named like a script is shown as text, and nothing runs", async () => {
    const hostile = structured(await server.call("list_connectors", { query: "script alert" })).connectors[0];
    expect(hostile.name).toBe(HOSTILE_NAME);
    const { url } = await credentialLink(hostile.id);
    const { page, dialogs } = await openPage();
    await page.goto(url);
    await expect(page.locator("h1").textContent()).resolves.toBe(`Connect ${HOSTILE_NAME}`);
    await expect(page.title()).resolves.toBe(`Connect ${HOSTILE_NAME}`);
    await page.screenshot({ path: shot("hostile-name.png") });
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it("an account named like a script is shown as text, and nothing runs", async () => {
    const created = structured(await server.call("create_account", { name: HOSTILE_ACCOUNT }));
    const { url } = await credentialLink(1001, [{ name: "CompanyDomain", value: "acme" }], created.account.accountId);
    const { page, dialogs } = await openPage();
    await page.goto(url);
    await expect(parties(page)).resolves.toContainEqual(["Cyclr account", HOSTILE_ACCOUNT]);
    await expect(page.locator("img").count()).resolves.toBe(0);
    await page.screenshot({ path: shot("hostile-account.png") });
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it("a link for someone else is refused: the operator has not allowed them", async () => {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] }));
    const refused = await server.call("create_credential_link", { accountConnectorId: installed.accountConnectorId, forSomeoneElse: true });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("MCP_HTTP_LINKS_FOR_OTHERS=1");
  });

  it("the sandbox's OAuth consent page, approved from a create_oauth_link URL", async () => {
    const installed = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: 1007 })); // Xero
    const link = structured(await server.call("create_oauth_link", { accountConnectorId: installed.accountConnectorId }));
    const { page } = await openPage();
    await page.goto(link.url);
    await page.screenshot({ path: shot("oauth-consent.png") });
    await Promise.all([page.waitForURL(/\/connected\?/), page.click('button[value="approve"]')]);
    // This server's landing page, naming whose account Xero was connected to (from the store, not the URL).
    await expect(page.locator("h1").textContent()).resolves.toBe("Xero is connected");
    await expect(parties(page)).resolves.toEqual([
      ["Connector", "Xero"],
      ["Cyclr account", "Acme Sandbox"],
      ["Partner", partner()],
    ]);
    await page.close();
    const done = structured(await server.call("get_account_connector", { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 10 }));
    expect(done).toMatchObject({ authenticated: true, setup: { state: "ready" }, waited: { outcome: "done" } });
  });
});
