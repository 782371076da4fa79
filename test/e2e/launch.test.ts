/**
 * The hand-off to Cyclr's own pages (LAUNCH, the Marketplace), followed as the person does it: the
 * chat stops where it cannot go on, get_cycle offers a LAUNCH link and says why, the person opens it
 * (Chromium) and finishes there, and the nextStep reads the account's cycles and finds the running
 * one. Then the guards: an account that does not exist is not created, the link is the person's
 * alone (nothing of the server opens it, no log line shows it), --read-only hides both tools, a
 * client with URL elicitation opens it; hosted, both scopes are needed, a pinned session asks for its
 * own account only, and the one call to Cyclr goes with the partner's token. Against the built CLI and
 * the sandbox over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { SignJWT } from "jose";
import type { Browser } from "playwright-core";
import { approveOAuthLink, finishLaunch, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { launchChromium } from "../browser.js";
import { modernRequest, rawRequest, sandboxEnv, spawnHttpServer, spawnServer, structured, text, type HttpServerUnderTest, type ServerUnderTest } from "../helpers.js";

const NAV_TO_SLACK = "d29f6a0c-5e83-4b17-a6c4-8f0b3e9d2a51";
const ZENDESK_TO_SLACK = "b52e7c04-91d3-4f6a-8e2b-6a7c0d9e1f33";

let sandbox: Sandbox;
let server: ServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_MARKETPLACE_ID: String(sandbox.marketplaceId) }) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const call = async (tool: string, args: Record<string, unknown>) => structured(await server.call(tool, args));
const tokenOf = (url: string) => new URL(url).searchParams.get("token") ?? "";
const opensOf = () => sandbox.requests.filter((r) => r.path === "/account/signinwithtoken").length;

describe("where the chat cannot finish, LAUNCH does", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("get_cycle offers the LAUNCH link and says why; the person finishes in Chromium; the nextStep finds the cycle running", async () => {
    const installed = await call("install_template", { templateId: NAV_TO_SLACK });
    // The person had signed in to Slack in the chat already.
    const slack = installed.setup.connectors.find((c: { name: string }) => c.name === "Slack").accountConnectorId;
    await approveOAuthLink(structured(await server.call("create_oauth_link", { accountConnectorId: slack, cycleId: installed.cycleId })).url, "approve");

    // Dynamics NAV (Kerberos) has no API flow: the chat cannot finish, and says so.
    const stuck = await call("get_cycle", { cycleId: installed.cycleId });
    expect(stuck.setup.state).toBe("needs_connectors");
    expect(stuck.setup.nextStep).toMatchObject({ tool: "create_launch_link", arguments: { accountId: sandbox.accountId, tags: ["erp", "chat"] } });
    expect(stuck.setup.nextStep.instruction).toMatch(/^Microsoft Dynamics NAV cannot be signed in through this chat: its method has no API flow\. Cyclr's own LAUNCH page can/);
    expect(stuck.setup.nextStep.instruction).toContain('pick "Dynamics NAV orders to Slack"');

    const posted = sandbox.requests.length;
    const link = await call("create_launch_link", stuck.setup.nextStep.arguments);
    expect(link).toMatchObject({ accountId: sandbox.accountId, singleUse: true, validForMinutes: 5, start: true, runOnce: false, nextStep: { tool: "list_templates", arguments: { accountId: sandbox.accountId, tags: ["erp", "chat"] } } });
    // LAUNCH offers both templates with one of the tags (erp, then chat), each with the account's cycles of it now.
    expect(link.templates).toEqual([
      { id: NAV_TO_SLACK, name: "Dynamics NAV orders to Slack", cycles: [{ cycleId: installed.cycleId, status: "Paused" }] },
      { id: ZENDESK_TO_SLACK, name: "Zendesk urgent tickets to Slack" },
    ]);
    expect(Date.parse(link.expiresAtUtc) - Date.now()).toBeGreaterThan(4 * 60_000);
    const launch = sandbox.requests.slice(posted).find((r) => r.path === `/v1.0/accounts/${sandbox.accountId}/launch`);
    expect(launch?.json).toEqual({ Tags: ["erp", "chat"], Start: true, RunOnce: false, InlineOAuth: true });
    // The link is the person's: nothing of the server opened it.
    expect(sandbox.launchLink(tokenOf(link.url))).toMatchObject({ kind: "launch", opened: false });
    expect(opensOf()).toBe(0);

    const page = await browser.newPage();
    try {
      await page.goto(link.url);
      await page.getByRole("button", { name: "Dynamics NAV orders to Slack" }).click();
      await expect.poll(() => page.textContent("h1")).toBe("Set up Dynamics NAV orders to Slack");
      // Slack was connected in the chat: LAUNCH reuses it; Dynamics NAV is signed in on LAUNCH's screen.
      expect(await page.textContent("body")).toContain("Slack: already connected.");
      await page.getByLabel("Sign in to Microsoft Dynamics NAV").check();
      await page.getByLabel("Microsoft Dynamics NAV: Server URL").fill("https://nav.acme.test:7047");
      await page.getByLabel("Post message: Channel").selectOption({ label: "#sales" });
      await page.getByRole("button", { name: "Install and start" }).click();
      await expect.poll(() => page.textContent("#outcome")).toContain("Dynamics NAV orders to Slack is running");
    } finally {
      await page.close();
    }
    // Spent when first opened.
    expect((await fetch(link.url)).status).toBe(403);

    const listed = await call(link.nextStep.tool, link.nextStep.arguments);
    const nav = listed.templates[0];
    expect(nav).toMatchObject({ id: NAV_TO_SLACK, cycles: [{ status: "Active" }, { cycleId: installed.cycleId, status: "Paused" }] });
    const launched: string = nav.cycles[0].cycleId;
    expect(link.templates[0].cycles.map((c: { cycleId: string }) => c.cycleId)).not.toContain(launched);
    expect(listed.nextStep).toMatchObject({ tool: "get_cycle", arguments: { cycleId: launched } });
    const running = await call("get_cycle", listed.nextStep.arguments);
    expect(running).toMatchObject({ cycleId: launched, status: "Active", setup: { state: "active" } });
    expect(sandbox.cycle(sandbox.accountId, launched)?.steps[1]?.parameters[0]).toMatchObject({ Name: "Channel", Value: "C0SALES22" });
    // LAUNCH took the connector the chat had installed (the template's Existing Installation), now signed in, its property set.
    const navConnector = running.setup.connectors[0];
    expect(navConnector).toMatchObject({ name: "Microsoft Dynamics NAV", ready: true, accountConnectorId: installed.setup.connectors[0].accountConnectorId });
    expect(sandbox.accountConnector(sandbox.accountId, navConnector.accountConnectorId)).toMatchObject({ Authenticated: true, Properties: [expect.objectContaining({ Name: "ServerUrl", Value: "https://nav.acme.test:7047" })] });

    // A bearer token: no log line shows it, in any encoding.
    const token = tokenOf(link.url);
    for (const form of [token, encodeURIComponent(token), link.url]) expect(server.stderr()).not.toContain(form);
  });
});

describe("the Marketplace", () => {
  it("takes its id from the setting; the person installs there; list_templates with installed finds the new, running cycle", async () => {
    await call("install_template", { templateId: "7ad2265e-2ff0-477b-b913-cae1dfde2ea8" });
    const link = await call("create_marketplace_link", {});
    expect(link).toMatchObject({ marketplaceId: sandbox.marketplaceId, cycleCount: 3, nextStep: { tool: "list_templates", arguments: { installed: true } } });
    expect(sandbox.launchLink(tokenOf(link.url))).toMatchObject({ kind: "marketplace", opened: false });

    const finished = await finishLaunch(link.url, { integration: "Zendesk urgent tickets to Slack", values: { "Zendesk: Subdomain": "acme", "Post message: Channel": "#support" } });
    expect(finished).toMatchObject({ status: 200, result: { templateId: ZENDESK_TO_SLACK, status: "Active" } });
    const listed = await call(link.nextStep.tool, link.nextStep.arguments);
    // Only templates the account has cycles of, the newest first.
    expect(listed.templates.map((t: { id: string }) => t.id)).toEqual([ZENDESK_TO_SLACK, "7ad2265e-2ff0-477b-b913-cae1dfde2ea8", NAV_TO_SLACK]);
    expect(listed.nextStep).toMatchObject({ tool: "get_cycle", arguments: { cycleId: finished.result?.cycleId } });
    expect(link.cycles.map((c: { cycleId: string }) => c.cycleId)).not.toContain(finished.result?.cycleId);
  });

  it("a Marketplace Cyclr does not know is named, with where to find the right id", async () => {
    const refused = await server.call("create_marketplace_link", { marketplaceId: 99 });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("Marketplace 99 was not found");
    expect(text(refused)).toContain("Embedding > Marketplace");
  });
});

describe("guards", () => {
  it("an account that does not exist is named and not created: these calls would create it", async () => {
    const before = sandbox.requests.length;
    for (const [tool, args] of [
      ["create_launch_link", { accountId: "no-such-customer", tags: ["crm"] }],
      ["create_marketplace_link", { accountId: "no-such-customer" }],
    ] as const) {
      const refused = await server.call(tool, args);
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain('Account "no-such-customer" does not exist');
    }
    const sent = sandbox.requests.slice(before);
    expect(sent.filter((r) => r.method === "POST")).toEqual([]);
    expect((await call("list_accounts", { query: "no-such-customer" })).accounts ?? []).toEqual([]);
  });

  it("tags no template has are refused before any link is made", async () => {
    const before = sandbox.requests.length;
    const refused = await server.call("create_launch_link", { tags: ["no-such-tag"] });
    expect(text(refused)).toContain('No template has the tag "no-such-tag": LAUNCH would offer nothing');
    const none = await server.call("create_launch_link", { tags: [] });
    expect(none.isError).toBe(true);
    expect(text(none)).toMatch(/tags/);
    expect(sandbox.requests.slice(before).filter((r) => r.method === "POST")).toEqual([]);
  });

  it("--read-only offers neither tool", async () => {
    const readOnly = await spawnServer({ env: sandboxEnv(sandbox), args: ["--read-only"] });
    try {
      const names = (await readOnly.client.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain("create_launch_link");
      expect(names).not.toContain("create_marketplace_link");
      // A tool not offered does not exist for this client: the protocol's -32602 (unknown tool).
      await expect(readOnly.call("create_launch_link", { tags: ["crm"] })).rejects.toMatchObject({ code: -32602 });
    } finally {
      await readOnly.close();
    }
  });

  it("a client with URL elicitation is asked to open the link for the person: the link stays out of the result, unopened until they do", async () => {
    const asked: ElicitRequest["params"][] = [];
    const withUrls = await spawnServer({
      env: sandboxEnv(sandbox),
      capabilities: { elicitation: { url: {} } },
      prepare: (client) =>
        client.setRequestHandler(ElicitRequestSchema, async (request) => {
          asked.push(request.params);
          return { action: "accept" };
        }),
    });
    try {
      const link = structured(await withUrls.call("create_launch_link", { tags: ["helpdesk"] }));
      expect(link.openedByClient).toBe("accepted");
      expect(link.url).toBeUndefined();
      const params = asked[0] as { mode: string; url: string; message: string };
      expect(params).toMatchObject({ mode: "url", message: "Set up Zendesk urgent tickets to Slack on the integration page." });
      expect(sandbox.launchLink(tokenOf(params.url))).toMatchObject({ opened: false, tags: ["helpdesk"] });
    } finally {
      await withUrls.close();
    }
  });
});

describe("hosted", () => {
  const SECRET = "partner-shared-secret-0123456789abcdef";
  let hosted: HttpServerUnderTest;
  beforeAll(async () => {
    hosted = await spawnHttpServer({ env: sandboxEnv(sandbox, { MCP_HTTP_AUTH_JWT_SECRET: SECRET, CYCLR_LOG_FORMAT: "json" }) });
  });
  afterAll(() => hosted?.stop());

  const mint = (scope: string) =>
    new SignJWT({ scope, cyclr_account: "umbrella-9001", azp: "acme-app" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("integrator-7")
      .setAudience(hosted.url)
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(SECRET));
  const connect = async (token: string) => {
    const client = new Client({ name: "launch-hosted", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(hosted.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    return client;
  };
  const rawCall = (token: string, name: string, args: Record<string, unknown>) =>
    rawRequest(hosted.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}`, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name, arguments: args } }),
    });

  it("needs cyclr:cycles and cyclr:write; a pinned session asks for its own account only; the link is made with the partner's token after a check with its own", async () => {
    const before = sandbox.requests.length;
    for (const [scope, missing] of [
      ["cyclr:read cyclr:cycles", "cyclr:write"],
      ["cyclr:read cyclr:write", "cyclr:cycles"],
    ] as const) {
      const token = await mint(scope);
      const client = await connect(token);
      const offered = (await client.listTools()).tools.map((t) => t.name);
      expect(offered).not.toContain("create_launch_link");
      expect(offered).not.toContain("create_marketplace_link");
      await client.close();
      const refused = await rawCall(token, "create_launch_link", { tags: ["crm"] });
      expect(refused.status).toBe(403);
      expect(refused.headers["www-authenticate"]).toBe(`Bearer error="insufficient_scope", scope="${missing}"`);
    }
    expect(sandbox.requests.slice(before).filter((r) => r.method === "POST" && r.path.startsWith("/v1.0/"))).toEqual([]);

    const integrator = await connect(await mint("cyclr:read cyclr:write cyclr:cycles"));
    const elsewhere = (await integrator.callTool({ name: "create_launch_link", arguments: { accountId: "acme-sandbox", tags: ["crm"] } })) as CallToolResult;
    expect(text(elsewhere)).toContain("pinned to account umbrella-9001");
    const start = sandbox.requests.length;
    const link = structured((await integrator.callTool({ name: "create_launch_link", arguments: { tags: ["crm"] } })) as CallToolResult);
    expect(link.accountId).toBe("umbrella-9001");
    const sent = sandbox.requests.slice(start);
    const scopeOf = (path: string) => {
      const request = sent.find((r) => r.path === path);
      return request && sandbox.accessTokenScope((request.headers.authorization ?? "").replace(/^Bearer /, ""));
    };
    // The account was read with the session's own token, restricted to it; the link was made with the partner's.
    expect(scopeOf("/v1.0/accounts/umbrella-9001")).toBe("umbrella-9001");
    expect(scopeOf("/v1.0/accounts/umbrella-9001/launch")).toBe("partner");
    expect(sent.map((r) => r.path).indexOf("/v1.0/accounts/umbrella-9001")).toBeLessThan(sent.map((r) => r.path).indexOf("/v1.0/accounts/umbrella-9001/launch"));
    await integrator.close();

    const lines = hosted
      .stderr()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const audit = lines.filter((line) => line.msg === "audit" && line.tool === "create_launch_link");
    expect(audit.map((line) => [line.outcome, line.account])).toEqual([
      ["insufficient_scope", "umbrella-9001"],
      ["insufficient_scope", "umbrella-9001"],
      ["INVALID_INPUT", "umbrella-9001"],
      ["ok", "umbrella-9001"],
    ]);
    const token = tokenOf(link.url);
    for (const form of [token, encodeURIComponent(token)]) expect(hosted.stderr()).not.toContain(form);
  });

  it("a 2026-07-28 client asked to open the link calls again with the answer: the link is made once, and stays out of both answers", async () => {
    const bearer = { authorization: `Bearer ${await mint("cyclr:read cyclr:write cyclr:cycles")}` };
    const made = () => sandbox.requests.filter((r) => r.method === "POST" && r.path === "/v1.0/accounts/umbrella-9001/launch").length;
    const before = made();
    const options = { headers: bearer, capabilities: { elicitation: { url: {} } } };
    const first = await modernRequest(hosted.url, "tools/call", { name: "create_launch_link", arguments: { tags: ["helpdesk"] } }, options);
    expect(first.message.result).toMatchObject({ resultType: "input_required", inputRequests: { "ask-1": { method: "elicitation/create", params: { mode: "url" } } } });
    const asked = (first.message.result?.inputRequests as Record<string, { params: { url: string } }>)["ask-1"]!.params.url;
    expect(made()).toBe(before + 1);
    // What travels through the client to the next round carries no token.
    const state = first.message.result?.requestState as string;
    expect(state).not.toContain(tokenOf(asked));
    expect(state).not.toContain(encodeURIComponent(tokenOf(asked)));

    const second = await modernRequest(
      hosted.url,
      "tools/call",
      { name: "create_launch_link", arguments: { tags: ["helpdesk"] } },
      { ...options, inputResponses: { "ask-1": { action: "accept" } }, requestState: state },
    );
    expect(second.message.result).toMatchObject({ resultType: "complete", structuredContent: { openedByClient: "accepted", templates: [{ name: "Zendesk urgent tickets to Slack" }] } });
    expect(second.message.result?.structuredContent).not.toHaveProperty("url");
    expect(JSON.stringify(second.message.result)).not.toContain(tokenOf(asked));
    expect(made()).toBe(before + 1);
    expect(sandbox.launchLink(tokenOf(asked))).toMatchObject({ opened: false });
  });

  it("Cyclr refuses such a link to an account-restricted token (the sandbox, as Cyclr's docs warn)", async () => {
    const restricted = sandbox.issueAccessToken({ accountId: "umbrella-9001" });
    const answer = await fetch(`${sandbox.url}/v1.0/accounts/umbrella-9001/launch`, {
      method: "POST",
      headers: { authorization: `Bearer ${restricted}`, "content-type": "application/json" },
      body: JSON.stringify({ Tags: ["crm"] }),
    });
    expect(answer.status).toBe(403);
  });
});
