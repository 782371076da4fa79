/** The CLI as a person runs it: flags, configuration errors, and --sandbox mode over stdio. */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, spawnServer, structured, type ServerUnderTest } from "../helpers.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

function runCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 10_000 });
}

describe("flags and configuration", () => {
  it("prints --version from package.json", () => {
    const run = runCli(["--version"]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it("prints --help with every setting", () => {
    const run = runCli(["--help"]);
    expect(run.status).toBe(0);
    for (const name of ["CYCLR_API_URL", "CYCLR_CLIENT_ID", "CYCLR_CLIENT_SECRET", "CYCLR_ACCESS_TOKEN", "CYCLR_ACCOUNT_ID", "CYCLR_SERVICE_DOMAIN", "CYCLR_SANDBOX", "CYCLR_TIMEOUT_MS", "--sandbox"]) {
      expect(run.stdout).toContain(name);
    }
  });

  it("exits 2 without credentials, saying how to configure or to try --sandbox", () => {
    const run = runCli([]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/CYCLR_CLIENT_ID.*--sandbox/);
    expect(run.stdout).toBe("");
  });

  it("exits 2 on an invalid setting, naming it", () => {
    const run = runCli([], { CYCLR_ACCESS_TOKEN: "x-token", CYCLR_API_URL: "ftp://api.cyclr.com" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/CYCLR_API_URL \(--api-url\)/);
  });
});

describe("stdout carries only the protocol", () => {
  it("answers initialize with JSON-RPC lines and nothing else", async () => {
    const child = spawn(process.execPath, [CLI, "--sandbox", "--log-level", "debug"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const request = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } };
    // A line that is not JSON-RPC is reported on stderr and does not stop the server.
    child.stdin.write("this is not json\n");
    child.stdin.write(`${JSON.stringify(request)}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "list_connectors", arguments: { pageSize: 2 } } })}\n`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer; stdout so far: ${stdout}`)), 10_000);
      child.stdout.on("data", () => {
        if (stdout.split("\n").filter(Boolean).length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.stdin.end();
    const exited = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    const lines = stdout.split("\n").filter(Boolean);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
    expect(JSON.parse(lines[0] ?? "{}").result.serverInfo.name).toBe("cyclr-mcp");
    expect(JSON.parse(lines[1] ?? "{}").result.structuredContent.connectors).toHaveLength(2);
    expect(stderr).toMatch(/protocol error/);
    // Closing stdin ends the server cleanly.
    expect(exited).toBe(0);
  });
});

describe("--sandbox mode", () => {
  let server: ServerUnderTest;
  beforeAll(async () => {
    server = await spawnServer({ args: ["--sandbox"] });
  });
  afterAll(async () => server?.close());

  it("needs no credentials and serves a catalog of at least 40 connectors", async () => {
    const page = structured(await server.call("list_connectors", { pageSize: 100 }));
    expect(page.total).toBeGreaterThanOrEqual(40);
    const authTypes = new Set(page.connectors.flatMap((c: { authTypes: string[] }) => c.authTypes));
    for (const type of ["ApiKey", "Basic", "OAuth1", "OAuth2", "None", "AuthFields"]) expect(authTypes).toContain(type);
  });

  it("gives the assistant the setup order in its instructions", () => {
    const instructions = server.client.getInstructions() ?? "";
    expect(instructions).toMatch(/Find.*list_connectors.*Install.*setup\.nextStep.*"ready"/s);
  });

  it("serves the catalog, one connector and the auth-type table as resources", async () => {
    const resources = await server.client.listResources();
    expect(resources.resources.map((r) => r.uri).sort()).toEqual(["cyclr://connectors", "cyclr://reference/auth-types"]);
    const templates = await server.client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      "cyclr://connectors/{connectorId}",
      "cyclr://accounts/{accountId}/connectors/{accountConnectorId}",
    ]);

    const catalog = await server.client.readResource({ uri: "cyclr://connectors" });
    const catalogText = (catalog.contents[0] as { text: string }).text;
    expect(catalogText).not.toContain("data:image");
    const parsed = JSON.parse(catalogText);
    expect(parsed.count).toBeGreaterThanOrEqual(40);

    const salesforce = parsed.connectors.find((c: { name: string }) => c.name === "Salesforce");
    const detail = JSON.parse(((await server.client.readResource({ uri: `cyclr://connectors/${salesforce.id}` })).contents[0] as { text: string }).text);
    expect(detail.properties).toEqual(expect.arrayContaining([expect.objectContaining({ name: "isSandbox", required: true, allowedValues: ["true", "false"] })]));
    expect(JSON.stringify(detail)).not.toContain("data:image");

    const table = ((await server.client.readResource({ uri: "cyclr://reference/auth-types" })).contents[0] as { text: string }).text;
    for (const word of ["ApiKey", "Basic", "OAuth1", "OAuth2", "None", "AuthFields", "AuthorisationCode", "ClientCredentials", "PasswordCredentials", "12 hours", "Bearer"]) {
      expect(table).toContain(word);
    }
  });

  it("answers an unknown connector resource with an error naming it", async () => {
    await expect(server.client.readResource({ uri: "cyclr://connectors/424242" })).rejects.toThrow(/Connector 424242 was not found/);
  });
});
