import { describe, expect, it } from "vitest";
import { ConnectorSchema } from "../../src/cyclr/schemas.js";
import { pollDelay } from "../../src/mcp/shared/authentication-wait.js";
import { setupWalkthrough } from "../../src/setup/walkthrough.js";

describe("setupWalkthrough", () => {
  const zendesk = ConnectorSchema.parse({
    Id: 9,
    Name: "Zendesk",
    Description: "Customer service.",
    AuthType: "Basic",
    Parameters: [
      { IsAccountConnectorProperty: true, TargetName: "Subdomain", IsOptional: false, Description: "e.g. acme." },
      { IsAccountConnectorProperty: true, TargetName: "Locale", IsOptional: true },
    ],
  });

  it("names the calls in order, with the connector's id and required properties only", () => {
    const text = setupWalkthrough(zendesk, "acct-1");
    expect(text).toContain('install_connector { connectorId: 9, accountId: "acct-1" }');
    expect(text).toContain("Subdomain: e.g. acme.");
    expect(text).not.toContain("Locale");
    expect(text).toMatch(/create_credential_link \{ accountConnectorId \}/);
    const steps = text.split("\n").filter((line) => /^\d+\. /.test(line)).map((line) => line.split(".")[0]);
    expect(steps).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("never asks for a secret in the chat: the credential link is the way, for keys, passwords and secret properties", () => {
    const pipedrive = ConnectorSchema.parse({
      Id: 1,
      Name: "Pipedrive",
      AuthType: "ApiKey",
      Parameters: [{ IsAccountConnectorProperty: true, TargetName: "ClientSecret", IsOptional: false, IsSensitive: true }],
    });
    for (const text of [setupWalkthrough(zendesk, "a"), setupWalkthrough(pipedrive, "a")]) {
      expect(text).not.toMatch(/ask (the person )?for (their |the )?(API key|username and password|password)/i);
      expect(text).toMatch(/create_credential_link/);
      expect(text).toMatch(/never in the chat/);
    }
    expect(setupWalkthrough(pipedrive, "a")).toMatch(/ClientSecret.*credential link's page, never in the chat/);
  });

  it("says when the connector is a draft", () => {
    expect(setupWalkthrough(ConnectorSchema.parse({ Id: 1, Name: "X", Status: "Draft", AuthType: "None" }), "a")).toMatch(/status is Draft/);
  });
});

describe("pollDelay", () => {
  it("starts at a second and backs off to at most five", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(pollDelay)).toEqual([1000, 1500, 2250, 3375, 5000, 5000, 5000]);
  });
});
