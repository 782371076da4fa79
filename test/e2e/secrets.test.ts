/**
 * One redactor for every secret: a session that handles each kind (client secret, bearer tokens, an
 * API key at install, in the chat and on a credential page, a Basic password, sensitive properties,
 * sign-in and credential-link tokens, a key that Cyclr echoes in an error) and then looks for every
 * one of them in what the assistant received and in the server's debug log.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink } from "../../src/sandbox/consent-driver.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fillCredentialPage, sandboxEnv, spawnServer, structured, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;
const results: CallToolResult[] = [];
/** Links the person must receive: their one-time tokens are allowed in these fields only. */
const links: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_LOG_LEVEL: "debug" }) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = await server.call(name, args);
  results.push(result);
  return result;
}

const PERSON = {
  installKey: "audit-install-key-01",
  chatUser: "audit-user@acme.test",
  chatPassword: "audit-chat-pass-01",
  pageKey: "audit-page-key-01",
  pagePassword: "audit-sugar-pass-01",
  chatClientSecret: "audit-client-secret-01",
  echoedKey: "audit-echo-key-01",
};

describe("every secret goes through the one redactor", () => {
  it("runs a session that handles each kind of secret", async () => {
    await call("install_connector", { allowDuplicate: true, connectorId: 1001, authValue: PERSON.installKey, properties: [{ name: "CompanyDomain", value: "acme" }] });

    const zendesk = structured(await call("install_connector", { allowDuplicate: true, connectorId: 1009, properties: [{ name: "Subdomain", value: "acme" }] }));
    await call("authenticate_connector", { accountConnectorId: zendesk.accountConnectorId, username: PERSON.chatUser, password: PERSON.chatPassword });

    const pipedrive = structured(await call("install_connector", { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] }));
    const keyLink = structured(await call("create_credential_link", { accountConnectorId: pipedrive.accountConnectorId }));
    links.push(keyLink.url);
    expect((await fillCredentialPage(keyLink.url, { apiKey: PERSON.pageKey })).status).toBe(200);

    const sugar = structured(await call("install_connector", { allowDuplicate: true, connectorId: 1005, properties: [{ name: "Domain", value: "acme.sugarcrm.eu" }, { name: "Username", value: "ana" }] }));
    const passwordLink = structured(await call("create_credential_link", { accountConnectorId: sugar.accountConnectorId }));
    links.push(passwordLink.url);
    expect((await fillCredentialPage(passwordLink.url, { "property:Password": PERSON.pagePassword })).status).toBe(200);
    const oauth = structured(await call("create_oauth_link", { accountConnectorId: sugar.accountConnectorId }));
    links.push(oauth.url);
    await approveOAuthLink(oauth.url, "approve");
    await call("get_account_connector", { accountConnectorId: sugar.accountConnectorId, waitForAuthentication: 5 });

    // PayPal: a ClientSecret property flagged sensitive, typed in the chat.
    const paypal = structured(await call("install_connector", { allowDuplicate: true, connectorId: 1031 }));
    await call("set_connector_properties", {
      accountConnectorId: paypal.accountConnectorId,
      properties: [{ name: "ClientSecret", value: PERSON.chatClientSecret }],
    });

    const other = structured(await call("install_connector", { allowDuplicate: true, connectorId: 1001, properties: [{ name: "CompanyDomain", value: "acme" }] }));
    sandbox.failRoute({ method: "PUT", path: /^\/v1\.0\/account\/connectors\/\d+$/, status: 400, body: JSON.stringify({ Message: `Key ${PERSON.echoedKey} is invalid.` }) });
    const refused = await call("authenticate_connector", { accountConnectorId: other.accountConnectorId, apiKey: PERSON.echoedKey });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused)).toContain("[redacted]");
  });

  it("none of them reaches a tool result or the log", () => {
    const bearerTokens = [...new Set(sandbox.requests.flatMap((r) => (r.headers.authorization ? [r.headers.authorization.replace(/^Bearer /, "")] : [])))];
    const linkTokens = links.map((link) => new URL(link).searchParams.get("token") ?? new URL(link).pathname.split("/").pop() ?? "");
    const secrets = [
      sandbox.clientSecret,
      ...bearerTokens,
      ...Object.values(PERSON).filter((value) => value !== PERSON.chatUser),
      Buffer.from(`${PERSON.chatUser}:${PERSON.chatPassword}`).toString("base64"),
      ...linkTokens,
    ];
    expect(bearerTokens.length).toBeGreaterThan(0);
    expect(linkTokens.every((token) => token.length >= 20)).toBe(true);

    // The links themselves are meant for the person: everything else in the results is checked.
    let seen = JSON.stringify(results);
    for (const link of links) seen = seen.split(JSON.stringify(link).slice(1, -1)).join("<link>");
    const log = server.stderr();
    for (const secret of secrets) {
      expect(seen, "a tool result").not.toContain(secret);
      expect(log, "the server's log").not.toContain(secret);
    }
    expect(log).toContain("credential link used");
  });
});
