/** The JWT settings of hosted mode (MCP_HTTP_AUTH_*): what they accept, and what they need beside them. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";

const creds = { CYCLR_CLIENT_ID: "id", CYCLR_CLIENT_SECRET: "secret-value" };
const SECRET = "0123456789abcdef0123456789abcdef";

function http(argv: string[], env: Record<string, string> = {}) {
  const command = loadConfig(["--http", ...argv], { ...creds, ...env });
  if (command.kind !== "run") throw new Error(`expected run, got ${command.kind}`);
  return command.config.http;
}

describe("MCP_HTTP_AUTH_*", () => {
  it("reads the issuer as written (it is compared with iss), the JWKS URL, the audience, the account claim and the unpinned opt-in", () => {
    expect(http([], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com/realms/acme" })?.jwt).toEqual({
      signer: { kind: "issuer", issuer: "https://auth.example.com/realms/acme" },
      accountClaim: "cyclr_account",
      allowUnpinned: false,
    });
    expect(
      http([
        "--http-auth-issuer",
        "https://auth.example.com/",
        "--http-auth-jwks-url",
        "https://auth.example.com/keys",
        "--http-auth-account-claim",
        "https://acme.example/cyclr",
        "--http-auth-audience",
        "api://cyclr-mcp",
        "--http-auth-allow-unpinned",
      ])?.jwt,
    ).toEqual({
      signer: { kind: "issuer", issuer: "https://auth.example.com/", jwksUrl: "https://auth.example.com/keys" },
      accountClaim: "https://acme.example/cyclr",
      audience: "api://cyclr-mcp",
      allowUnpinned: true,
    });
    expect(http([])?.jwt).toBeUndefined();
  });

  it("takes an HS256 secret of at least 32 bytes instead of an issuer, never both", () => {
    expect(http([], { MCP_HTTP_AUTH_JWT_SECRET: SECRET })?.jwt?.signer).toEqual({ kind: "secret", secret: SECRET });
    expect(() => http([], { MCP_HTTP_AUTH_JWT_SECRET: "too-short-a-secret" })).toThrow(/MCP_HTTP_AUTH_JWT_SECRET \(--http-auth-jwt-secret\) must be at least 32 bytes/);
    expect(() => http([], { MCP_HTTP_AUTH_JWT_SECRET: SECRET, MCP_HTTP_AUTH_ISSUER: "https://auth.example.com" })).toThrow(/keep one/);
  });

  it("wants https, except on loopback", () => {
    expect(http([], { MCP_HTTP_AUTH_ISSUER: "http://127.0.0.1:8080" })?.jwt?.signer).toMatchObject({ issuer: "http://127.0.0.1:8080" });
    expect(() => http([], { MCP_HTTP_AUTH_ISSUER: "http://auth.example.com" })).toThrow(/MCP_HTTP_AUTH_ISSUER \(--http-auth-issuer\) must use https/);
  });

  it("lets a non-loopback host start with an issuer or a secret instead of static tokens, given the public URL its tokens are issued for", () => {
    const outside = ["--host", "0.0.0.0", "--allowed-hosts", "mcp.example.com"];
    expect(() => http(outside)).toThrow(/MCP_HTTP_TOKENS \(--http-tokens\), MCP_HTTP_AUTH_ISSUER \(--http-auth-issuer\) or MCP_HTTP_AUTH_JWT_SECRET/);
    expect(() => http(outside, { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com" })).toThrow(/needs CYCLR_MCP_PUBLIC_URL/);
    expect(() => http(outside, { MCP_HTTP_AUTH_JWT_SECRET: SECRET })).toThrow(/needs CYCLR_MCP_PUBLIC_URL/);
    expect(http(outside, { MCP_HTTP_AUTH_JWT_SECRET: SECRET, MCP_HTTP_AUTH_AUDIENCE: "cyclr-mcp" })?.jwt?.audience).toBe("cyclr-mcp");
    expect(http([...outside, "--public-url", "https://mcp.example.com"], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com" })?.jwt?.signer.kind).toBe("issuer");
  });

  it("refuses a JWKS URL without an issuer, and the audience or the opt-in without any JWTs", () => {
    expect(() => http(["--http-auth-jwks-url", "https://auth.example.com/keys"])).toThrow(/needs MCP_HTTP_AUTH_ISSUER/);
    expect(() => http(["--http-auth-audience", "x"])).toThrow(/MCP_HTTP_AUTH_AUDIENCE \(--http-auth-audience\) needs MCP_HTTP_AUTH_ISSUER/);
    expect(() => http(["--http-auth-allow-unpinned"])).toThrow(/MCP_HTTP_AUTH_ALLOW_UNPINNED/);
  });
});
