/**
 * Pages that say whose account they connect, and take it only from the person who asked (issue 29),
 * hosted with an identity provider, end to end: the built server with MCP_HTTP_AUTH_ISSUER, a real
 * authorization server (oidc-provider) with the pages' client registered, the SDK's own client
 * signing people in for the tools, and Chromium at the pages, signing in at the same issuer. What
 * reaches Cyclr is read from the sandbox's request log. Then two replicas on Redis: a sign-in
 * started on one finishes on the other.
 */
import type { ClientMetadata } from "oidc-provider";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { startAuthorizationServer, type AuthorizationServer } from "../authorization-server.js";
import { launchChromium } from "../browser.js";
import { randomUUID } from "node:crypto";
import { rawRequest, sandboxEnv, spawnHttpServer, structured, text, type HttpServerUnderTest } from "../helpers.js";
import { connectThroughSignIn } from "../oauth-client.js";
import { freePort, redisDump, redisServer, reportMissingRedis, startRedis, type RedisUnderTest } from "../redis.js";

const PARTNER = "Acme Integrations";
const PAGE_CLIENT = { id: "cyclr-mcp-pages", secret: "pages-client-secret-0123456789" };
/** The replicas' deployment has a public URL, and so a redirect URI, of its own. */
const REPLICAS_CLIENT = { id: "cyclr-mcp-pages-replicas", secret: "replicas-client-secret-0123456789" };
const PEOPLE = {
  alice: { name: "Alice Example", email: "alice@example.com" },
  bob: { name: "Bob Other", email: "bob@example.com" },
  sam: { name: "Sam Support", email: "sam@partner.example" },
};

let sandbox: Sandbox;
let as: AuthorizationServer;
let server: HttpServerUnderTest;
let browser: Browser;
const clients = new Map<string, Client>();
/** Where the replicas' deployment is reached (the first replica listens there). */
let replicasPort: number;

beforeAll(async () => {
  sandbox = await startSandbox();
  // The pages' redirect URI is registered at the issuer before the server starts, so its port is chosen first.
  const port = await freePort();
  replicasPort = await freePort();
  const client = (id: string, secret: string, at: number): ClientMetadata => ({
    client_id: id,
    client_secret: secret,
    redirect_uris: [`http://127.0.0.1:${at}/credentials/signed-in`],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  });
  as = await startAuthorizationServer({
    accounts: { alice: sandbox.accountId, bob: sandbox.accountId, sam: sandbox.accountId },
    people: PEOPLE,
    clients: [client(PAGE_CLIENT.id, PAGE_CLIENT.secret, port), client(REPLICAS_CLIENT.id, REPLICAS_CLIENT.secret, replicasPort)],
  });
  server = await spawnHttpServer({
    env: sandboxEnv(sandbox, {
      MCP_HTTP_AUTH_ISSUER: as.issuer,
      MCP_HTTP_PAGE_CLIENT_ID: PAGE_CLIENT.id,
      MCP_HTTP_PAGE_CLIENT_SECRET: PAGE_CLIENT.secret,
      MCP_HTTP_LINKS_FOR_OTHERS: "1",
      CYCLR_PARTNER_NAME: PARTNER,
    }),
    args: ["--port", String(port)],
  });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await Promise.allSettled([...clients.values()].map((client) => client.close()));
  await browser?.close();
  await server?.stop();
  await as?.close();
  await sandbox?.close();
});

/** The person's assistant, signed in through the SDK's OAuth code. */
async function assistantOf(person: keyof typeof PEOPLE): Promise<Client> {
  let client = clients.get(person);
  if (!client) {
    client = (await connectThroughSignIn(as, person, server.url)).client;
    clients.set(person, client);
  }
  return client;
}

async function call(person: keyof typeof PEOPLE, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await (await assistantOf(person)).callTool({ name, arguments: args })) as CallToolResult;
}

/** An API-key connector (Pipedrive) installed and waiting for its key, and a link to the page for it, made by `person`. */
async function credentialLink(person: keyof typeof PEOPLE, extra: Record<string, unknown> = {}): Promise<{ accountConnectorId: number; url: string }> {
  const installed = structured(await call(person, "install_connector", { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] }));
  const link = structured(await call(person, "create_credential_link", { accountConnectorId: installed.accountConnectorId, ...extra }));
  return { accountConnectorId: installed.accountConnectorId as number, url: link.url as string };
}

/** The person signs in at the issuer's own login and consent pages, until the browser is back at this server. */
async function signInAt(page: Page, person: string, backAt = server.origin): Promise<void> {
  for (let step = 0; step < 6 && new URL(page.url()).origin === as.issuer; step++) {
    if ((await page.locator('input[name="login"]').count()) > 0) {
      await page.fill('input[name="login"]', person);
      await page.fill('input[name="password"]', "any");
    }
    const at = page.url();
    // The issuer's pages import a web font, which a closed network never serves: the DOM is enough.
    await Promise.all([page.waitForURL((url) => url.href !== at, { waitUntil: "domcontentloaded" }), page.click("button.login-submit", { noWaitAfter: true })]);
  }
  expect(new URL(page.url()).origin).toBe(backAt);
}

/** A browser of the person's own, signed in at the pages once it has opened one. */
async function browserOf(): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { context, page, dialogs };
}

const partiesText = async (page: Page) => (await page.locator("#parties").textContent()) ?? "";
/** What reached Cyclr since `mark`, other than reads. */
const writesSince = (mark: number) => sandbox.requests.slice(mark).filter((r) => r.method !== "GET");

describe("a credential link, hosted with an identity provider", () => {
  it("opens for the person who made it once they sign in with the same issuer, and names whose account the key goes to", async () => {
    const { accountConnectorId, url } = await credentialLink("alice");
    const token = new URL(url).pathname.split("/").pop() ?? "";
    // Without a sign-in, the page is a redirect to the issuer, with the sign-in's state in a sealed cookie scoped to the return path.
    const first = await rawRequest(url);
    expect(first.status).toBe(303);
    expect(new URL(String(first.headers.location)).origin).toBe(as.issuer);
    expect(first.body).not.toContain("Pipedrive");
    const [stateCookie = ""] = (first.headers["set-cookie"] as string[] | undefined) ?? [];
    expect(stateCookie).toMatch(/^cyclr_mcp_sign_in_[\w-]{16}=[\w.-]+; Max-Age=600; Path=\/credentials\/signed-in; HttpOnly; SameSite=Lax$/);
    expect(stateCookie).not.toContain(token);
    const { context, page, dialogs } = await browserOf();
    await page.goto(url);
    // Sent to sign in first: the form is not shown to whoever holds the link.
    expect(new URL(page.url()).origin).toBe(as.issuer);
    await signInAt(page, "alice");
    expect(page.url()).toBe(url);
    await expect(page.locator("h1").textContent()).resolves.toBe("Connect Pipedrive");
    const parties = await partiesText(page);
    for (const shown of ["Pipedrive", "Acme Sandbox", PARTNER, "Alice Example (alice@example.com): you, signed in"]) expect(parties).toContain(shown);
    // The names come before the form.
    const html = await page.content();
    expect(html.indexOf('id="parties"')).toBeGreaterThan(0);
    expect(html.indexOf('id="parties"')).toBeLessThan(html.indexOf("<form"));

    // The sign-in's cookies: HttpOnly, SameSite=Lax, scoped to the pages; not Secure only because this is loopback http.
    const person = (await context.cookies(url)).find((cookie) => cookie.name === "cyclr_mcp_person");
    expect(person).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false, path: "/credentials/" });

    await page.fill('input[name="apiKey"]', "alice-key-0001");
    await page.click('button[type="submit"]');
    await expect(page.locator("h1").textContent()).resolves.toBe("Pipedrive is connected");
    expect(dialogs).toEqual([]);
    await context.close();

    expect(structured(await call("alice", "get_account_connector", { accountConnectorId }))).toMatchObject({ authenticated: true });
    // The link's token is in no log line, the sign-in's state neither.
    expect(server.stderr()).not.toContain(token);
    expect(server.stderr()).toMatch(/credential page sign-in .*"subject":"alice"/);
  });

  it("is refused to another person signed in at the same issuer, and nothing they send reaches Cyclr", async () => {
    const { accountConnectorId, url } = await credentialLink("alice");
    // Alice's own page, whose CSRF token the other person's browser then uses (a page seen over a shoulder, say).
    const alice = await browserOf();
    await alice.page.goto(url);
    if (new URL(alice.page.url()).origin === as.issuer) await signInAt(alice.page, "alice");
    const csrf = await alice.page.locator('input[name="csrf"]').getAttribute("value");
    expect(csrf).toBeTruthy();

    const bob = await browserOf();
    await bob.page.goto(url);
    await signInAt(bob.page, "bob");
    await expect(bob.page.locator("h1").textContent()).resolves.toBe("This link is for someone else");
    const page = (await bob.page.content()) ?? "";
    expect(page).toContain("Bob Other (bob@example.com)");
    // Neither the form nor whose account it is.
    expect(page).not.toContain("Acme Sandbox");
    await expect(bob.page.locator('input[name="apiKey"]').count()).resolves.toBe(0);

    const mark = sandbox.requests.length;
    const posted = await bob.context.request.post(url, { form: { csrf: csrf!, apiKey: "bob-key-0001" }, headers: { origin: server.origin }, maxRedirects: 0 });
    expect(posted.status()).toBe(403);
    expect(await posted.text()).toContain("This link is for someone else");
    expect(writesSince(mark)).toEqual([]);
    expect(JSON.stringify(sandbox.requests.slice(mark))).not.toContain("bob-key-0001");
    expect(structured(await call("alice", "get_account_connector", { accountConnectorId }))).toMatchObject({ authenticated: false });
    await bob.context.close();

    // The link still works for the one it was made for.
    await alice.page.fill('input[name="apiKey"]', "alice-key-0002");
    await alice.page.click('button[type="submit"]');
    await expect(alice.page.locator("h1").textContent()).resolves.toBe("Pipedrive is connected");
    await alice.context.close();
  });

  it("made for someone else (allowed here by MCP_HTTP_LINKS_FOR_OTHERS) signs no one in and says plainly who sent it, for which account", async () => {
    const { accountConnectorId, url } = await credentialLink("sam", { forSomeoneElse: true });
    const customer = await browserOf();
    await customer.page.goto(url);
    expect(customer.page.url()).toBe(url);
    const sentBy = (await customer.page.locator("#sent-by").textContent()) ?? "";
    expect(sentBy).toBe(
      `This link was sent to you by Sam Support (sam@partner.example) for the Cyclr account Acme Sandbox of ${PARTNER}. What you enter here goes to that account. If you did not expect this link, close this page.`,
    );
    expect(await partiesText(customer.page)).toContain("Sent bySam Support (sam@partner.example)");
    await customer.page.fill('input[name="apiKey"]', "customer-key-0001");
    await customer.page.click('button[type="submit"]');
    await expect(customer.page.locator("h1").textContent()).resolves.toBe("Pipedrive is connected");
    await customer.context.close();
    expect(structured(await call("sam", "get_account_connector", { accountConnectorId }))).toMatchObject({ authenticated: true });
  });
});

describe("an OAuth link, hosted with an identity provider", () => {
  async function oauthLink(person: keyof typeof PEOPLE, extra: Record<string, unknown> = {}) {
    const installed = structured(await call(person, "install_connector", { allowDuplicate: true, connectorId: 1007 })); // Xero
    const link = structured(await call(person, "create_oauth_link", { accountConnectorId: installed.accountConnectorId, ...extra }));
    return { accountConnectorId: installed.accountConnectorId as number, url: link.url as string, link };
  }

  it("opens this server's page first: the person who made it sees whose account and goes on to the sign-in; another is refused before Cyclr gives any sign-in token", async () => {
    const { accountConnectorId, url, link } = await oauthLink("alice");
    // The link is a page of this server (10 minutes), not yet Cyclr's sign-in link.
    expect(new URL(url).origin).toBe(server.origin);
    expect(link).toMatchObject({ validForMinutes: 10, singleUse: true });

    const alice = await browserOf();
    await alice.page.goto(url);
    if (new URL(alice.page.url()).origin === as.issuer) await signInAt(alice.page, "alice");
    await expect(alice.page.locator("h1").textContent()).resolves.toBe("Connect Xero");
    const parties = await partiesText(alice.page);
    for (const shown of ["Xero", "Acme Sandbox", PARTNER, "Alice Example (alice@example.com): you, signed in"]) expect(parties).toContain(shown);
    const csrf = await alice.page.locator('input[name="csrf"]').getAttribute("value");

    const mark = sandbox.requests.length;
    const bob = await browserOf();
    await bob.page.goto(url);
    await signInAt(bob.page, "bob");
    await expect(bob.page.locator("h1").textContent()).resolves.toBe("This link is for someone else");
    const posted = await bob.context.request.post(url, { form: { csrf: csrf! }, headers: { origin: server.origin }, maxRedirects: 0 });
    expect(posted.status()).toBe(403);
    await bob.context.close();
    expect(sandbox.requests.slice(mark).filter((r) => r.path.includes("signintoken"))).toEqual([]);

    // Alice goes on: Cyclr's sign-in (the sandbox's consent page), then this server's landing page, naming the account.
    await Promise.all([alice.page.waitForURL((next) => next.origin !== server.origin), alice.page.click('button[type="submit"]')]);
    expect(sandbox.requests.slice(mark).filter((r) => r.path.includes("signintoken"))).toHaveLength(1);
    await Promise.all([alice.page.waitForURL(/\/connected/), alice.page.click('button[value="approve"]')]);
    await expect(alice.page.locator("h1").textContent()).resolves.toBe("Xero is connected");
    expect(await partiesText(alice.page)).toContain("Acme Sandbox");
    await alice.context.close();
    const done = structured(await call("alice", "get_account_connector", { accountConnectorId, waitForAuthentication: 10 }));
    expect(done).toMatchObject({ authenticated: true });

    // Used once: the page is gone.
    const again = await browserOf();
    const reopened = await again.page.goto(url);
    expect(reopened?.status()).toBe(404);
    await again.context.close();
  });

  it("made for someone else, names the sender on the page before the sign-in", async () => {
    const { url } = await oauthLink("sam", { forSomeoneElse: true });
    const customer = await browserOf();
    await customer.page.goto(url);
    expect(customer.page.url()).toBe(url);
    expect(await customer.page.locator("#sent-by").textContent()).toContain("sent to you by Sam Support (sam@partner.example) for the Cyclr account Acme Sandbox");
    await expect(customer.page.locator('button[type="submit"]').textContent()).resolves.toBe("Sign in to Xero");
    await customer.context.close();
  });
});

describe("links for someone else", () => {
  it("are refused where the operator has not allowed them, naming the setting", async () => {
    const strict = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_ISSUER: as.issuer, MCP_HTTP_PAGE_SIGN_IN: "off" }) });
    try {
      const { client } = await connectThroughSignIn(as, "alice", strict.url);
      const installed = structured(await client.callTool({ name: "install_connector", arguments: { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] } }) as CallToolResult);
      const refused = (await client.callTool({ name: "create_credential_link", arguments: { accountConnectorId: installed.accountConnectorId, forSomeoneElse: true } })) as CallToolResult;
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain("MCP_HTTP_LINKS_FOR_OTHERS=1");
      await client.close();
    } finally {
      await strict.stop();
    }
  });
});

reportMissingRedis("the pages' sign-in across replicas");

describe.skipIf(!redisServer)("the pages' sign-in across two replicas on Redis", () => {
  let redis: RedisUnderTest;
  const replicas: HttpServerUnderTest[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.allSettled(replicas.map((replica) => replica.stop()));
    await redis?.close();
  });

  it("starts on one replica and finishes on the other, and Redis never holds the link's token", async () => {
    const publicUrl = `http://127.0.0.1:${replicasPort}`;
    const env = sandboxEnv(sandbox, {
      CYCLR_MCP_REDIS_URL: redis.url,
      CYCLR_MCP_REDIS_PREFIX: `pages-${randomUUID()}:`,
      CYCLR_MCP_PUBLIC_URL: publicUrl,
      MCP_HTTP_AUTH_ISSUER: as.issuer,
      MCP_HTTP_PAGE_CLIENT_ID: REPLICAS_CLIENT.id,
      MCP_HTTP_PAGE_CLIENT_SECRET: REPLICAS_CLIENT.secret,
    });
    const [a, b] = await Promise.all([spawnHttpServer({ env, args: ["--port", String(replicasPort)] }), spawnHttpServer({ env })]);
    replicas.push(a, b);
    const { client } = await connectThroughSignIn(as, "alice", a.url);
    const installed = structured(await client.callTool({ name: "install_connector", arguments: { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] } }) as CallToolResult);
    const link = structured(await client.callTool({ name: "create_credential_link", arguments: { accountConnectorId: installed.accountConnectorId } }) as CallToolResult);
    const token = new URL(link.url as string).pathname.split("/").pop() ?? "";

    // The load balancer sends the person's browser to B: B starts the sign-in, the issuer returns them to the public URL (A).
    const person = await browserOf();
    await person.page.goto(`${b.origin}${new URL(link.url as string).pathname}`);
    expect(new URL(person.page.url()).origin).toBe(as.issuer);
    await signInAt(person.page, "alice", publicUrl);
    expect(person.page.url()).toBe(link.url);
    await expect(person.page.locator("h1").textContent()).resolves.toBe("Connect Pipedrive");
    expect(await partiesText(person.page)).toContain("Alice Example (alice@example.com): you, signed in");
    await person.page.fill('input[name="apiKey"]', "replica-key-0001");
    await person.page.click('button[type="submit"]');
    await expect(person.page.locator("h1").textContent()).resolves.toBe("Pipedrive is connected");
    await person.context.close();
    await client.close();

    expect(b.stderr()).not.toContain("credential page sign-in");
    expect(a.stderr()).toMatch(/credential page sign-in .*"subject":"alice"/);
    const dump = await redisDump(redis);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain("replica-key-0001");
  });
});
