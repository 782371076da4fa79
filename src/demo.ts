/**
 * `npm run demo`: three onboardings (two connectors, then an integration from a template), an integration the chat
 * hands to Cyclr's LAUNCH page, then a support call, driven through a real MCP client over stdio
 * against the embedded sandbox, printed step by step. It plays the assistant, which only ever does what the previous
 * result's nextStep says, and the person, who types names with typos, answers questions, fills in
 * the credential page and approves the OAuth consent page.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client, type CallToolResult } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { approveOAuthLink, fillCredentialPage } from "./sandbox/consent-driver.js";
import { finishLaunch } from "./sandbox/launch-driver.js";
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
  // The current revision (2026-07-28): no initialize, no session; each request says who the client is.
  const client = new Client({ name: "cyclr-mcp-demo", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
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
      choices?: string[];
      waited?: { outcome: string };
    };
  };

  /** The person at the page a link tool gave them: the OAuth consent page, or the credential page. */
  const atTheirPage = async (tool: string, url: string | undefined, answers: Answers) => {
    if (tool === "create_oauth_link" && url) {
      say("The person opens the link and clicks Approve on the consent page");
      const consent = await approveOAuthLink(url, "approve");
      console.log(`   browser: ${consent.status} → ${consent.location ?? "(no redirect)"}`);
    }
    if (tool === "create_credential_link" && url) {
      say("The person opens the credential page and types their API key (the assistant never sees it)");
      const page = await fillCredentialPage(url, answers);
      console.log(`   browser: asked for ${page.asked.join(", ")}; ${page.status} "${/<h1[^>]*>([^<]*)</.exec(page.html)?.[1] ?? ""}"`);
    }
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
      await atTheirPage(next.tool, result.url, answers);
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
      await atTheirPage(next.tool, result.url, answers);
    }
    return false;
  };

  /**
   * An integration the chat cannot finish (a connector with no API flow): the nextStep hands it to Cyclr's LAUNCH
   * page, the person finishes there, and the nextStep reads the account's cycles to find it running.
   */
  const handOff = async (typed: string, accountId: string, person: { integration: string; values: Record<string, string> }) => {
    say(`The person says "sync ${typed}" for the customer ${accountId}: search the templates`);
    let result = await call("list_templates", { query: typed, accountId });
    for (let guard = 0; guard < 8; guard++) {
      const next = result.setup?.nextStep ?? result.nextStep;
      if (!next?.tool) return result.setup?.state === "active";
      say(`As nextStep says: ${next.tool}`);
      result = await call(next.tool, next.arguments);
      if (next.tool === "create_launch_link" && result.url) {
        say(`The person opens the LAUNCH link, picks "${person.integration}", signs in to its connectors, fills in ${Object.keys(person.values).join(", ")} and presses Install and start`);
        const launched = await finishLaunch(result.url, person);
        console.log(`   browser: ${launched.status} "${launched.outcome}"`);
      }
    }
    return false;
  };

  /**
   * Support: the person says a customer's sync stopped (spelling the customer with a typo); the rest is
   * nextStep: the account, its failing integration, the cause, a new sign-in, and the next run.
   */
  const support = async (customer: string, typed: string) => {
    say(`The person says "${customer}'s contacts stopped syncing" and spells the customer "${typed}": find their account`);
    let result = await call("list_accounts", { query: typed });
    for (let guard = 0; guard < 10; guard++) {
      const next = result.setup?.nextStep ?? result.nextStep;
      if (!next?.tool) return result.waited?.outcome === "ran";
      const args = { ...next.arguments };
      if (typeof args.confirm === "string") {
        say("The person confirms: sign the connector out and connect it again");
        args.confirm = true;
      }
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

  console.log("cyclr-mcp demo: onboarding two connectors, then an integration, then one handed to Cyclr's LAUNCH page, in the embedded sandbox, through a real MCP client over stdio.");
  const pipedrive = await onboard("pipdrive", { CompanyDomain: "acme", apiKey: "demo-pipedrive-api-key-1234" });
  const salesforce = await onboard("sales force", { isSandbox: "false" });
  console.log("\nThen an integration from one of the partner's templates, for another customer.");
  const integration = await integrate("salesfroce to mailchimp", "globex-eu-7731", { isSandbox: "false", apiKey: "demo-mailchimp-api-key-us6", choice: "Customers" });
  console.log("\nThen an integration the chat cannot finish, handed to Cyclr's LAUNCH page.");
  const launched = await handOff("dynamics nav orders to slack", "acme-widgets-17", { integration: "Dynamics NAV orders to Slack", values: { "Microsoft Dynamics NAV: Server URL": "https://nav.acme-widgets.test:7047", "Post message: Channel": "#sales" } });
  console.log("\nAnd a support call: another customer's integration stopped working.");
  const repaired = await support("Acme", "acme corportion");
  await client.close();
  const ready = pipedrive && salesforce && integration && launched && repaired;
  console.log(
    ready
      ? "\nDone: both connectors are installed and authenticated, Globex's Salesforce-to-Mailchimp integration runs, Acme Widgets' Dynamics NAV orders reach Slack (set up on LAUNCH), and Acme's runs again with Salesforce connected again."
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
