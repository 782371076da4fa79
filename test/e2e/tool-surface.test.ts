/**
 * The tool surface is a reviewed artifact: each tool's name, description, schemas and annotations,
 * as a client lists them, are kept in test/__toolsnaps__. CI fails on drift or a missing snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServer, type ServerUnderTest } from "../helpers.js";

const TOOL_NAMES = [
  "list_accounts",
  "create_account",
  "list_connectors",
  "list_account_connectors",
  "install_connector",
  "set_connector_properties",
  "create_credential_link",
  "authenticate_connector",
  "create_oauth_link",
  "get_account_connector",
  "list_templates",
  "install_template",
  "get_cycle",
  "set_step_value",
  "activate_cycle",
  "pause_cycle",
  "reconnect_connector",
  "remove_account_connector",
];

let server: ServerUnderTest;
beforeAll(async () => {
  server = await spawnServer({ args: ["--sandbox"] });
});
afterAll(async () => server?.close());

describe("tool surface", () => {
  it("lists the design card's tools and the guided-setup ones, in the order of a setup", async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
  });

  it.each(TOOL_NAMES)("%s has a description, schemas and all four annotations", async (name) => {
    const { tools } = await server.client.listTools();
    const tool = tools.find((t) => t.name === name);
    expect(tool?.description?.length).toBeGreaterThan(40);
    expect(tool?.outputSchema?.type).toBe("object");
    const annotations = tool?.annotations ?? {};
    for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
      expect(typeof annotations[hint]).toBe("boolean");
    }
    expect(annotations.readOnlyHint).toBe(name.startsWith("list_") || name.startsWith("get_"));
    // Every argument is described for the assistant.
    for (const [arg, schema] of Object.entries((tool?.inputSchema.properties ?? {}) as Record<string, { description?: string }>)) {
      expect(schema.description, `${name}.${arg}`).toBeTruthy();
    }
    await expect(JSON.stringify(tool, null, 2)).toMatchFileSnapshot(`../__toolsnaps__/${name}.snap`);
  });
});
