import { describe, expect, it } from "vitest";
import { ConnectorSchema } from "../../src/cyclr/schemas.js";
import { ToolInputError } from "../../src/mcp/errors.js";
import { chooseAuthentication } from "../../src/mcp/tools/install-connector.js";

const connector = ConnectorSchema.parse({
  Id: 1,
  Name: "Twin OAuth",
  Authentication: [
    { Id: "a-1", AuthName: "OAuth (EU)", AuthType: "OAuth2", OAuth2Type: "AuthorisationCode" },
    { Id: "a-2", AuthName: "OAuth (US)", AuthType: "OAuth2", OAuth2Type: "AuthorisationCode" },
    { Id: "b-1", AuthName: "Basic", AuthType: "Basic", OAuth2Type: "AuthorisationCode" },
  ],
});

describe("chooseAuthentication", () => {
  it("asks for authenticationId when several methods fit, naming each", () => {
    expect(() => chooseAuthentication(connector, undefined, {})).toThrowError(ToolInputError);
    expect(() => chooseAuthentication(connector, undefined, {})).toThrowError(/pass authenticationId.*"a-1".*"a-2".*"b-1"/);
  });

  it("picks the only method that fits the credentials", () => {
    expect(chooseAuthentication(connector, undefined, { username: "u", password: "p" })?.authenticationId).toBe("b-1");
  });

  it("takes the method asked for", () => {
    expect(chooseAuthentication(connector, "a-2", {})?.name).toBe("OAuth (US)");
  });

  it("uses the connector's only method, or none for a legacy connector", () => {
    const legacy = ConnectorSchema.parse({ Id: 2, Name: "Old", AuthType: "ApiKey", OAuth2Type: "Unknown" });
    expect(chooseAuthentication(legacy, undefined, {})).toEqual({ authType: "ApiKey", oauth2Type: undefined });
  });
});
