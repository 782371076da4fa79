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
    expect(resources.resources.map((r) => r.uri).sort()).toEqual(["cyclr://connectors", "cyclr://reference/auth-types", "cyclr://templates"]);
    const templates = await server.client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      "cyclr://connectors/{connectorId}",
      "cyclr://accounts/{accountId}",
      "cyclr://accounts/{accountId}/connectors/{accountConnectorId}",
      "cyclr://templates/{templateId}",
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

describe("commands", () => {
  it("doctor: all checks pass against the sandbox, exit 0", () => {
    const run = runCli(["doctor", "--sandbox"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ok +configuration:/m);
    expect(run.stdout).toMatch(/^ok +Cyclr token endpoint:/m);
    expect(run.stdout).toMatch(/^ok +account: Cyclr answers for account acme-sandbox/m);
    expect(run.stdout).toMatch(/^ok +service domain:/m);
    expect(run.stdout).not.toContain("sandbox-secret-not-for-production");
  });

  it("doctor: says what is wrong and how to fix it, exit 1, never printing the secret", async () => {
    const { startSandbox } = await import("../../src/sandbox/index.js");
    const sandbox = await startSandbox();
    try {
      const run = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, "doctor"], {
          env: {
            PATH: process.env.PATH ?? "",
            CYCLR_API_URL: sandbox.url,
            CYCLR_CLIENT_ID: sandbox.clientId,
            CYCLR_CLIENT_SECRET: "wrong-secret-do-not-print",
            CYCLR_ACCOUNT_ID: sandbox.accountId,
          },
        });
        let stdout = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.on("exit", (status) => resolve({ status, stdout }));
      });
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/^FAIL +Cyclr token endpoint: Cyclr refused the credentials.*CYCLR_CLIENT_ID and CYCLR_CLIENT_SECRET/m);
      expect(run.stdout).toMatch(/^warn +service domain: No CYCLR_SERVICE_DOMAIN/m);
      expect(run.stdout).not.toContain("wrong-secret-do-not-print");
    } finally {
      await sandbox.close();
    }
  });

  it("doctor: a missing configuration is a failed check, exit 1", () => {
    const run = runCli(["doctor"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^FAIL +configuration: No Cyclr credentials/m);
  });

  it("demo: the guided onboarding against the sandbox", () => {
    const run = spawnSync(process.execPath, [CLI, "demo"], { encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      "Done: both connectors are installed and authenticated, Globex's Salesforce-to-Mailchimp integration runs, and Acme's Salesforce is connected again.",
    );
  });

  it("refuses an unknown command or tool name, exit 2", () => {
    expect(runCli(["serve"]).stderr).toMatch(/Unknown command "serve": the commands are doctor, demo, sandbox/);
    const run = runCli(["--sandbox", "--tools", "list_connectors,drop_everything"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/names no such tool: drop_everything/);
  });
});

describe("choosing the tools", () => {
  it("--read-only offers only the tools that change nothing, and no setup prompt", async () => {
    const readOnly = await spawnServer({ args: ["--sandbox", "--read-only"] });
    try {
      const { tools } = await readOnly.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["list_accounts", "list_connectors", "list_account_connectors", "get_account_connector", "list_templates", "get_cycle"]);
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
      expect((await readOnly.client.listResources()).resources.length).toBeGreaterThan(0);
      expect(readOnly.client.getServerCapabilities()?.prompts).toBeUndefined();
      expect(readOnly.client.getInstructions()).toContain("read-only");
      const refused = await readOnly.call("install_connector", { allowDuplicate: true, connectorId: 1001 });
      expect(refused.isError).toBe(true);
    } finally {
      await readOnly.close();
    }
  });

  it("--tools offers only the tools named", async () => {
    const some = await spawnServer({ args: ["--sandbox", "--tools", "list_connectors,get_account_connector"] });
    try {
      expect((await some.client.listTools()).tools.map((t) => t.name)).toEqual(["list_connectors", "get_account_connector"]);
    } finally {
      await some.close();
    }
  });

  it("honours logging/setLevel: tool failures reach the client as log messages at warning and above", async () => {
    const { LoggingMessageNotificationSchema } = await import("@modelcontextprotocol/sdk/types.js");
    const messages: { level: string }[] = [];
    const server = await spawnServer({
      args: ["--sandbox"],
      prepare: (client) => client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params)),
    });
    try {
      await server.client.setLoggingLevel("error");
      await server.call("get_account_connector", { accountConnectorId: 999_999 });
      await server.client.setLoggingLevel("warning");
      await server.call("get_account_connector", { accountConnectorId: 999_998 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(messages).toEqual([expect.objectContaining({ level: "warning", data: expect.objectContaining({ tool: "get_account_connector" }) })]);
    } finally {
      await server.close();
    }
  });
});
