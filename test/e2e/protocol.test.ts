/**
 * Protocol details that outside clients (the MCP Inspector, the conformance suite, the SDK's own
 * Client) trip on: resource errors, portable output schemas, progress around a wait's result.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveOAuthLink } from "../../src/sandbox/consent-driver.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnServer, structured, type ServerUnderTest } from "../helpers.js";

let sandbox: Sandbox;
let server: ServerUnderTest;
const clientErrors: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox) });
  // Where the SDK's Client reports what it could not handle (a progress notification for an unknown token, say).
  server.client.onerror = (error) => clientErrors.push(error.message);
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

describe("resources/read", () => {
  // -32602 with data { uri } (SEP-2164): what 2026-07-28 requires, and what the SDK answers on every
  // revision; a 2025-11-25 client should also accept it (the spec's -32002 is kept for reading only).
  it("answers -32602 with the uri in data for a resource that does not exist", async () => {
    for (const uri of ["cyclr://no/such/resource", "https://example.com/elsewhere", "cyclr://connectors/424242"]) {
      await expect(server.client.readResource({ uri }), uri).rejects.toMatchObject({ code: -32602, data: { uri } });
    }
  });
});

describe("output schemas", () => {
  it("are portable: no null in a type list, no empty additionalProperties", async () => {
    const { tools } = await server.client.listTools();
    for (const tool of tools) {
      const schema = JSON.stringify(tool.outputSchema);
      expect(schema, tool.name).not.toContain('"null"');
      expect(schema, tool.name).not.toContain('"additionalProperties":{}');
    }
  });
});

describe("a wait that ends with the person finishing", () => {
  it("sends no progress notification after its result: the SDK Client reports no error", async () => {
    const installed = structured(await server.call("install_connector", { connectorId: 1007 }));
    const link = structured(await server.call("create_oauth_link", { accountConnectorId: installed.accountConnectorId }));
    const progress: number[] = [];
    setTimeout(() => void approveOAuthLink(link.url, "approve"), 1_200);
    const result = await server.client.callTool(
      { name: "get_account_connector", arguments: link.setup.nextStep.arguments },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(structured(result as never)).toMatchObject({ waited: { outcome: "done" }, setup: { state: "ready" } });
    // Anything sent after the result would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(progress.length).toBeGreaterThan(0);
    expect(clientErrors).toEqual([]);
  });
});
