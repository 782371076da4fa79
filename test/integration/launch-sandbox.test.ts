/**
 * The sandbox's LAUNCH and Marketplace, over real HTTP, as ../shared/cyclr/cycles.md describes
 * Cyclr's: the calls create the account when it is new, the link lasts 5 minutes and is spent when
 * first opened, and the LAUNCH page installs, signs in, sets and starts the chosen template (or says
 * why it could not start it). The other tests prove nothing if it does not behave so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishLaunch, startSandbox, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;
let token: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  token = sandbox.issueAccessToken();
});
afterAll(() => sandbox?.close());

async function post(path: string, body: unknown, bearer = token) {
  const response = await fetch(`${sandbox.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, string> };
}

describe("POST /v1.0/accounts/{id}/launch and /marketplace", () => {
  it("answer {Token, LaunchUrl, ExpiresAtUtc, AccountId}: a one-time URL carrying the token, for 5 minutes", async () => {
    const { status, json } = await post(`/v1.0/accounts/${sandbox.accountId}/launch`, { Tags: ["crm"], Start: "false", RunOnce: "true" });
    expect(status).toBe(200);
    expect(Object.keys(json).sort()).toEqual(["AccountId", "ExpiresAtUtc", "LaunchUrl", "Token"]);
    expect(json.AccountId).toBe(sandbox.accountId);
    const url = new URL(json.LaunchUrl!);
    expect(url.pathname).toBe("/account/signinwithtoken");
    expect(url.searchParams.get("token")).toBe(json.Token);
    // Cyclr's tests: the options that differ from the defaults, and the tags, are in the URL.
    expect(url.searchParams.get("start")).toBe("false");
    expect(url.searchParams.get("once")).toBe("true");
    expect(url.searchParams.get("tags")).toBe("crm");
    const lasts = Date.parse(json.ExpiresAtUtc!) - Date.now();
    expect(lasts).toBeGreaterThan(4.9 * 60_000);
    expect(lasts).toBeLessThanOrEqual(5 * 60_000);
  });

  it("create the account when the id is new, named by AccountName", async () => {
    const { status } = await post("/v1.0/accounts/brand-new-42/marketplace", { MarketplaceId: "27", AccountName: "Brand New Ltd" });
    expect(status).toBe(200);
    const account = await fetch(`${sandbox.url}/v1.0/accounts/brand-new-42`, { headers: { authorization: `Bearer ${token}` } });
    expect(await account.json()).toMatchObject({ Id: "brand-new-42", Name: "Brand New Ltd" });
  });

  it("refuse a token restricted to the account (Cyclr's docs: never one for these calls), an unknown Marketplace and a missing id", async () => {
    expect((await post(`/v1.0/accounts/${sandbox.accountId}/launch`, { Tags: ["crm"] }, sandbox.issueAccessToken({ accountId: sandbox.accountId }))).status).toBe(403);
    expect(await post(`/v1.0/accounts/${sandbox.accountId}/marketplace`, { MarketplaceId: 99 })).toEqual({ status: 404, json: { Message: "Marketplace '99' not found." } });
    expect((await post(`/v1.0/accounts/${sandbox.accountId}/marketplace`, {})).status).toBe(400);
  });
});

describe("the LAUNCH page", () => {
  it("is spent when first opened", async () => {
    const { json } = await post(`/v1.0/accounts/${sandbox.accountId}/launch`, { Tags: ["helpdesk"] });
    expect(sandbox.launchLink(json.Token!)).toMatchObject({ opened: false });
    expect((await fetch(json.LaunchUrl!)).status).toBe(200);
    expect(sandbox.launchLink(json.Token!)).toMatchObject({ opened: true });
    expect((await fetch(json.LaunchUrl!)).status).toBe(403);
  });

  it("goes straight to the one template the tags offer (AutoInstall), asks what the template leaves to the person, and starts it", async () => {
    const { json } = await post("/v1.0/accounts/initech-0042/launch", { Tags: ["spreadsheets"] });
    const done = await finishLaunch(json.LaunchUrl!, { values: { "Add row: Spreadsheet": "Leads" } });
    expect(done.asked).toEqual(["Add row: Spreadsheet", "Add row: Worksheet"]);
    expect(done.result).toMatchObject({ accountId: "initech-0042", status: "Active", errors: [] });
    const cycle = sandbox.cycle("initech-0042", done.result!.cycleId)!;
    expect(cycle).toMatchObject({ Status: "Active", TemplateId: "5d8c2e61-0f4b-4a97-b3d2-7e1a9c6f0b24" });
    expect(cycle.steps[1]?.parameters[0]).toMatchObject({ Name: "Spreadsheet", Value: "1mHIWnDvW9cALRMq9OPOmbbdJz7uq2lYdK9F3ZmbB3xE" });
  });

  it("Start false installs it paused; RunOnce starts it to run once", async () => {
    const values = { "Shopify: Shop Name": "acme", "QuickBooks Online: Environment": "Sandbox", "Create sales receipt: Income Account": "Sales" };
    const paused = await finishLaunch((await post("/v1.0/accounts/initech-0042/launch", { Tags: ["ecommerce"], Start: false })).json.LaunchUrl!, { values });
    // A connector's required properties are asked with its sign-in, then the template's values.
    expect(paused.asked).toEqual(Object.keys(values));
    expect(paused.result?.status).toBe("stopped");
    expect(sandbox.cycle("initech-0042", paused.result!.cycleId)).toMatchObject({ Status: "Paused" });
    const once = await finishLaunch((await post("/v1.0/accounts/initech-0042/launch", { Tags: ["ecommerce"], RunOnce: true })).json.LaunchUrl!, { values });
    expect(sandbox.cycle("initech-0042", once.result!.cycleId)).toMatchObject({ Status: "Active", RunOnce: true });
  });

  it("a template the partner left broken is installed but not started, and the page says why", async () => {
    const { json } = await post("/v1.0/accounts/initech-0042/launch", { Tags: ["project-management"] });
    const done = await finishLaunch(json.LaunchUrl!, { values: { "Jira: Domain": "acme.atlassian.net", "Create issue: Project Key": "BUG" } });
    expect(done.result).toMatchObject({ status: "stopped", errors: [expect.stringContaining("prerequisites")] });
    expect(done.outcome).toContain("is installed but not running");
  });
});
