import { describe, expect, it } from "vitest";
import { basicAuthValue, buildOAuthLink } from "../../src/setup/auth-values.js";

describe("buildOAuthLink", () => {
  it("URL-encodes every value, tokens with + / = included", () => {
    const url = buildOAuthLink({
      serviceDomain: "https://acme-h.cyclr.com",
      accountConnectorId: 42,
      signInToken: "ab+cd/ef==",
      targetOrigin: "https://app.example.com/done?x=1&y=2",
      callbackMessage: "done & dusted",
    });
    expect(url).toBe(
      "https://acme-h.cyclr.com/connectorauth/updateaccountconnectoroauth?id=42&token=ab%2Bcd%2Fef%3D%3D" +
        "&targetOrigin=https%3A%2F%2Fapp.example.com%2Fdone%3Fx%3D1%26y%3D2&callbackMessage=done%20%26%20dusted",
    );
    const parsed = new URL(url);
    expect(parsed.searchParams.get("token")).toBe("ab+cd/ef==");
    expect(parsed.searchParams.get("callbackMessage")).toBe("done & dusted");
  });

  it("leaves callbackMessage out when not given", () => {
    const url = buildOAuthLink({ serviceDomain: "http://127.0.0.1:1234", accountConnectorId: 1, signInToken: "t", targetOrigin: "example.com" });
    expect(url).toBe("http://127.0.0.1:1234/connectorauth/updateaccountconnectoroauth?id=1&token=t&targetOrigin=example.com");
  });
});

describe("basicAuthValue", () => {
  it("is base64 of username:password with no prefix", () => {
    expect(basicAuthValue("username", "password")).toBe("dXNlcm5hbWU6cGFzc3dvcmQ=");
  });
});
