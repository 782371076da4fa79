/**
 * What a model reads of list_templates and get_cycle, beside Cyclr's raw JSON for the same thing.
 * A model reads a result's text, its structuredContent, or both (the figure is both: the most any
 * client passes). Cyclr's side is every answer the tool had to read (its GETs, replayed with the
 * same query and account), and, for the templates, the same list as a client asking for icons gets.
 *
 *   templateBytes() -> { listTemplates, getCycle }, each { model: { text, structured, both }, raw: { read, ... } }
 *
 * Needs `npm run build` (it spawns dist/cli.js against the embedded sandbox over loopback).
 */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bytes = (text) => Buffer.byteLength(text);

/** What a model reads of a result, each way a client may pass it. */
function readBytes(result) {
  const text = bytes(result.content.filter((block) => block.type === "text").map((block) => block.text).join("\n"));
  const structured = result.structuredContent === undefined ? 0 : bytes(JSON.stringify(result.structuredContent));
  return { text, structured, both: text + structured };
}

/** Cyclr's answers to the GETs the sandbox received since `mark`, fetched again the same way: what the tool read. */
async function rawRead(sandbox, mark) {
  const token = sandbox.issueAccessToken();
  let total = 0;
  for (const request of sandbox.requests.slice(mark)) {
    if (request.method !== "GET") continue;
    const url = new URL(request.path, sandbox.url);
    for (const [key, value] of Object.entries(request.query)) url.searchParams.set(key, value);
    const headers = { authorization: `Bearer ${token}`, ...(request.headers["x-cyclr-account"] && { "x-cyclr-account": request.headers["x-cyclr-account"] }) };
    total += bytes(await (await fetch(url, { headers })).text());
  }
  return total;
}

export async function templateBytes() {
  const { startSandbox } = await import(`${root}dist/sandbox/index.js`);
  const sandbox = await startSandbox();
  const env = {
    CYCLR_API_URL: sandbox.url,
    CYCLR_CLIENT_ID: sandbox.clientId,
    CYCLR_CLIENT_SECRET: sandbox.clientSecret,
    CYCLR_ACCOUNT_ID: sandbox.accountId,
    CYCLR_SERVICE_DOMAIN: sandbox.serviceDomainUrl,
    CYCLR_LOG_LEVEL: "error",
  };
  const transport = new StdioClientTransport({ command: process.execPath, args: [`${root}dist/cli.js`], env: { ...getDefaultEnvironment(), ...env }, stderr: "ignore" });
  const client = new Client({ name: "bench-templates", version: "1.0.0" });
  await client.connect(transport);
  const call = async (name, args) => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return result;
  };
  try {
    // list_templates: every template (no query), as the person browses them.
    let mark = sandbox.requests.length;
    const listed = await call("list_templates", {});
    const listRead = await rawRead(sandbox, mark);
    const token = sandbox.issueAccessToken();
    const withIcons = bytes(await (await fetch(`${sandbox.url}/v1.0/templates?page=1&pageSize=100&includeIcons=true`, { headers: { authorization: `Bearer ${token}`, "x-cyclr-account": sandbox.accountId } })).text());

    // get_cycle: a freshly installed Salesforce-to-Mailchimp cycle, with both connectors to set up and a lookup to choose.
    const installed = await call("install_template", { templateId: "7ad2265e-2ff0-477b-b913-cae1dfde2ea8" });
    mark = sandbox.requests.length;
    const got = await call("get_cycle", { cycleId: installed.structuredContent.cycleId });
    const cycleRead = await rawRead(sandbox, mark);
    return {
      listTemplates: { templates: listed.structuredContent.templates.length, model: readBytes(listed), raw: { read: listRead, withIcons } },
      getCycle: { state: got.structuredContent.setup.state, model: readBytes(got), raw: { read: cycleRead } },
    };
  } finally {
    await client.close();
    await sandbox.close();
  }
}

/** The bench runner's measure (bench/run.mjs on the bench branch: add "templates" to its MEASURES). */
export default {
  name: "templates",
  async run({ row, note }) {
    const { listTemplates, getCycle } = await templateBytes();
    const goal = 0.15;
    const pct = (n, of) => `${((n / of) * 100).toFixed(1)} %`;
    row(
      `Tokens: list_templates (${listTemplates.templates} templates), text + structuredContent`,
      `${listTemplates.model.both} B = ${pct(listTemplates.model.both, listTemplates.raw.withIcons)} of the list with icons, ${pct(listTemplates.model.both, listTemplates.raw.read)} of what the tool read (text alone ${listTemplates.model.text} B; structuredContent alone ${listTemplates.model.structured} B)`,
      `raw Cyclr JSON: the list with icons ${listTemplates.raw.withIcons} B; what the tool read ${listTemplates.raw.read} B`,
      `≤ ${goal * 100} %`,
      listTemplates.model.both / listTemplates.raw.withIcons <= goal,
    );
    row(
      `Tokens: get_cycle (${getCycle.state}), text + structuredContent`,
      `${getCycle.model.both} B = ${pct(getCycle.model.both, getCycle.raw.read)} (text alone ${getCycle.model.text} B; structuredContent alone ${getCycle.model.structured} B)`,
      `raw Cyclr JSON the tool read ${getCycle.raw.read} B`,
      `≤ ${goal * 100} %`,
      getCycle.model.both / getCycle.raw.read <= goal,
    );
    note(
      "Tokens of the template tools: list_templates beside Cyclr's template list as a client asking for icons gets it (and beside what the tool itself read: " +
        "the templates without icons, the account's connectors and cycles); get_cycle beside every answer it read (the cycle, its prerequisites and steps, " +
        "the connectors not yet signed in, the step with a missing value: its prerequisites, parameters and field mappings).",
    );
  },
};

// `node bench/measures/templates.mjs` prints the figures alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(JSON.stringify(await templateBytes(), null, 2));
