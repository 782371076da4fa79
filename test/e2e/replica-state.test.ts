/**
 * State that every replica must see, not only the one where it arose: a secret typed on a
 * credential page (hidden by the session that gave out the link, wherever the page was served), an
 * install whose answer was lost (found by the next install of it on any replica), and a 401 right
 * after a fresh token (no replica asks Cyclr for yet another token). Two replicas of the built
 * server on one real redis-server and one sandbox.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, structured, text, type HttpServerUnderTest } from "../helpers.js";
import { redisDump, redisServer, replicasOnRedis, reportMissingRedis, type RedisUnderTest } from "../redis.js";

const PIPEDRIVE = 1001;
const INSTALL = `/v1.0/connectors/${PIPEDRIVE}/install`;

reportMissingRedis("the shared-state tests (two replicas on Redis)");

describe.skipIf(!redisServer)("state shared by two replicas on Redis", () => {
  let sandbox: Sandbox;
  let redis: RedisUnderTest;
  const { deployment } = replicasOnRedis((started) => ({ sandbox, redis } = started));

  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const on = (replica: HttpServerUnderTest, url: string) => `${replica.origin}${new URL(url).pathname}`;
  const tokenRequests = (mark: number) => sandbox.requests.slice(mark).filter((r) => r.method === "POST" && r.path === "/oauth/token");

  it("a key typed on a page served by B is hidden from the session on A that gave out the link", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const installed = structured(await call(onA, "install_connector", { allowDuplicate: true, connectorId: PIPEDRIVE, properties: [{ name: "CompanyDomain", value: "acme" }] }));
    const id: number = installed.accountConnectorId;
    const link = structured(await call(onA, "create_credential_link", { accountConnectorId: id }));
    const key = `typed-on-b-${randomUUID()}`;
    expect((await fillCredentialPage(on(b, link.url), { apiKey: key })).status).toBe(200);

    // Cyclr (or a connector behind it) quotes the key back to A, as is and URL-encoded in a longer message.
    const echo = JSON.stringify({ Message: `The key "${key}" was refused by the service (key=${encodeURIComponent(key)}).` });
    await expect
      .poll(async () => {
        sandbox.injectFault({ method: "GET", path: `/v1.0/account/connectors/${id}`, status: 400, body: echo });
        const refused = await call(onA, "get_account_connector", { accountConnectorId: id });
        return { isError: refused.isError, leaked: text(refused).includes(key), redacted: text(refused).includes("[redacted]") };
      }, { timeout: 5_000, interval: 250 })
      .toEqual({ isError: true, leaked: false, redacted: true });
    expect(a.stderr() + b.stderr(), "the logs").not.toContain(key);
    // The store holds no secret: only keyed hashes.
    expect(await redisDump(redis)).not.toContain(key);
  });

  it("an install whose answer was lost on A is found by the next install of it on B, not made twice", { timeout: 40_000 }, async () => {
    // Times out at 1 s, watched until about 2 s; Cyclr makes it at 4 s.
    const [a, b] = await deployment({ env: { CYCLR_TIMEOUT_MS: "1000" } });
    const name = `Pipedrive ${randomUUID()}`;
    sandbox.injectFault({ method: "POST", path: INSTALL, delayMs: 4_000 });
    const mark = sandbox.requests.length;
    const first = await call(await a.connect(), "install_connector", { allowDuplicate: true, connectorId: PIPEDRIVE, name });
    expect(first.isError).toBe(true);
    expect(text(first)).toMatch(/may still be running at Cyclr/);
    await expect.poll(() => installedNamed(name), { timeout: 8_000, interval: 250 }).toHaveLength(1);
    const [late] = await installedNamed(name);

    const again = structured(await call(await b.connect(), "install_connector", { allowDuplicate: true, connectorId: PIPEDRIVE, name }));
    expect(again.accountConnectorId).toBe(late);
    expect(again.note).toMatch(/the earlier install finished late/);
    expect(await installedNamed(name)).toEqual([late]);
    expect(sandbox.requests.slice(mark).filter((r) => r.method === "POST" && r.path === INSTALL)).toHaveLength(1);
  });

  it("a 401 right after a fresh token on A: B, holding that token, asks Cyclr for no other", async () => {
    const [a, b] = await deployment();
    const onA = await a.connect();
    const onB = await b.connect();
    const id: number = structured(await call(onA, "install_connector", { allowDuplicate: true, connectorId: PIPEDRIVE })).accountConnectorId;
    structured(await call(onB, "list_account_connectors"));
    const mark = sandbox.requests.length;

    // Cyclr refuses this account connector whatever the token (the account, or the token's rights, are wrong).
    sandbox.injectFault({ method: "GET", path: `/v1.0/account/connectors/${id}`, status: 401, times: 50, body: JSON.stringify({ Message: "Authorization has been denied for this request." }) });
    const onAFirst = await call(onA, "get_account_connector", { accountConnectorId: id });
    expect(text(onAFirst)).toMatch(/just issued/);
    // A's fresh token is the deployment's now; B takes it up after a 401 of its own elsewhere.
    expect(tokenRequests(mark)).toHaveLength(1);
    sandbox.injectFault({ method: "GET", path: "/v1.0/account/connectors", status: 401 });
    structured(await call(onB, "list_account_connectors"));
    expect(tokenRequests(mark)).toHaveLength(1);

    // B meets the same 401 with the token A saw refused: it knows, and asks for no new token.
    const onBThen = await call(onB, "get_account_connector", { accountConnectorId: id });
    expect(onBThen.isError).toBe(true);
    expect(text(onBThen)).toMatch(new RegExp(`just issued.*account ${sandbox.accountId} \\(sent as X-Cyclr-Account\\)`));
    expect(tokenRequests(mark)).toHaveLength(1);
  });

  /** The account connectors of Pipedrive with this name, as the sandbox holds them. */
  async function installedNamed(name: string): Promise<number[]> {
    const response = await fetch(`${sandbox.url}/v1.0/account/connectors?page=1&pageSize=1000`, {
      headers: { authorization: `Bearer ${sandbox.issueAccessToken()}`, "x-cyclr-account": sandbox.accountId },
    });
    const all = (await response.json()) as { Id: number; Name?: string; Connector: { Id: number } }[];
    return all.filter((ac) => ac.Connector.Id === PIPEDRIVE && ac.Name === name).map((ac) => ac.Id);
  }
});
