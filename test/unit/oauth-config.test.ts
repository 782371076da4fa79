/** The JWT settings of hosted mode (MCP_HTTP_AUTH_*): what they accept, and what they need beside them. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";

const creds = { CYCLR_CLIENT_ID: "id", CYCLR_CLIENT_SECRET: "secret-value" };
/** The pages' sign-in, which an issuer turns on by default, with its client. */
const PAGES = { MCP_HTTP_PAGE_CLIENT_ID: "cyclr-mcp-pages", MCP_HTTP_PAGE_CLIENT_SECRET: "page-client-secret" };
const SECRET = "0123456789abcdef0123456789abcdef";

function http(argv: string[], env: Record<string, string> = {}) {
  const command = loadConfig(["--http", ...argv], { ...creds, ...env });
  if (command.kind !== "run") throw new Error(`expected run, got ${command.kind}`);
  return command.config.http;
}

describe("MCP_HTTP_AUTH_*", () => {
  it("reads the issuer as written (it is compared with iss), the JWKS URL, the audience, the account claim and the unpinned opt-in", () => {
    expect(http([], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com/realms/acme", ...PAGES })?.jwt).toEqual({
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
        "--page-sign-in",
        "off",
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
    expect(http([], { MCP_HTTP_AUTH_ISSUER: "http://127.0.0.1:8080", ...PAGES })?.jwt?.signer).toMatchObject({ issuer: "http://127.0.0.1:8080" });
    expect(() => http([], { MCP_HTTP_AUTH_ISSUER: "http://auth.example.com" })).toThrow(/MCP_HTTP_AUTH_ISSUER \(--http-auth-issuer\) must use https/);
  });

  it("lets a non-loopback host start with an issuer or a secret instead of static tokens, given the public URL its tokens are issued for", () => {
    const outside = ["--host", "0.0.0.0", "--allowed-hosts", "mcp.example.com"];
    expect(() => http(outside)).toThrow(/MCP_HTTP_TOKENS \(--http-tokens\), MCP_HTTP_AUTH_ISSUER \(--http-auth-issuer\) or MCP_HTTP_AUTH_JWT_SECRET/);
    expect(() => http(outside, { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com" })).toThrow(/needs CYCLR_MCP_PUBLIC_URL/);
    expect(() => http(outside, { MCP_HTTP_AUTH_JWT_SECRET: SECRET })).toThrow(/needs CYCLR_MCP_PUBLIC_URL/);
    expect(http(outside, { MCP_HTTP_AUTH_JWT_SECRET: SECRET, MCP_HTTP_AUTH_AUDIENCE: "cyclr-mcp" })?.jwt?.audience).toBe("cyclr-mcp");
    expect(http([...outside, "--public-url", "https://mcp.example.com"], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com", ...PAGES })?.jwt?.signer.kind).toBe("issuer");
  });

  it("refuses a JWKS URL without an issuer, and the audience or the opt-in without any JWTs", () => {
    expect(() => http(["--http-auth-jwks-url", "https://auth.example.com/keys"])).toThrow(/needs MCP_HTTP_AUTH_ISSUER/);
    expect(() => http(["--http-auth-audience", "x"])).toThrow(/MCP_HTTP_AUTH_AUDIENCE \(--http-auth-audience\) needs MCP_HTTP_AUTH_ISSUER/);
    expect(() => http(["--http-auth-allow-unpinned"])).toThrow(/MCP_HTTP_AUTH_ALLOW_UNPINNED/);
  });
});

describe("who may fill a link's page (MCP_HTTP_PAGE_*, MCP_HTTP_LINKS_FOR_OTHERS)", () => {
  it("with an issuer, signs the person in on the pages by default, and will not start without the pages' client", () => {
    expect(() => http([], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com" })).toThrow(
      /redirect URI CYCLR_MCP_PUBLIC_URL \+ \/credentials\/signed-in.*MCP_HTTP_PAGE_CLIENT_ID \(--page-client-id\).*MCP_HTTP_PAGE_SIGN_IN=off/,
    );
    expect(http([], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com", ...PAGES })).toMatchObject({
      pageSignIn: { issuer: "https://auth.example.com", clientId: "cyclr-mcp-pages", clientSecret: "page-client-secret" },
      linksForOthers: false,
    });
    // A public client: PKCE alone.
    expect(http([], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com", MCP_HTTP_PAGE_CLIENT_ID: "pages" })?.pageSignIn).toEqual({ issuer: "https://auth.example.com", clientId: "pages" });
  });

  it("lets the operator turn the pages' sign-in off, and then wants no client for it", () => {
    expect(http([], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com", MCP_HTTP_PAGE_SIGN_IN: "off" })?.pageSignIn).toBeUndefined();
    expect(() => http([], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com", MCP_HTTP_PAGE_SIGN_IN: "off", ...PAGES })).toThrow(/MCP_HTTP_PAGE_SIGN_IN=off/);
    expect(() => http([], { MCP_HTTP_AUTH_ISSUER: "https://auth.example.com", MCP_HTTP_PAGE_SIGN_IN: "maybe" })).toThrow(/MCP_HTTP_PAGE_SIGN_IN \(--page-sign-in\) must be on or off/);
  });

  it("refuses the pages' sign-in settings without an issuer (a shared JWT secret has no one to sign people in)", () => {
    expect(() => http([], PAGES)).toThrow(/MCP_HTTP_PAGE_CLIENT_ID \(--page-client-id\) needs MCP_HTTP_AUTH_ISSUER/);
    expect(() => http([], { MCP_HTTP_AUTH_JWT_SECRET: SECRET, MCP_HTTP_PAGE_SIGN_IN: "on" })).toThrow(/MCP_HTTP_PAGE_SIGN_IN \(--page-sign-in\) needs MCP_HTTP_AUTH_ISSUER/);
    expect(http([], { MCP_HTTP_AUTH_JWT_SECRET: SECRET })?.pageSignIn).toBeUndefined();
  });

  it("makes links for another person only when the operator turns them on", () => {
    expect(http([])?.linksForOthers).toBe(false);
    expect(http(["--links-for-others"])?.linksForOthers).toBe(true);
    expect(http([], { MCP_HTTP_LINKS_FOR_OTHERS: "1", MCP_HTTP_AUTH_ISSUER: "https://auth.example.com", ...PAGES })).toMatchObject({ linksForOthers: true, pageSignIn: { clientId: "cyclr-mcp-pages" } });
  });
});
