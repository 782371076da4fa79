/**
 * The install paths, as a partner's engineer takes them: the npm package (packed, installed in an
 * empty folder, run through a real MCP client) and the MCP Bundle's manifest (validated by the mcpb CLI).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/index.js";
import { TOOLS } from "../../src/mcp/tools/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
const work = mkdtempSync(join(tmpdir(), "cyclr-mcp-dist-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the MCP Bundle manifest", () => {
  const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as {
    version: string;
    server: { type: string; entry_point: string; mcp_config: { env: Record<string, string> } };
    tools: { name: string; description: string }[];
    user_config: Record<string, { sensitive?: boolean }>;
  };

  it("passes the mcpb CLI's validation", () => {
    const run = spawnSync(process.execPath, [join(root, "node_modules/@anthropic-ai/mcpb/dist/cli/cli.js"), "validate", join(root, "manifest.json")], { encoding: "utf8" });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain("validation passes");
  });

  it("matches the code: version, entry point, tools, settings; the client secret is sensitive", () => {
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.server).toMatchObject({ type: "node", entry_point: "dist/cli.js" });
    expect(manifest.tools).toEqual(TOOLS.map((tool) => ({ name: tool.name, description: tool.title })));
    const envNames = Object.values(SETTINGS).map((s) => s.env as string);
    for (const key of Object.keys(manifest.server.mcp_config.env)) expect(envNames).toContain(key);
    expect(manifest.server.mcp_config.env.CYCLR_CLIENT_SECRET).toBe("${user_config.client_secret}");
    expect(manifest.user_config.client_secret?.sensitive).toBe(true);
  });
});

describe("the npm package", () => {
  // --ignore-scripts: dist/ is already built (pretest), and rebuilding it here would race the other test files.
  it("packs only what runs, installs into an empty folder, and serves MCP from its bin", async () => {
    const packed = spawnSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, encoding: "utf8", timeout: 120_000 });
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const paths = info?.files.map((f) => f.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/cli.js", "mcp.json.example", "manifest.json"]));
    expect(paths.filter((p) => p.startsWith("src/") || p.startsWith("test/") || p.startsWith("bench/"))).toEqual([]);

    const installDir = join(work, "install");
    const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefix", installDir, join(work, info?.filename ?? "")], { encoding: "utf8", timeout: 180_000 });
    expect(installed.status, installed.stderr).toBe(0);
    const bin = join(installDir, "node_modules/.bin/cyclr-mcp");
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);

    const client = new Client({ name: "dist-test", version: "0.0.0" });
    await client.connect(new StdioClientTransport({ command: bin, args: ["--sandbox"], env: getDefaultEnvironment(), stderr: "ignore" }));
    try {
      expect(client.getServerVersion()).toMatchObject({ name: "cyclr-mcp", version: pkg.version });
      const found = (await client.callTool({ name: "list_connectors", arguments: { query: "pipedrive" } })) as unknown as { structuredContent: { connectors: { name: string }[] } };
      expect(found.structuredContent.connectors[0]?.name).toBe("Pipedrive");
    } finally {
      await client.close();
    }
  }, 300_000);
});
