/**
 * The credential page's security, over real loopback HTTP: the pages against the sandbox through
 * the real Cyclr client. A clock the test moves stands in for ten minutes passing.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCyclrClient } from "../../src/cyclr/index.js";
import { CredentialPages } from "../../src/hosting/credential-pages.js";
import { MemoryStore } from "../../src/store/memory.js";
import { createLogger } from "../../src/log.js";
import { Redactor } from "../../src/redact.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { credentialRequest } from "../../src/setup/credential-request.js";
import { fillCredentialPage, rawRequest } from "../helpers.js";

let sandbox: Sandbox;
let cyclr: ReturnType<typeof createCyclrClient>;
let pages: CredentialPages;
let store: MemoryStore;
let clock = Date.now();
let log = "";
const redactor = new Redactor();

beforeAll(async () => {
  sandbox = await startSandbox();
  const logger = createLogger({ level: "debug", redactor, write: (line) => void (log += line) });
  cyclr = createCyclrClient({
    apiUrl: sandbox.url,
    credentials: { kind: "clientCredentials", clientId: sandbox.clientId, clientSecret: sandbox.clientSecret },
    timeoutMs: 5_000,
    redactor,
    logger,
  });
  store = new MemoryStore(() => clock);
  pages = new CredentialPages({ cyclr: cyclr.client, store, redactor, logger, now: () => clock });
});
afterAll(async () => {
  await pages?.close();
  await cyclr?.close();
  await sandbox?.close();
});
beforeEach(() => {
  clock = Date.now();
});

/** A Pipedrive install (API key) and a link to the page that asks for its key. */
async function apiKeyLink(connectorName = "Pipedrive") {
  const installed = await cyclr.client.installConnector(sandbox.accountId, 1001, { Name: `Pipedrive ${randomUUID()}` });
  const definition = await cyclr.client.getConnector(sandbox.accountId, 1001);
  const request = credentialRequest(installed, definition, sandbox.accountId);
  if (!request) throw new Error("Pipedrive should need its API key");
  const link = await pages.create({ accountId: sandbox.accountId, accountConnectorId: installed.Id, connectorName, request });
  return { link, accountConnectorId: installed.Id };
}

const withoutNonce = (html: string) => html.replace(/nonce="[^"]+"/g, "");

const send = rawRequest;

describe("the OAuth landing page", () => {
  it("tells every replica's waits, once, that the person reached it: the URL carries a one-time nonce for the account connector", async () => {
    const events: unknown[] = [];
    const stop = store.subscribe((event) => events.push(event));
    try {
      const url = new URL(await pages.landingUrl("Xero", { accountId: sandbox.accountId, accountConnectorId: 4242 }));
      expect(url.pathname).toBe("/connected");
      expect(url.searchParams.get("step")).toMatch(/^[\w-]{22}$/);
      expect((await send(url.href)).status).toBe(200);
      expect((await send(url.href)).status).toBe(200);
      expect((await send(`${url.origin}/connected?name=Xero&step=${"x".repeat(22)}`)).status).toBe(200);
      await expect.poll(() => events).toEqual([{ kind: "step finished", accountId: sandbox.accountId, accountConnectorId: 4242 }]);
      // Without an account connector the page is only a page.
      expect(new URL(await pages.landingUrl("Xero")).searchParams.has("step")).toBe(false);
    } finally {
      stop();
    }
  });
});

describe("credential pages", () => {
  it("serve a self-contained page on loopback, bound to a long one-time token", async () => {
    const { link } = await apiKeyLink();
    const url = new URL(link.url);
    expect(url.hostname).toBe("127.0.0.1");
    const token = url.pathname.split("/").pop() ?? "";
    expect(Buffer.from(token, "base64url").length).toBeGreaterThanOrEqual(16);
    expect(link.expiresAt.getTime() - clock).toBe(10 * 60_000);

    const page = await send(link.url);
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(page.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
    expect(page.headers["content-security-policy"]).toMatch(/form-action 'self'/);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.body).not.toMatch(/<script|src=|href=|https?:\/\//i);
    expect(page.body).toMatch(/name="csrf" value="[^"]{20,}"/);
    expect(page.body).toMatch(/<input id="f0" name="apiKey" type="password"/);
  });

  it("store the key in Cyclr on submit, then answer the used link like an unknown one", async () => {
    const { link, accountConnectorId } = await apiKeyLink();
    const submitted = await fillCredentialPage(link.url, { apiKey: "page-key-0001" });
    expect(submitted.status).toBe(200);
    expect(submitted.html).toContain("Pipedrive is connected");
    expect(await link.used).toBe(true);
    const stored = sandbox.accountConnector(sandbox.accountId, accountConnectorId) as { AuthValue: string; Authenticated: boolean };
    expect(stored).toMatchObject({ AuthValue: "page-key-0001", Authenticated: true });

    const reused = await send(link.url);
    const unknown = await send(`${new URL(link.url).origin}/credentials/${"A".repeat(43)}`);
    expect(reused.status).toBe(404);
    expect(withoutNonce(reused.body)).toBe(withoutNonce(unknown.body));
    expect(log).not.toContain("page-key-0001");
    expect(log).not.toContain(new URL(link.url).pathname.split("/").pop());
  });

  it("expire after ten minutes with the same page", async () => {
    const { link } = await apiKeyLink();
    clock += 10 * 60_000 + 1;
    const expired = await send(link.url);
    expect(expired.status).toBe(404);
    expect(expired.body).toContain("This link is not valid");
  });

  it("refuse a form without its CSRF token, or sent from another origin", async () => {
    const { link } = await apiKeyLink();
    const form = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } };
    expect((await send(link.url, { ...form, body: "apiKey=x1234567" })).status).toBe(403);
    const page = await send(link.url);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
    const foreign = await send(link.url, { method: "POST", headers: { ...form.headers, origin: "https://evil.example" }, body: `csrf=${csrf}&apiKey=x1234567` });
    expect(foreign.status).toBe(403);
    const crossSite = await send(link.url, { method: "POST", headers: { ...form.headers, "sec-fetch-site": "cross-site" }, body: `csrf=${csrf}&apiKey=x1234567` });
    expect(crossSite.status).toBe(403);
    // Still valid: the person can use it.
    expect((await fillCredentialPage(link.url, { apiKey: "after-attempts-1" })).status).toBe(200);
  });

  it("show Cyclr's refusal in plain words and let the person retry while the link is valid", async () => {
    const { link } = await apiKeyLink();
    sandbox.failRoute({ method: "PUT", path: /^\/v1\.0\/account\/connectors\/\d+$/, status: 400, body: JSON.stringify({ Message: "The API key format is invalid." }) });
    const refused = await fillCredentialPage(link.url, { apiKey: "bad-key-0001" });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("Cyclr did not accept it: The API key format is invalid.");
    expect(refused.html).not.toContain("bad-key-0001");
    expect((await fillCredentialPage(link.url, { apiKey: "good-key-0001" })).status).toBe(200);
  });

  it("escape what comes from Cyclr", async () => {
    const { link } = await apiKeyLink("<script>alert(1)</script>");
    const page = await send(link.url);
    expect(page.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page.body).not.toContain("<script>");
  });

  it("answer only their own host name, limit the body, and allow only GET and POST", async () => {
    const { link } = await apiKeyLink();
    expect((await send(link.url, { headers: { host: "evil.example" } })).status).toBe(403);
    const big = await send(link.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `apiKey=${"x".repeat(20_000)}` });
    expect(big.status).toBe(413);
    expect((await send(link.url, { method: "DELETE" })).status).toBe(405);
  });

  it("turn away a client that keeps guessing tokens", async () => {
    // Its own pages, so earlier tests' bad tokens do not count.
    const guarded = new CredentialPages({ cyclr: cyclr.client, store: new MemoryStore(() => clock), redactor, logger: createLogger({ level: "error", redactor, write: () => {} }), now: () => clock });
    const request = { authValue: "apiKey" as const, properties: [], fields: [{ field: "apiKey", label: "API key", secret: true }] };
    const origin = new URL((await guarded.create({ accountId: sandbox.accountId, accountConnectorId: 1, connectorName: "P", request })).url).origin;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await send(`${origin}/credentials/guess-${i}`)).status);
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    clock += 61_000;
    expect((await send(`${origin}/credentials/guess-again`)).status).toBe(404);
    await guarded.close();
  });
});
