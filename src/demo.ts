/**
 * `npm run demo`: the full onboarding, driven through a real MCP client over stdio against the
 * embedded sandbox, printed step by step. It plays both the assistant and the person at the browser.
 */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { approveOAuthLink } from "./sandbox/consent-driver.js";

const CLI = fileURLToPath(new URL("./cli.js", import.meta.url));
const SECRET_ARGUMENTS = new Set(["authValue", "password"]);

function show(args: Record<string, unknown>): string {
  return JSON.stringify(args, (key, value: unknown) => (SECRET_ARGUMENTS.has(key) ? "••••••" : value));
}

async function main(): Promise<void> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, "--sandbox", "--log-level", "warn"], stderr: "inherit" });
  const client = new Client({ name: "cyclr-mcp-demo", version: "1.0.0" });
  await client.connect(transport);
  let step = 0;

  const call = async (title: string, name: string, args: Record<string, unknown>) => {
    step += 1;
    console.log(`\n── Step ${step}: ${title}`);
    console.log(`   → ${name} ${show(args)}`);
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
    console.log(text.replace(/^/gm, "   "));
    if (result.isError) throw new Error(`${name} failed`);
    return result.structuredContent as Record<string, unknown> & { connectors?: { id: number; name: string }[] };
  };
  const connectorId = (found: { connectors?: { id: number; name: string }[] }, name: string) => {
    const match = found.connectors?.find((c) => c.name === name);
    if (!match) throw new Error(`the sandbox catalog has no ${name}`);
    return match.id;
  };

  console.log("cyclr-mcp demo: onboarding two connectors in the embedded sandbox, through a real MCP client over stdio.");

  const pipedrive = await call('The person says "connect our Pipedrive": find it', "list_connectors", { query: "pipedrive" });
  await call("Pipedrive takes an API key: install it with the key and its required property", "install_connector", {
    connectorId: connectorId(pipedrive, "Pipedrive"),
    authValue: "demo-pipedrive-api-key-1234",
    properties: [{ name: "CompanyDomain", value: "acme" }],
  });

  const salesforce = await call('"Now Salesforce": find it', "list_connectors", { query: "salesforce" });
  const installed = await call("Install Salesforce (OAuth 2.0)", "install_connector", { connectorId: connectorId(salesforce, "Salesforce") });
  const accountConnectorId = installed.accountConnectorId as number;
  await call("Set the required property the person chose", "set_connector_properties", {
    accountConnectorId,
    properties: [{ name: "isSandbox", value: "false" }],
  });
  const link = await call("Create the OAuth link for the person", "create_oauth_link", {
    accountConnectorId,
    targetOrigin: "https://app.example.com/connected",
  });

  step += 1;
  console.log(`\n── Step ${step}: The person opens the link and clicks Approve on the consent page`);
  const consent = await approveOAuthLink(link.url as string, "approve");
  console.log(`   browser: ${consent.status} → ${consent.location ?? "(no redirect)"}`);

  const verified = await call("Verify", "get_account_connector", { accountConnectorId });
  await client.close();
  const ready = (verified.setup as { state: string }).state === "ready";
  console.log(ready ? "\nDone: both connectors are installed and authenticated." : "\nSalesforce is not ready: see above.");
  process.exitCode = ready ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
