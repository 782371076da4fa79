/**
 * Two replicas of the built server on one real Redis and one sandbox, driven by the SDK's Client:
 * nothing a person or an assistant started is lost when the replica that started it is not the
 * one that serves the next request, dies, or when Redis restarts.
 */
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { approveOAuthLink } from "../../src/sandbox/consent-driver.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, modernRequest, rawRequest, sandboxEnv, spawnHttpServer, structured, text, type HttpServerUnderTest } from "../helpers.js";
import { freePort, redisServer, replicasOnRedis, reportMissingRedis, startRedis, type RedisUnderTest } from "../redis.js";

/** Pipedrive: an API key (and a CompanyDomain property) in the sandbox's catalog. */
const PIPEDRIVE = 1001;
const XERO = 1002;

reportMissingRedis("the replica tests (two replicas on Redis)");

describe.skipIf(!redisServer)("two replicas on Redis", () => {
  let sandbox: Sandbox;
  let redis: RedisUnderTest;
  // appendonly: the restart test needs what Redis kept.
  const { deployment, replicas } = replicasOnRedis((started) => ({ sandbox, redis } = started), { appendonly: true });

  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  /** The same link, as a load balancer would send it to the other replica. */
  const on = (replica: HttpServerUnderTest, url: string) => `${replica.origin}${new URL(url).pathname}`;
  const installPipedrive = async (client: Client) =>
    structured(await call(client, "install_connector", { allowDuplicate: true, connectorId: PIPEDRIVE, properties: [{ name: "CompanyDomain", value: "acme" }] }));

  it("a credential link made on A is opened and filled on B, and the wait on A ends", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const installed = await installPipedrive(onA);
    const link = structured(await call(onA, "create_credential_link", { accountConnectorId: installed.accountConnectorId }));
    const waiting = call(onA, "get_account_connector", { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 60 });
    const filled = await fillCredentialPage(on(b, link.url), { apiKey: "key-typed-on-b-0001" });
    expect(filled.status).toBe(200);
    const done = structured(await waiting);
    expect(done).toMatchObject({ authenticated: true, setup: { state: "ready" }, waited: { outcome: "done" } });
    expect(a.stderr() + b.stderr()).not.toContain("key-typed-on-b-0001");
  });

  it("the session that opened the page by URL elicitation on A is told when the person submitted on B", async () => {
    const [a, b] = await deployment();
    const completed: string[] = [];
    const opened: string[] = [];
    const client = new Client({ name: "cyclr-mcp-tests", version: "0.0.0" }, { capabilities: { elicitation: { url: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const params = request.params as { url: string; elicitationId: string };
      opened.push(params.elicitationId);
      setTimeout(() => void fillCredentialPage(on(b, params.url), { apiKey: "elicited-on-b-0001" }), 200);
      return { action: "accept" };
    });
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => void completed.push(notification.params.elicitationId));
    await client.connect(new StreamableHTTPClientTransport(new URL(a.url)));
    try {
      const installed = await installPipedrive(client);
      const link = structured(await call(client, "create_credential_link", { accountConnectorId: installed.accountConnectorId }));
      expect(link.openedByClient).toBe("accepted");
      await expect.poll(() => completed, { timeout: 20_000 }).toEqual(opened);
    } finally {
      await client.close();
    }
  });

  it("the same page submitted on A and B at once writes to Cyclr once; the other sees the used-link page", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const installed = await installPipedrive(onA);
    const link = structured(await call(onA, "create_credential_link", { accountConnectorId: installed.accountConnectorId }));
    // One person, two tabs (or a double click through a load balancer): the form read once, sent to both replicas.
    const form = await fetch(on(a, link.url));
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
    sandbox.clearRequests();
    const submit = (replica: HttpServerUnderTest, key: string) =>
      fetch(on(replica, link.url), {
        method: "POST",
        body: new URLSearchParams({ csrf, apiKey: key }),
        headers: { origin: "null", "sec-fetch-site": "same-origin" },
      }).then(async (response) => ({ status: response.status, html: await response.text() }));
    const answers = await Promise.all([submit(a, "first-key-0001"), submit(b, "second-key-0002")]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 404]);
    expect(answers.find((answer) => answer.status === 404)?.html).toContain("It may have been used already");
    const writes = sandbox.requests.filter((r) => r.method === "PUT" && r.path === `/v1.0/account/connectors/${installed.accountConnectorId}`);
    expect(writes).toHaveLength(1);
  });

  it("an OAuth consent given while A waits ends the wait on A, whichever replica the person's browser reaches", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const installed = structured(await call(onA, "install_connector", { allowDuplicate: true, connectorId: XERO }));
    const link = structured(await call(onA, "create_oauth_link", { accountConnectorId: installed.accountConnectorId }));
    const waiting = call(onA, "get_account_connector", { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 60 });
    const consent = await approveOAuthLink(link.url, "approve");
    expect(consent.status).toBe(302);
    // The landing page the person is sent to, as the load balancer routes it: to B.
    const landing = new URL(consent.location ?? "");
    // Its one-time nonce lets B tell A's wait to look at Cyclr now.
    expect(landing.searchParams.get("step")).toMatch(/^[\w-]{22}$/);
    expect((await rawRequest(on(b, landing.href) + landing.search)).status).toBe(200);
    expect(structured(await waiting)).toMatchObject({ setup: { state: "ready" }, waited: { outcome: "done" } });
    // B knows the browser step A gave out, and that it is over.
    const onB = await b.connect();
    expect(structured(await call(onB, "get_account_connector", { accountConnectorId: installed.accountConnectorId })).setup.state).toBe("ready");
  });

  it("A killed with SIGKILL mid-flow loses nothing: the person finishes on B, and the next call on B sees the connector ready", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const installed = await installPipedrive(onA);
    const link = structured(await call(onA, "create_credential_link", { accountConnectorId: installed.accountConnectorId }));
    await a.kill("SIGKILL");
    expect((await fillCredentialPage(on(b, link.url), { apiKey: "after-the-crash-0001" })).status).toBe(200);
    // The assistant's session died with A: a new one on B.
    const onB = await b.connect();
    const seen = structured(await call(onB, "get_account_connector", { accountConnectorId: installed.accountConnectorId, waitForAuthentication: 30 }));
    expect(seen).toMatchObject({ authenticated: true, setup: { state: "ready" }, waited: { outcome: "done" } });
  });

  it("a session whose replica died answers 404 on the other, so the client starts a new one", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const sessionId = (onA.transport as StreamableHTTPClientTransport).sessionId ?? "";
    expect(sessionId).not.toBe("");
    await a.kill("SIGKILL");
    const answer = await rawRequest(b.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sessionId },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(answer.status).toBe(404);
  });

  it("--stateless: any replica answers any request, and the server asks the client nothing (its answer could reach the other replica)", async () => {
    const [a, b] = await deployment({ args: ["--stateless"] });
    const asked: unknown[] = [];
    const client = new Client({ name: "cyclr-mcp-tests", version: "0.0.0" }, { capabilities: { elicitation: { url: {}, form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return { action: "accept" };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(a.url)));
    try {
      const installed = await installPipedrive(client);
      const link = structured(await call(client, "create_credential_link", { accountConnectorId: installed.accountConnectorId }));
      // The result a client without elicitation gets: the link, for the assistant to give the person.
      expect(link).not.toHaveProperty("openedByClient");
      expect(asked).toEqual([]);
      expect((await fillCredentialPage(on(b, link.url), { apiKey: "stateless-key-0001" })).status).toBe(200);
      const onB = await b.connect();
      expect(structured(await call(onB, "get_account_connector", { accountConnectorId: installed.accountConnectorId })).setup.state).toBe("ready");
    } finally {
      await client.close();
    }
  });

  it("2026-07-28: no session to stick to; the person's answer may reach the other replica, and a replay is refused on both", async () => {
    const [a, b] = await deployment();
    const forms = { capabilities: { elicitation: { form: {} } } };
    const installed = await modernRequest(a.url, "tools/call", { name: "install_connector", arguments: { allowDuplicate: true, connectorId: PIPEDRIVE, properties: [{ name: "CompanyDomain", value: "acme" }] } });
    const accountConnectorId = (installed.message.result?.structuredContent as { accountConnectorId: number }).accountConnectorId;
    const removal = { name: "remove_account_connector", arguments: { accountConnectorId } };
    // Asked on A, answered on B (as a load balancer with no affinity sends it).
    const asked = await modernRequest(a.url, "tools/call", removal, forms);
    expect(asked.message.result).toMatchObject({ resultType: "input_required" });
    const retry = { ...forms, inputResponses: { "ask-1": { action: "accept", content: { decision: "yes" } } }, requestState: asked.message.result?.requestState as string };
    const answered = await modernRequest(b.url, "tools/call", removal, retry);
    expect(answered.message.result).toMatchObject({ structuredContent: { outcome: "removed" } });
    for (const replica of [a, b]) expect((await modernRequest(replica.url, "tools/call", removal, retry)).message.error).toMatchObject({ code: -32602 });
    expect(sandbox.requests.filter((r) => r.method === "DELETE" && r.path.endsWith(`/${accountConnectorId}`))).toHaveLength(1);
  });

  it("one token request and one catalog load serve both replicas", async () => {
    const [a, b] = await deployment();
    sandbox.clearRequests();
    const onA = await a.connect();
    const onB = await b.connect();
    expect(structured(await call(onA, "list_connectors", { query: "salesforce" })).connectors.length).toBeGreaterThan(0);
    expect(structured(await call(onB, "list_connectors", { query: "xero" })).connectors.length).toBeGreaterThan(0);
    const tokenRequests = sandbox.requests.filter((r) => r.method === "POST" && r.path === "/oauth/token");
    const firstCatalogPages = sandbox.requests.filter((r) => r.method === "GET" && r.path === "/v1.0/connectors" && r.query.page === "1");
    expect(tokenRequests).toHaveLength(1);
    expect(firstCatalogPages).toHaveLength(1);
  });

  it("a refresh after a 401 is taken by one replica, and the other uses its token", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const onB = await b.connect();
    structured(await call(onA, "list_account_connectors"));
    structured(await call(onB, "list_account_connectors"));
    sandbox.revokeTokens();
    sandbox.clearRequests();
    const [fromA, fromB] = await Promise.all([call(onA, "list_account_connectors"), call(onB, "list_account_connectors")]);
    expect([fromA.isError, fromB.isError]).toEqual([undefined, undefined]);
    expect(sandbox.requests.filter((r) => r.method === "POST" && r.path === "/oauth/token")).toHaveLength(1);
  });

  it("starts without Redis: /readyz names the store, calls that need it say so, and it recovers by itself when Redis comes", async () => {
    const port = await freePort();
    const env = sandboxEnv(sandbox, { CYCLR_MCP_REDIS_URL: `redis://127.0.0.1:${port}`, CYCLR_MCP_REDIS_PREFIX: `test-${randomUUID()}:` });
    const replica = await spawnHttpServer({ env });
    replicas.push(replica);
    const ready = await rawRequest(`${replica.origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: "not ready", store: "Redis is unreachable" });
    const client = await replica.connect();
    const installed = await installPipedrive(client);
    const refused = await call(client, "create_credential_link", { accountConnectorId: installed.accountConnectorId });
    expect(text(refused)).toMatch(/shared store \(Redis\) cannot be used just now.*Try again in a minute/);
    const late = await startRedis({ port });
    try {
      await expect.poll(async () => (await rawRequest(`${replica.origin}/readyz`)).status, { timeout: 15_000 }).toBe(200);
      expect(structured(await call(client, "create_credential_link", { accountConnectorId: installed.accountConnectorId })).url).toContain("/credentials/");
    } finally {
      await replica.stop();
      await late.close();
    }
  });

  it("Redis lost mid-call (frozen: connections open, nothing answered): a clear error, no crash, no hang; then it goes on", async () => {
    const [a] = await deployment();
    const onA = await a.connect();
    const installed = await installPipedrive(onA);
    redis.pause();
    try {
      const refused = await call(onA, "create_credential_link", { accountConnectorId: installed.accountConnectorId });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/shared store \(Redis\) cannot be used just now/);
      expect((await rawRequest(`${a.origin}/healthz`)).status).toBe(200);
    } finally {
      redis.resume();
    }
    expect(structured(await call(onA, "create_credential_link", { accountConnectorId: installed.accountConnectorId })).url).toContain("/credentials/");
  }, 40_000);

  it("with Redis stopped the replicas say so, and a link given out before works once Redis is back (appendonly)", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const installed = await installPipedrive(onA);
    const link = structured(await call(onA, "create_credential_link", { accountConnectorId: installed.accountConnectorId }));
    await redis.stop();
    try {
      const ready = await rawRequest(`${a.origin}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toMatchObject({ status: "not ready", store: expect.stringContaining("Redis") });
      const refused = await call(onA, "create_credential_link", { accountConnectorId: installed.accountConnectorId });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/shared store \(Redis\) cannot be used just now/);
      expect((await rawRequest(on(b, link.url))).status).toBe(503);
    } finally {
      await redis.start();
    }
    await expect.poll(async () => (await rawRequest(`${b.origin}/readyz`)).status, { timeout: 15_000 }).toBe(200);
    expect((await fillCredentialPage(on(b, link.url), { apiKey: "after-the-restart-0001" })).status).toBe(200);
    expect(structured(await call(onA, "get_account_connector", { accountConnectorId: installed.accountConnectorId })).setup.state).toBe("ready");
  });
});
