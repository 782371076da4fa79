/** The embedded sandbox over real HTTP: it must behave as api-notes describe Cyclr, or the other tests prove nothing. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink, startSandbox, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;
let token: string;

async function api(method: string, path: string, options: { body?: unknown; account?: string | null; bearer?: string | null } = {}) {
  const headers: Record<string, string> = {};
  const bearer = options.bearer === undefined ? token : options.bearer;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const account = options.account === undefined ? sandbox.accountId : options.account;
  if (account !== null) headers["x-cyclr-account"] = account;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${sandbox.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? (JSON.parse(text) as unknown) : undefined };
}

beforeAll(async () => {
  sandbox = await startSandbox({ maxPageSize: 30 });
  token = sandbox.issueAccessToken();
});
afterAll(() => sandbox?.close());

describe("partner token", () => {
  it("issues a bearer token for form-encoded client credentials", async () => {
    const body = new URLSearchParams({ grant_type: "client_credentials", client_id: sandbox.clientId, client_secret: sandbox.clientSecret });
    const response = await fetch(`${sandbox.url}/oauth/token`, { method: "POST", body });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: "bearer", access_token: expect.any(String), expires_in: 1209599, clientId: sandbox.clientId });
  });

  it("refuses bad credentials, other grants and JSON bodies", async () => {
    const form = (fields: Record<string, string>) => fetch(`${sandbox.url}/oauth/token`, { method: "POST", body: new URLSearchParams(fields) });
    expect(await (await form({ grant_type: "client_credentials", client_id: sandbox.clientId, client_secret: "wrong" })).json()).toEqual({ error: "invalid_client" });
    expect(await (await form({ grant_type: "password" })).json()).toEqual({ error: "unsupported_grant_type" });
    const asJson = await fetch(`${sandbox.url}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(asJson.status).toBe(400);
  });

  it("answers 401 without a valid token, or without X-Cyclr-Account on account-level routes", async () => {
    expect((await api("GET", "/v1.0/connectors", { bearer: null })).json).toEqual({ Message: "Authorization has been denied for this request." });
    expect((await api("GET", "/v1.0/connectors", { bearer: "made-up" })).status).toBe(401);
    expect((await api("GET", "/v1.0/connectors", { account: null })).status).toBe(401);
    expect((await api("GET", "/v1.0/connectors", { account: "" })).status).toBe(401);
    expect((await api("GET", "/v1.0/connectors", { account: "nobody" })).status).toBe(404);
  });

  it("binds an account-scoped token to its account", async () => {
    const scoped = sandbox.issueAccessToken({ accountId: sandbox.otherAccountId });
    expect((await api("GET", "/v1.0/account/connectors", { bearer: scoped })).status).toBe(401);
    expect((await api("GET", "/v1.0/account/connectors", { bearer: scoped, account: sandbox.otherAccountId })).status).toBe(200);
  });

  it("revokes every token on request", async () => {
    const doomed = sandbox.issueAccessToken();
    sandbox.revokeTokens();
    expect((await api("GET", "/v1.0/connectors", { bearer: doomed })).status).toBe(401);
    token = sandbox.issueAccessToken();
  });
});

describe("catalog", () => {
  it("pages bare arrays with page/pageSize, caps pageSize, sends no paging headers and [] past the end", async () => {
    const first = await api("GET", "/v1.0/connectors?page=1&pageSize=100");
    expect(Array.isArray(first.json)).toBe(true);
    expect(first.json).toHaveLength(30);
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect([...first.headers.keys()].filter((h) => /total|pagination/i.test(h))).toEqual([]);
    expect((await api("GET", "/v1.0/connectors?page=99&pageSize=10")).json).toEqual([]);
  });

  it("covers every auth type and OAuth2Type, with icons, a draft and several methods", async () => {
    const all = (await api("GET", "/v1.0/connectors?pageSize=30")).json as Record<string, unknown>[];
    const rest = (await api("GET", "/v1.0/connectors?pageSize=30&page=2")).json as Record<string, unknown>[];
    const catalog = [...all, ...rest];
    expect(catalog.length).toBeGreaterThanOrEqual(40);
    const methods = catalog.flatMap((c) => (c.Authentication as { AuthType: string; OAuth2Type: string }[] | undefined) ?? [{ AuthType: c.AuthType as string, OAuth2Type: c.OAuth2Type as string }]);
    expect(new Set(methods.map((m) => m.AuthType))).toEqual(new Set(["ApiKey", "Basic", "OAuth1", "OAuth2", "None", "AuthFields", "Kerberos"]));
    const oauth2 = new Set(methods.filter((m) => m.AuthType === "OAuth2").map((m) => m.OAuth2Type));
    for (const type of ["AuthorisationCode", "ClientCredentials", "PasswordCredentials"]) expect(oauth2).toContain(type);
    expect(catalog.every((c) => String(c.Icon).startsWith("data:image/png;base64,"))).toBe(true);
    expect(catalog.some((c) => c.Status === "Draft")).toBe(true);
    expect(catalog.some((c) => ((c.Authentication as unknown[] | undefined)?.length ?? 0) > 1)).toBe(true);
    expect(catalog.some((c) => c.Authentication === undefined)).toBe(true);
    const parameters = catalog.flatMap((c) => c.Parameters as { IsSensitive: boolean; IsOptional: boolean; Values: string[] | null }[]);
    expect(parameters.some((p) => p.IsSensitive)).toBe(true);
    expect(parameters.some((p) => p.IsOptional)).toBe(true);
    expect(parameters.some((p) => p.Values && p.Values.length > 0)).toBe(true);
  });

  it("returns one connector by id, and 404 for an unknown one", async () => {
    expect((await api("GET", "/v1.0/connectors/1001")).json).toMatchObject({ Id: 1001, Name: "Pipedrive" });
    expect((await api("GET", "/v1.0/connectors/5")).status).toBe(404);
  });
});

describe("install and account connectors", () => {
  it("installs with 200, echoing AuthValue, and validates properties as Cyclr does", async () => {
    const installed = await api("POST", "/v1.0/connectors/1001/install", { body: { Name: "PD", AuthValue: "key-1", Properties: [{ Name: "CompanyDomain", Value: "acme", Id: 0 }] } });
    expect(installed.status).toBe(200);
    expect(installed.json).toMatchObject({ Name: "PD", AuthValue: "key-1", Authenticated: true, Properties: [{ Name: "CompanyDomain", Value: "acme" }], Connector: { Id: 1001 } });
    expect((await api("POST", "/v1.0/connectors/1001/install", { body: { Properties: [{ Name: "Dont exist", Value: "x" }] } })).json).toEqual({
      Message: "There is not a connector property that matches name 'Dont exist'.",
    });
    expect((await api("POST", "/v1.0/connectors/1001/install", { body: { Properties: [{ Name: "EndpointUrl", Value: "x" }] } })).json).toEqual({
      Message: "Connector property name 'EndpointUrl' is not an account connector property.",
    });
    const draft = (await api("GET", "/v1.0/connectors?pageSize=30&page=2")).json as { Id: number; Status: string }[];
    const draftId = draft.find((c) => c.Status === "Draft")?.Id;
    expect((await api("POST", `/v1.0/connectors/${draftId}/install`, { body: { Name: "x" } })).json).toEqual({ Message: `Connector ${draftId} is a draft and cannot be installed.` });
    expect((await api("POST", "/v1.0/connectors/1001/install", { body: null })).status).toBe(500);
  });

  it("sets properties one object per call, updates AuthValue with PUT, deauthenticates", async () => {
    const { json } = await api("POST", "/v1.0/connectors/1009/install", { body: { Name: "ZD" } });
    const id = (json as { Id: number }).Id;
    const set = await api("POST", `/v1.0/account/connectors/${id}/properties`, { body: { Name: "Subdomain", Value: "acme" } });
    expect(set.json).toMatchObject({ Name: "Subdomain", Value: "acme", AccountConnectorId: id, Id: expect.any(Number) });
    expect((await api("POST", `/v1.0/account/connectors/${id}/properties`, { body: [{ Name: "Subdomain", Value: "x" }] })).status).toBe(400);
    expect((await api("PUT", `/v1.0/account/connectors/${id}`, { body: { AuthValue: "dXNlcjpwYXNz" } })).json).toMatchObject({ Authenticated: true, Name: "ZD" });
    expect((await api("PUT", `/v1.0/account/connectors/${id}/deauthenticate`, { body: {} })).json).toEqual({ Message: "Connector 'ZD' successfully de-authenticated." });
    expect((await api("GET", `/v1.0/account/connectors/${id}`)).json).toMatchObject({ Authenticated: false, AuthValue: null });
    expect((await api("GET", `/v1.0/account/connectors/${id}`, { account: sandbox.otherAccountId })).status).toBe(404);
  });
});

describe("the evidence the sandbox follows (names, property corrections, custom connectors)", () => {
  it("refuses a second account connector with a name in use, as code against the live API sees", async () => {
    expect((await api("POST", "/v1.0/connectors/1002/install", { body: { Name: "HubSpot dup" } })).status).toBe(200);
    expect((await api("POST", "/v1.0/connectors/1002/install", { body: { Name: "hubspot DUP" } })).json).toEqual({ Message: "Account connector name 'hubspot DUP' is in use." });
    // Names are per account.
    expect((await api("POST", "/v1.0/connectors/1002/install", { body: { Name: "HubSpot dup" }, account: sandbox.otherAccountId })).status).toBe(200);
  });

  it("creates a property with POST, refuses a second POST of that name, and changes it with PUT {Name, Value, Id}", async () => {
    const id = ((await api("POST", "/v1.0/connectors/1009/install", { body: { Name: "ZD props" } })).json as { Id: number }).Id;
    const created = (await api("POST", `/v1.0/account/connectors/${id}/properties`, { body: { Name: "Subdomain", Value: "acme" } })).json as { Id: number };
    expect((await api("POST", `/v1.0/account/connectors/${id}/properties`, { body: { Name: "Subdomain", Value: "other" } })).status).toBe(400);
    const put = await api("PUT", `/v1.0/account/connectors/${id}/properties/${created.Id}`, { body: { Name: "Subdomain", Value: "globex", Id: created.Id } });
    expect(put.json).toMatchObject({ Name: "Subdomain", Value: "globex", Id: created.Id });
    expect((await api("GET", `/v1.0/account/connectors/${id}`)).json).toMatchObject({ Properties: [{ Name: "Subdomain", Value: "globex" }] });
  });

  it("lists the partner's custom connectors only with includeCustomConnectors=true", async () => {
    const names = async (query: string) => ((await api("GET", `/v1.0/connectors?query=acme${query}`)).json as { Name: string }[]).map((c) => c.Name);
    expect(await names("")).not.toContain("Acme Orders (custom)");
    expect(await names("&includeCustomConnectors=false")).not.toContain("Acme Orders (custom)");
    expect(await names("&includeCustomConnectors=true")).toContain("Acme Orders (custom)");
  });
});

describe("sign-in tokens and the consent page", () => {
  let installs = 0;
  async function oauthLink(callbackMessage?: string) {
    const { json } = await api("POST", "/v1.0/connectors/1007/install", { body: { Name: `Xero ${++installs}` } });
    const id = (json as { Id: number }).Id;
    const signIn = (await api("POST", `/v1.0/accounts/${sandbox.accountId}/signintoken`, { body: { Username: "someone" }, account: null })).json as { Token: string; ExpiresAtUtc: string };
    const query = [`id=${id}`, `token=${encodeURIComponent(signIn.Token)}`, `targetOrigin=${encodeURIComponent("https://app.example.com")}`];
    if (callbackMessage) query.push(`callbackMessage=${encodeURIComponent(callbackMessage)}`);
    return { id, signIn, url: `${sandbox.serviceDomainUrl}/connectorauth/updateaccountconnectoroauth?${query.join("&")}` };
  }

  it("issues base64 tokens valid for 5 minutes, and 404 for an unknown account", async () => {
    const { signIn } = await oauthLink();
    expect(signIn.Token).toMatch(/[+/].*=$/);
    const minutes = (Date.parse(signIn.ExpiresAtUtc) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4.9);
    expect(minutes).toBeLessThanOrEqual(5);
    expect((await api("POST", "/v1.0/accounts/nobody/signintoken", { body: { Username: "x" }, account: null })).status).toBe(404);
  });

  it("approves once: authenticated, redirected to targetOrigin; the link then answers 403", async () => {
    const { id, url } = await oauthLink();
    expect(await approveOAuthLink(url, "approve")).toMatchObject({ status: 302, location: "https://app.example.com" });
    expect(sandbox.accountConnector(sandbox.accountId, id)).toMatchObject({ Authenticated: true });
    const again = await approveOAuthLink(url, "approve");
    expect(again.status).toBe(403);
    expect(again.body).toContain("403 – Forbidden: Access is denied.");
  });

  it("deny leaves it unauthenticated; callbackMessage posts to the opener instead of redirecting", async () => {
    const denied = await oauthLink();
    expect((await approveOAuthLink(denied.url, "deny")).location).toBe("https://app.example.com/?error=access_denied");
    expect(sandbox.accountConnector(sandbox.accountId, denied.id)).toMatchObject({ Authenticated: false });
    const popup = await oauthLink("done</script><script>alert(1)");
    const page = await approveOAuthLink(popup.url, "approve");
    expect(page.status).toBe(200);
    expect(page.body).toContain("postMessage(");
    expect(page.body).not.toContain("</script><script>alert(1)");
  });
});

describe("fault injection and recording", () => {
  it("fails a route the given number of times, then behaves normally; records everything", async () => {
    sandbox.failRoute({ method: "GET", path: "/v1.0/connectors/1001", status: 503, times: 2 });
    expect((await api("GET", "/v1.0/connectors/1001")).status).toBe(503);
    expect((await api("GET", "/v1.0/connectors/1001")).status).toBe(503);
    expect((await api("GET", "/v1.0/connectors/1001")).status).toBe(200);
    const recorded = sandbox.requests.filter((r) => r.path === "/v1.0/connectors/1001").map((r) => r.status);
    expect(recorded.slice(-3)).toEqual([503, 503, 200]);
  });
});
