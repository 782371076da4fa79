/** The OAuth settings of hosted mode: what they accept, and what they need beside them. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

const creds = { CYCLR_CLIENT_ID: "id", CYCLR_CLIENT_SECRET: "secret-value" };

function http(argv: string[], env: Record<string, string> = {}) {
  const command = loadConfig(["--http", ...argv], { ...creds, ...env });
  if (command.kind !== "run") throw new Error(`expected run, got ${command.kind}`);
  return command.config.http;
}

describe("MCP_OAUTH_*", () => {
  it("reads the issuer as written (it is compared with iss), the JWKS URL and the account claim", () => {
    expect(http([], { MCP_OAUTH_ISSUER: "https://auth.example.com/realms/acme" })?.oauth).toEqual({ issuer: "https://auth.example.com/realms/acme", accountClaim: "cyclr_account" });
    expect(http(["--oauth-issuer", "https://auth.example.com/", "--oauth-jwks-url", "https://auth.example.com/keys", "--oauth-account-claim", "https://acme.example/cyclr"])?.oauth).toEqual({
      issuer: "https://auth.example.com/",
      jwksUrl: "https://auth.example.com/keys",
      accountClaim: "https://acme.example/cyclr",
    });
    expect(http([])?.oauth).toBeUndefined();
  });

  it("wants https, except on loopback", () => {
    expect(http([], { MCP_OAUTH_ISSUER: "http://127.0.0.1:8080" })?.oauth?.issuer).toBe("http://127.0.0.1:8080");
    expect(() => http([], { MCP_OAUTH_ISSUER: "http://auth.example.com" })).toThrow(/MCP_OAUTH_ISSUER \(--oauth-issuer\) must use https/);
  });

  it("lets a non-loopback host start with an issuer instead of tokens, given the public URL its tokens are issued for", () => {
    const outside = ["--host", "0.0.0.0", "--allowed-hosts", "mcp.example.com"];
    expect(() => http(outside)).toThrow(/MCP_HTTP_TOKENS \(--http-tokens\) or MCP_OAUTH_ISSUER/);
    expect(() => http(outside, { MCP_OAUTH_ISSUER: "https://auth.example.com" })).toThrow(/needs CYCLR_MCP_PUBLIC_URL/);
    expect(http([...outside, "--public-url", "https://mcp.example.com"], { MCP_OAUTH_ISSUER: "https://auth.example.com" })?.oauth?.issuer).toBe("https://auth.example.com");
  });

  it("refuses a JWKS URL without an issuer", () => {
    expect(() => http(["--oauth-jwks-url", "https://auth.example.com/keys"])).toThrow(/needs MCP_OAUTH_ISSUER/);
  });
});
