/** `cyclr-mcp sandbox`: the sandbox API alone, printing the lines that point servers at it; a hosted server uses it as Cyclr. */
import { spawn } from "node:child_process";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { expect, it } from "vitest";
import { CLI, spawnHttpServer, structured } from "../helpers.js";

it("cyclr-mcp sandbox serves the sandbox API alone and prints the CYCLR_* lines that point a server at it", async () => {
  const child = spawn(process.execPath, [CLI, "sandbox"], { env: getDefaultEnvironment(), stdio: ["ignore", "pipe", "pipe"] });
  try {
    let printed = "";
    const env = await new Promise<Record<string, string>>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        printed += chunk.toString("utf8");
        if (!printed.includes("Stop it with")) return;
        resolve(Object.fromEntries([...printed.matchAll(/^(CYCLR_[A-Z_]+)=(.+)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""])));
      });
      child.once("exit", (code) => reject(new Error(`sandbox exited (${code}): ${printed}`)));
    });
    expect(Object.keys(env).sort()).toEqual(["CYCLR_ACCOUNT_ID", "CYCLR_API_URL", "CYCLR_CLIENT_ID", "CYCLR_CLIENT_SECRET", "CYCLR_SERVICE_DOMAIN"]);
    expect(printed).toMatch(/the embedded Cyclr API at http:\/\/127\.0\.0\.1:\d+/);
    const server = await spawnHttpServer({ env });
    try {
      const client = await server.connect();
      const listed = structured((await client.callTool({ name: "list_connectors", arguments: { query: "salesforce" } })) as never);
      expect(listed.connectors[0]).toMatchObject({ name: "Salesforce" });
    } finally {
      await server.stop();
    }
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
});
