/**
 * Least privilege toward Cyclr, at the client: the operations made for one account ask Cyclr for a
 * token restricted to it (scope=account:{id}), keep it per account, still send X-Cyclr-Account,
 * and cannot reach another account: the sandbox, like Cyclr, refuses the token there (401).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountAccessTokens } from "../../src/cyclr/account-tokens.js";
import { StaticAccessToken } from "../../src/cyclr/access-token.js";
import { CyclrAuthError } from "../../src/cyclr/errors.js";
import type { CyclrConnection } from "../../src/cyclr/index.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { startSandboxWithClient } from "../cyclr-on-sandbox.js";

let sandbox: Sandbox;
let cyclr: CyclrConnection;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ sandbox, connection: cyclr, close } = await startSandboxWithClient());
});
afterAll(() => close?.());

const bearer = (headers: Record<string, string>) => headers.authorization?.replace(/^Bearer /, "") ?? "";

describe("operations restricted to one account", () => {
  it("use a token Cyclr restricted to that account, with X-Cyclr-Account still sent, one token request per account", async () => {
    sandbox.clearRequests();
    const restricted = cyclr.forAccount!(sandbox.accountId);
    await restricted.listAccountConnectors(sandbox.accountId);
    await cyclr.forAccount!(sandbox.accountId).listAccountConnectors(sandbox.accountId);
    const tokenRequests = sandbox.requests.filter((r) => r.path === "/oauth/token");
    expect(tokenRequests).toHaveLength(1);
    const calls = sandbox.requests.filter((r) => r.path !== "/oauth/token");
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.headers["x-cyclr-account"]).toBe(sandbox.accountId);
      expect(sandbox.accessTokenScope(bearer(call.headers))).toBe(sandbox.accountId);
    }
  });

  it("cannot reach another account even when asked to (a bug in pinning): Cyclr refuses the token with 401", async () => {
    const restricted = cyclr.forAccount!(sandbox.accountId);
    const error = await restricted.listAccountConnectors(sandbox.otherAccountId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrAuthError);
    expect((error as CyclrAuthError).status).toBe(401);
    // The partner-wide client can, which is what the restriction takes away.
    await expect(cyclr.client.listAccountConnectors(sandbox.otherAccountId)).resolves.toBeDefined();
  });

  it("share the catalog cache with the partner-wide client (the catalog is the account's)", async () => {
    await cyclr.client.listCatalog(sandbox.accountId);
    sandbox.clearRequests();
    await cyclr.forAccount!(sandbox.accountId).listCatalog(sandbox.accountId);
    expect(sandbox.requests.filter((r) => r.path === "/v1.0/connectors")).toHaveLength(0);
  });
});

describe("AccountAccessTokens", () => {
  it("keeps at most its bound, forgetting the least recently used account", () => {
    let made = 0;
    const tokens = new AccountAccessTokens(() => (made++, new StaticAccessToken("t")), 2);
    const a = tokens.for("a");
    tokens.for("b");
    expect(tokens.for("a")).toBe(a);
    // a was used after b: c's arrival forgets b.
    const c = tokens.for("c");
    expect(tokens.size).toBe(2);
    expect(made).toBe(3);
    expect(tokens.for("a")).toBe(a);
    expect(tokens.for("c")).toBe(c);
    tokens.for("b");
    expect(made).toBe(4);
  });
});
