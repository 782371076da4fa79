/**
 * Where an OAuth link may end: only the origins the operator allowed (the service domain,
 * CYCLR_OAUTH_TARGET_ORIGINS, hosted: the server's public origin), over stdio and over HTTP.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnHttpServer, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";

const XERO = 1007;
const ALLOWED = "https://app.example.com";

let sandbox: Sandbox;
let server: ServerUnderTest;
let accountConnectorId: number;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_OAUTH_TARGET_ORIGINS: `${ALLOWED},http://localhost:5173` }) });
  accountConnectorId = structured(await server.call("install_connector", { allowDuplicate: true, connectorId: XERO })).accountConnectorId;
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const signInTokens = () => sandbox.requests.filter((r) => r.path === `/v1.0/accounts/${sandbox.accountId}/signintoken`).length;
const targetOf = (result: CallToolResult) => new URL(structured(result).url).searchParams.get("targetOrigin");

describe("create_oauth_link's targetOrigin", () => {
  it.each([
    ["https://evil.example/phish", /targetOrigin has origin https:\/\/evil\.example, which is not an allowed one/],
    ["*", /targetOrigin "\*" is refused/],
    ["javascript:alert(document.domain)", /targetOrigin must be an https URL or origin, not javascript:/],
    ["http://evil.example", /targetOrigin must use https \(plain http only for loopback hosts\)/],
    ["http://app.example.com", /must use https/],
  ])("refuses %s, naming CYCLR_OAUTH_TARGET_ORIGINS and what is allowed, before asking Cyclr for a sign-in token", async (targetOrigin, reason) => {
    const before = signInTokens();
    const result = await server.call("create_oauth_link", { accountConnectorId, targetOrigin, callbackMessage: "done" });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(reason);
    expect(text(result)).toMatch(/CYCLR_OAUTH_TARGET_ORIGINS \(--oauth-target-origins\)/);
    expect(text(result)).toContain(`Allowed origins: ${sandbox.serviceDomainUrl}, ${ALLOWED}, http://localhost:5173`);
    expect(signInTokens()).toBe(before);
  });

  it("accepts a listed origin, and the link carries it", async () => {
    expect(targetOf(await server.call("create_oauth_link", { accountConnectorId, targetOrigin: ALLOWED, callbackMessage: "done" }))).toBe(ALLOWED);
    expect(targetOf(await server.call("create_oauth_link", { accountConnectorId, targetOrigin: "http://localhost:5173" }))).toBe("http://localhost:5173");
  });

  it("accepts a page on a listed origin to redirect to", async () => {
    expect(targetOf(await server.call("create_oauth_link", { accountConnectorId, targetOrigin: `${ALLOWED}/connected?from=cyclr` }))).toBe(`${ALLOWED}/connected?from=cyclr`);
  });

  it("ends by default on this server's own page, which says the connector is connected; with a callbackMessage, on the service domain", async () => {
    const landing = new URL(targetOf(await server.call("create_oauth_link", { accountConnectorId })) ?? "");
    expect(landing.hostname).toBe("127.0.0.1");
    expect(landing.pathname).toBe("/connected");
    expect(landing.searchParams.get("name")).toBe("Xero");
    const page = await fetch(landing);
    expect(page.status).toBe(200);
    // With its nonce, the page also names whose account (from the store, not from the URL).
    expect(await page.text()).toMatch(/<h1 class="ok">Xero is connected<\/h1>\n<dl class="parties" id="parties">[^]*<dt>Cyclr account<\/dt><dd>Acme Sandbox<\/dd>[^]*<\/dl>\n<p>You can close this tab and return to the conversation\.<\/p>/);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'nonce-/);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    // The name comes from the query: escaped, whatever it is.
    const hostile = await fetch(`${landing.origin}/connected?name=${encodeURIComponent("<script>alert(1)</script>")}`);
    expect(await hostile.text()).toContain("&lt;script&gt;alert(1)&lt;/script&gt; is connected");
    const denied = await fetch(`${landing.href}&error=access_denied`);
    expect(await denied.text()).toContain("Xero was not connected");
    expect(targetOf(await server.call("create_oauth_link", { accountConnectorId, callbackMessage: "done" }))).toBe(sandbox.serviceDomainUrl);
  });

  it("the person who approves lands on that page", async () => {
    const url = structured(await server.call("create_oauth_link", { accountConnectorId })).url as string;
    const landed = await approveOAuthLink(url, "approve");
    expect(landed.status).toBe(302);
    expect(landed.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/connected\?name=Xero&step=[\w-]{22}$/);
  });
});

describe("hosted, the server's own public origin is allowed", () => {
  async function linkTarget(env: Record<string, string>, targets: string[]): Promise<{ origin: string; results: CallToolResult[] }> {
    const hosted = await spawnHttpServer({ env: sandboxEnv(sandbox, env) });
    try {
      const client = await hosted.connect();
      const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
      const id = structured(await call("install_connector", { allowDuplicate: true, connectorId: XERO })).accountConnectorId;
      const results: CallToolResult[] = [];
      for (const target of targets) {
        results.push(await call("create_oauth_link", { accountConnectorId: id, ...(target && { targetOrigin: target.replace("{self}", hosted.origin) }) }));
      }
      return { origin: hosted.origin, results };
    } finally {
      await hosted.stop();
    }
  }

  it("the listener's origin when no CYCLR_MCP_PUBLIC_URL is set; not another", async () => {
    const { origin, results } = await linkTarget({}, ["{self}/done", "https://evil.example", ""]);
    expect(targetOf(results[0] as CallToolResult)).toBe(`${origin}/done`);
    // By default, the landing page on the hosted listener.
    expect(targetOf(results[2] as CallToolResult)).toMatch(new RegExp(`^${origin}/connected\\?name=Xero&step=[\\w-]{22}$`));
    expect(text(results[1] as CallToolResult)).toMatch(/not an allowed one.*CYCLR_OAUTH_TARGET_ORIGINS/);
  });

  it("CYCLR_MCP_PUBLIC_URL when set, and then not the listener's origin", async () => {
    const { results } = await linkTarget({ CYCLR_MCP_PUBLIC_URL: "https://mcp.example.com" }, ["https://mcp.example.com/done", "{self}"]);
    expect(targetOf(results[0] as CallToolResult)).toBe("https://mcp.example.com/done");
    expect((results[1] as CallToolResult).isError).toBe(true);
  });
});
