/**
 * `npm run demo`: three onboardings (two connectors, then an integration from a template), then a support call, driven through a real MCP client over stdio
 * against the embedded sandbox, printed step by step. It plays the assistant, which only ever does what the previous
 * result's nextStep says, and the person, who types names with typos, answers questions, fills in
 * the credential page and approves the OAuth consent page.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { approveOAuthLink, fillCredentialPage } from "./sandbox/consent-driver.js";
import { PACKAGE_ROOT } from "./version.js";

// From the package's folder: `cyclr-mcp demo` runs this from a chunk of the bundle, `npm run demo` from dist/.
const CLI = fileURLToPath(new URL("dist/cli.js", PACKAGE_ROOT));

interface NextStep {
  tool: string | null;
  arguments: Record<string, unknown>;
  instruction: string;
}

/** What the person says when the assistant asks, by property or page field. */
type Answers = Record<string, string>;

function fill(args: Record<string, unknown>, answers: Answers): Record<string, unknown> {
  const properties = args.properties as { name: string; value: string }[] | undefined;
  if (!properties) return args;
  return { ...args, properties: properties.map((p) => ({ name: p.name, value: answers[p.name] ?? p.value })) };
}

/** Runs the demo; resolves with the exit code (0 when both connectors end up ready). */
export async function runDemo(): Promise<number> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, "--sandbox", "--log-level", "warn"], stderr: "inherit" });
  const client = new Client({ name: "cyclr-mcp-demo", version: "1.0.0" });
  await client.connect(transport);
  let step = 0;
  const say = (title: string) => console.log(`\n── Step ${++step}: ${title}`);

  const call = async (name: string, args: Record<string, unknown>) => {
    console.log(`   → ${name} ${JSON.stringify(args)}`);
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
    console.log(text.replace(/^/gm, "   "));
    if (result.isError) throw new Error(`${name} failed`);
    return result.structuredContent as {
      setup?: { state: string; nextStep: NextStep };
      nextStep?: NextStep;
      url?: string;
      ready?: { accountConnectorId: number; connector: { name: string } }[];
      choices?: string[];
    };
  };

  /** From what the person typed to a ready connector, one nextStep at a time. */
  const onboard = async (typed: string, answers: Answers) => {
    say(`The person says "connect ${typed}": search the catalog`);
    let result = await call("list_connectors", { query: typed });
    for (let guard = 0; guard < 10; guard++) {
      const next = result.setup?.nextStep ?? result.nextStep;
      if (!next?.tool) return result.setup?.state === "ready";
      say(`As nextStep says: ${next.tool}`);
      result = await call(next.tool, fill(next.arguments, answers));
      if (next.tool === "create_oauth_link" && result.url) {
        say("The person opens the link and clicks Approve on the consent page");
        const consent = await approveOAuthLink(result.url, "approve");
        console.log(`   browser: ${consent.status} → ${consent.location ?? "(no redirect)"}`);
      }
      if (next.tool === "create_credential_link" && result.url) {
        say("The person opens the credential page and types their API key (the assistant never sees it)");
        const page = await fillCredentialPage(result.url, answers);
        console.log(`   browser: asked for ${page.asked.join(", ")}; ${page.status} "${/<h1[^>]*>([^<]*)</.exec(page.html)?.[1] ?? ""}"`);
      }
    }
    return false;
  };

  /**
   * An integration from a template: what the person asked for (misspelled) becomes an active cycle,
   * one nextStep at a time: its connectors, the value the template leaves to them, and activation.
   */
  const integrate = async (typed: string, accountId: string, answers: Answers & { apiKey: string; choice: string }) => {
    say(`The person says "sync ${typed}" for the customer ${accountId}: search the templates`);
    let result = await call("list_templates", { query: typed, accountId });
    for (let guard = 0; guard < 12; guard++) {
      const next = result.setup?.nextStep ?? result.nextStep;
      if (!next?.tool) return result.setup?.state === "active";
      const args = fill(next.arguments, answers);
      if (typeof args.choice === "string") {
        say(`The person picks "${answers.choice}" from the choices: ${result.choices?.join(", ") ?? ""}`);
        args.choice = answers.choice;
      }
      if (typeof args.confirm === "string") {
        say("The person confirms: start it");
        args.confirm = true;
      }
      say(`As nextStep says: ${next.tool}`);
      result = await call(next.tool, args);
      if (next.tool === "create_oauth_link" && result.url) {
        say("The person opens the link and clicks Approve on the consent page");
        const consent = await approveOAuthLink(result.url, "approve");
        console.log(`   browser: ${consent.status} → ${consent.location ?? "(no redirect)"}`);
      }
      if (next.tool === "create_credential_link" && result.url) {
        say("The person opens the credential page and types their API key (the assistant never sees it)");
        const page = await fillCredentialPage(result.url, answers);
        console.log(`   browser: asked for ${page.asked.join(", ")}; ${page.status} "${/<h1[^>]*>([^<]*)</.exec(page.html)?.[1] ?? ""}"`);
      }
    }
    return false;
  };

  /** Support: the person names the customer (with a typo) and the connector that stopped; the rest is nextStep. */
  const support = async (customer: string, typed: string, stopped: string) => {
    say(`The person says "${customer}'s ${stopped} sync stopped" and spells the customer "${typed}": find their account`);
    let result = await call("list_accounts", { query: typed });
    for (let guard = 0; guard < 10; guard++) {
      const next = result.setup?.nextStep ?? result.nextStep;
      if (!next?.tool) return result.setup?.state === "ready";
      const args = { ...next.arguments };
      if (typeof args.accountConnectorId === "string") {
        // A placeholder: Cyclr calls every connector set up, so the person's word says which one stopped.
        args.accountConnectorId = result.ready?.find((r) => r.connector.name === stopped)?.accountConnectorId;
      }
      if (next.tool === "reconnect_connector") say(`The person confirms: sign ${stopped} out and connect it again`);
      if (typeof args.confirm === "string") args.confirm = true;
      say(`As nextStep says: ${next.tool}`);
      result = await call(next.tool, args);
      if (next.tool === "create_oauth_link" && result.url) {
        say("The person opens the link and clicks Approve on the consent page");
        const consent = await approveOAuthLink(result.url, "approve");
        console.log(`   browser: ${consent.status} → ${consent.location ?? "(no redirect)"}`);
      }
    }
    return false;
  };

  console.log("cyclr-mcp demo: onboarding two connectors, then an integration, in the embedded sandbox, through a real MCP client over stdio.");
  const pipedrive = await onboard("pipdrive", { CompanyDomain: "acme", apiKey: "demo-pipedrive-api-key-1234" });
  const salesforce = await onboard("sales force", { isSandbox: "false" });
  console.log("\nThen an integration from one of the partner's templates, for another customer.");
  const integration = await integrate("salesfroce to mailchimp", "globex-eu-7731", { isSandbox: "false", apiKey: "demo-mailchimp-api-key-us6", choice: "Customers" });
  console.log("\nAnd a support call: another customer's connector stopped working.");
  const reconnected = await support("Acme", "acme corportion", "Salesforce");
  await client.close();
  const ready = pipedrive && salesforce && integration && reconnected;
  console.log(
    ready
      ? "\nDone: both connectors are installed and authenticated, Globex's Salesforce-to-Mailchimp integration runs, and Acme's Salesforce is connected again."
      : "\nNot everything is ready: see above.",
  );
  return ready ? 0 : 1;
}

// `node dist/demo.js` (npm run demo) runs it; `cyclr-mcp demo` imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDemo().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
