/**
 * A link the person has used ends their browser step, whether or not a wait was running when they
 * did, on whichever replica: once the connector is signed out again, the next get_account_connector
 * offers a new link at once, and a wait does not wait for a person who is no longer at a page.
 * One hosted replica (memory), and two replicas of the built server on a real redis-server.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink } from "../../src/sandbox/consent-driver.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, rawRequest, sandboxEnv, spawnHttpServer, structured, type HttpServerUnderTest } from "../helpers.js";
import { redisServer, reportMissingRedis, startRedis, type RedisUnderTest } from "../redis.js";

/** Pipedrive: an API key (and a CompanyDomain property). Xero: an OAuth sign-in. */
const PIPEDRIVE = 1001;
const XERO = 1002;

let sandbox: Sandbox;
let redis: RedisUnderTest | undefined;
const servers: HttpServerUnderTest[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  if (redisServer) redis = await startRedis();
});
afterEach(async () => {
  await Promise.allSettled(servers.splice(0).map((server) => server.stop()));
});
afterAll(async () => {
  await redis?.close();
  await sandbox?.close();
});

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
/** The same link, as a load balancer would send it to another replica. */
const on = (server: HttpServerUnderTest, url: string) => `${server.origin}${new URL(url).pathname}${new URL(url).search}`;

async function oneReplica(): Promise<HttpServerUnderTest> {
  const server = await spawnHttpServer({ env: sandboxEnv(sandbox) });
  servers.push(server);
  return server;
}

async function twoReplicas(): Promise<[HttpServerUnderTest, HttpServerUnderTest]> {
  if (!redis) throw new Error("redis-server is not installed");
  const env = sandboxEnv(sandbox, { CYCLR_MCP_REDIS_URL: redis.url, CYCLR_MCP_REDIS_PREFIX: `test-${randomUUID()}:` });
  const [a, b] = await Promise.all([spawnHttpServer({ env }), spawnHttpServer({ env })]);
  servers.push(a, b);
  return [a, b];
}

/** A credential page made on `made`, filled on `filled` with no wait running, then the connector signed out on `made`. */
async function credentialPageUsedThenSignedOut(made: HttpServerUnderTest, filled: HttpServerUnderTest): Promise<{ client: Client; id: number }> {
  const client = await made.connect();
  const installed = structured(await call(client, "install_connector", { allowDuplicate: true, connectorId: PIPEDRIVE, properties: [{ name: "CompanyDomain", value: "acme" }] }));
  const id: number = installed.accountConnectorId;
  const link = structured(await call(client, "create_credential_link", { accountConnectorId: id }));
  expect((await fillCredentialPage(on(filled, link.url), { apiKey: `typed-${randomUUID()}` })).status).toBe(200);
  expect(structured(await call(client, "reconnect_connector", { accountConnectorId: id, confirm: true })).outcome).toBe("deauthenticated");
  return { client, id };
}

/** An OAuth link made on `made`, the person's browser landing on `landed` with no wait running, then the connector signed out on `made`. */
async function oauthSignInThenSignedOut(made: HttpServerUnderTest, landed: HttpServerUnderTest): Promise<{ client: Client; id: number }> {
  const client = await made.connect();
  const id: number = structured(await call(client, "install_connector", { allowDuplicate: true, connectorId: XERO })).accountConnectorId;
  const link = structured(await call(client, "create_oauth_link", { accountConnectorId: id }));
  const consent = await approveOAuthLink(link.url, "approve");
  expect(consent.status).toBe(302);
  expect((await rawRequest(on(landed, consent.location ?? ""))).status).toBe(200);
  expect(structured(await call(client, "reconnect_connector", { accountConnectorId: id, confirm: true })).outcome).toBe("deauthenticated");
  return { client, id };
}

/** What the assistant is told next: a new link at once, and a wait that does not wait for anyone. */
async function expectNewLinkOffered(client: Client, id: number, tool: "create_credential_link" | "create_oauth_link"): Promise<void> {
  const seen = structured(await call(client, "get_account_connector", { accountConnectorId: id }));
  expect(seen.setup).toMatchObject({ state: "needs_authentication", nextStep: { tool } });
  // An assistant that waits anyway is answered on the first look: no one is at the used link.
  const waited = structured(await call(client, "get_account_connector", { accountConnectorId: id, waitForAuthentication: 60 }));
  expect(waited.waited.outcome).toBe("not_waiting");
  expect(waited.setup.nextStep.tool).toBe(tool);
}

describe("one replica", () => {
  it("a credential page filled with no wait running, then a sign-out: the next get_account_connector offers a new link", async () => {
    const server = await oneReplica();
    const { client, id } = await credentialPageUsedThenSignedOut(server, server);
    await expectNewLinkOffered(client, id, "create_credential_link");
  });

  it("an OAuth sign-in that landed on this server's page with no wait running, then a sign-out: a new sign-in link is offered", async () => {
    const server = await oneReplica();
    const { client, id } = await oauthSignInThenSignedOut(server, server);
    await expectNewLinkOffered(client, id, "create_oauth_link");
  });

  it("a link still unused is still waited for", async () => {
    const server = await oneReplica();
    const client = await server.connect();
    const installed = structured(await call(client, "install_connector", { allowDuplicate: true, connectorId: PIPEDRIVE, properties: [{ name: "CompanyDomain", value: "acme" }] }));
    await call(client, "create_credential_link", { accountConnectorId: installed.accountConnectorId });
    const seen = structured(await call(client, "get_account_connector", { accountConnectorId: installed.accountConnectorId }));
    expect(seen.setup.nextStep).toMatchObject({ tool: "get_account_connector", arguments: { waitForAuthentication: expect.any(Number) } });
  });
});

reportMissingRedis("the spent-link tests on two replicas");

describe.skipIf(!redisServer)("two replicas on Redis", () => {
  it("a credential page made on A and filled on B, then a sign-out: A offers a new link", async () => {
    const [a, b] = await twoReplicas();
    const { client, id } = await credentialPageUsedThenSignedOut(a, b);
    await expectNewLinkOffered(client, id, "create_credential_link");
  });

  it("an OAuth link made on A whose sign-in landed on B, then a sign-out: A offers a new sign-in link", async () => {
    const [a, b] = await twoReplicas();
    const { client, id } = await oauthSignInThenSignedOut(a, b);
    await expectNewLinkOffered(client, id, "create_oauth_link");
  });
});
