/**
 * Cycle health at scale: list_cycles over an account of 1 000 integrations (one in twenty failing)
 * and get_cycle_activity over a cycle of 10 000 incidents. For each: the time of a call
 * (median and IQR) beside the time of the same Cyclr GETs made directly; the bytes a model reads (text
 * plus structuredContent) beside the bytes of Cyclr's JSON the call read; and the peak resident memory
 * (VmHWM, Linux) of a server whose young generation is kept small, before and after one call of each. The sandbox's cycles keep real time, so
 * nothing runs while it is measured.
 *
 *   cycleHealthFigures({ quick }) -> { listCycles, listAttention, activity: { first, deep, since, scan }, memory }
 *
 * Needs `npm run build` (it spawns dist/cli.js against the embedded sandbox over loopback).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bytes = (text) => Buffer.byteLength(text);
const ZENDESK_TO_SLACK = "b52e7c04-91d3-4f6a-8e2b-6a7c0d9e1f33";
const SALESFORCE_TO_MAILCHIMP = "7ad2265e-2ff0-477b-b913-cae1dfde2ea8";
const ACCOUNT = "umbrella-9001";
const BUSY = "sg-paris-33";

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}
const ms = (value) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const spread = (values) => `${ms(quantile(values, 0.5))} (IQR ${ms(quantile(values, 0.25))}–${ms(quantile(values, 0.75))})`;
const mb = (value) => `${(value / 1024 / 1024).toFixed(1)} MB`;
const kb = (value) => `${(value / 1024).toFixed(1)} KB`;

/** Peak resident memory of a process so far (VmHWM: Linux only). */
function peakRss(pid) {
  try {
    const kbs = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kbs ? Number(kbs) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** What a model reads of a result: its text and its structuredContent (the most any client passes). */
function readBytes(result) {
  const text = bytes(result.content.filter((block) => block.type === "text").map((block) => block.text).join("\n"));
  const structured = result.structuredContent === undefined ? 0 : bytes(JSON.stringify(result.structuredContent));
  return text + structured;
}

/** The GETs the sandbox received since `mark`, made again directly: their bytes, and how long they take one after another. */
async function replay(sandbox, mark) {
  const token = sandbox.issueAccessToken();
  const gets = sandbox.requests.slice(mark).filter((r) => r.method === "GET");
  let total = 0;
  const started = performance.now();
  for (const request of gets) {
    const url = new URL(request.path, sandbox.url);
    for (const [key, value] of Object.entries(request.query)) url.searchParams.set(key, value);
    const headers = { authorization: `Bearer ${token}`, ...(request.headers["x-cyclr-account"] && { "x-cyclr-account": request.headers["x-cyclr-account"] }) };
    total += bytes(await (await fetch(url, { headers })).text());
  }
  return { bytes: total, ms: performance.now() - started, requests: gets.length };
}

export async function cycleHealthFigures({ quick = false } = {}) {
  const { startSandbox } = await import(`${root}dist/sandbox/index.js`);
  const sandbox = await startSandbox({ minuteMs: 60_000 });
  // 1 000 integrations: most run fine; one in twenty fails (errors in the last days, none since).
  const now = Date.now();
  const made = [...sandbox.installCycles(ACCOUNT, ZENDESK_TO_SLACK, 500, { Status: "Active", Interval: 15 }), ...sandbox.installCycles(ACCOUNT, SALESFORCE_TO_MAILCHIMP, 500, { Status: "Active", Interval: 60 })];
  made.forEach((cycle, i) => {
    cycle.Name = `${cycle.Name} #${i + 1}`;
    cycle.LastSuccessfulRunDate = new Date(now - (i % 20 === 0 ? 30 : 1) * 3_600_000).toISOString();
    if (i % 20 === 0) sandbox.addIncidents(ACCOUNT, cycle.Id, { ShortMessage: "Failed to call the method", FullMessage: '401 Unauthorized\r\n{"error":"invalid_grant"}', StepId: cycle.steps[0].Id }, 3);
  });
  // The account's connectors are signed in (the installs made them, not signed in).
  const token = sandbox.issueAccessToken();
  const connectors = new Set(made.flatMap((cycle) => cycle.steps.map((step) => step.AccountConnectorId).filter((id) => id !== null)));
  for (const id of connectors) {
    const response = await fetch(`${sandbox.url}/v1.0/account/connectors/${id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "x-cyclr-account": ACCOUNT, "content-type": "application/json" },
      body: JSON.stringify({ AuthValue: JSON.stringify({ AccessToken: `bench-${id}`, RefreshToken: "r", Expires: "2099-01-01T00:00:00Z" }) }),
    });
    if (!response.ok) throw new Error(`signing in account connector ${id}: ${response.status}`);
  }
  // One integration of another account with 10 000 incidents.
  const [busy] = sandbox.installCycles(BUSY, ZENDESK_TO_SLACK, 1, { Status: "Active", Interval: 15 });
  sandbox.addIncidents(BUSY, busy.Id, { ShortMessage: "Failed to call the method", FullMessage: "500 Internal Server Error\r\nHTTP Request:\r\nPOST https://slack.example.com/api/chat.postMessage HTTP/1.1\r\nAuthorization: Bearer xoxb-0000" }, 10_000);

  const env = {
    CYCLR_API_URL: sandbox.url,
    CYCLR_CLIENT_ID: sandbox.clientId,
    CYCLR_CLIENT_SECRET: sandbox.clientSecret,
    CYCLR_ACCOUNT_ID: ACCOUNT,
    CYCLR_SERVICE_DOMAIN: sandbox.serviceDomainUrl,
    CYCLR_LOG_LEVEL: "error",
  };
  /**
   * A server; `lean`: with a young generation of 1 MB, so that its peak memory shows what a call holds
   * rather than how much garbage V8 lets pile up before collecting it (up to 48 MB by default).
   */
  const spawnServer = async (lean) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...(lean ? ["--max-semi-space-size=1"] : []), `${root}dist/cli.js`],
      env: { ...getDefaultEnvironment(), ...env },
      stderr: "ignore",
    });
    const client = new Client({ name: "bench-cycles", version: "1.0.0" });
    await client.connect(transport);
    const call = async (name, args) => {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
      return result;
    };
    return { client, call, pid: transport.pid };
  };
  const lean = await spawnServer(true);
  const { client, call } = await spawnServer(false);
  const iterations = quick ? 3 : 9;
  /** One call measured `iterations` times (after one warm-up), with what it read of Cyclr and how long Cyclr alone takes for it. */
  const measure = async (name, args) => {
    await call(name, args);
    // The bench's own fetch warmed too, so that the reference is not its first connection.
    await replay(sandbox, sandbox.requests.length - 1);
    const times = [];
    let result;
    let mark = 0;
    for (let i = 0; i < iterations; i++) {
      mark = sandbox.requests.length;
      const started = performance.now();
      result = await call(name, args);
      times.push(performance.now() - started);
    }
    const raw = await replay(sandbox, mark);
    return { times, model: readBytes(result), raw, result };
  };
  try {
    // Memory, on the lean server, warmed first (the code paths loaded and compiled once): one call each.
    await lean.call("list_accounts", {});
    await lean.call("get_cycle_activity", { cycleId: busy.Id, accountId: BUSY, pageSize: 1 });
    await lean.call("list_cycles", { accountId: "initech-0042" });
    const before = peakRss(lean.pid);
    await lean.call("get_cycle_activity", { cycleId: busy.Id, accountId: BUSY, level: "warning" });
    const afterActivity = peakRss(lean.pid);
    await lean.call("list_cycles", { accountId: ACCOUNT, attention: true });
    const afterList = peakRss(lean.pid);
    await call("list_accounts", {});
    const listCycles = await measure("list_cycles", { accountId: ACCOUNT });
    const listAttention = await measure("list_cycles", { accountId: ACCOUNT, attention: true });
    const first = await measure("get_cycle_activity", { cycleId: busy.Id, accountId: BUSY });
    const deep = await measure("get_cycle_activity", { cycleId: busy.Id, accountId: BUSY, page: 400, pageSize: 25 });
    const since = await measure("get_cycle_activity", { cycleId: busy.Id, accountId: BUSY, since: "1h" });
    const scan = await measure("get_cycle_activity", { cycleId: busy.Id, accountId: BUSY, level: "warning" });
    return {
      cycles: made.length,
      matched: listAttention.result.structuredContent.matched,
      listCycles,
      listAttention,
      activity: { first, deep, since, scan },
      memory: { before, afterList, afterActivity },
    };
  } finally {
    await Promise.allSettled([client.close(), lean.client.close()]);
    await sandbox.close();
  }
}

/** The bench runner's measure: bench/run.mjs lists "cycles" among its MEASURES. */
export default {
  name: "cycles",
  async run({ quick, row, note }) {
    const figures = await cycleHealthFigures({ quick });
    const goalBytes = 0.15;
    const pct = (n, of) => `${((n / of) * 100).toFixed(1)} %`;
    // A list is cut down to a page of compact entries: its bytes are held to a share of Cyclr's. An incident's
    // words are passed on (cut to 200 characters): its page is held to a size a model reads easily.
    const line = (label, m, goalMs, bytesGoal) =>
      row(
        label,
        `${spread(m.times)}; a model reads ${kb(m.model)} = ${pct(m.model, m.raw.bytes)} of Cyclr's JSON it read`,
        `the same ${m.raw.requests} Cyclr GET(s) made directly: ${ms(m.raw.ms)}, ${kb(m.raw.bytes)}`,
        `≤ ${goalMs} ms; ${bytesGoal.words}`,
        quantile(m.times, 0.5) <= goalMs && bytesGoal.met(m),
      );
    const share = { words: `≤ ${goalBytes * 100} % of the bytes`, met: (m) => m.model / m.raw.bytes <= goalBytes };
    const page = { words: "≤ 8 KB a page", met: (m) => m.model <= 8 * 1024 };
    line(`list_cycles, ${figures.cycles} integrations, page 1 of 20`, figures.listCycles, 1000, share);
    line(`list_cycles attention, ${figures.cycles} integrations (${figures.matched} need attention)`, figures.listAttention, 1000, share);
    line("get_cycle_activity, 10 000 incidents, page 1 of 20 (one of Cyclr's pages)", figures.activity.first, 300, page);
    line("get_cycle_activity, 10 000 incidents, page 400 of 25", figures.activity.deep, 300, page);
    line('get_cycle_activity, 10 000 incidents, since "1h", page 1 of 20 (filtered as read)', figures.activity.since, 300, page);
    line("get_cycle_activity, 10 000 incidents, level warning (none: 20 pages of 100 read)", figures.activity.scan, 1000, page);
    const { before, afterList, afterActivity } = figures.memory;
    if (before !== undefined && afterActivity !== undefined && afterList !== undefined) {
      row(
        "Peak memory of the server (young generation 1 MB): get_cycle_activity reading 2 000 of 10 000 incidents, then list_cycles attention over 1 000 integrations (one call each)",
        `+${mb(afterActivity - before)}, then +${mb(afterList - afterActivity)} (peak ${mb(afterList)})`,
        `${mb(before)} before them`,
        "≤ 64 MB more in all",
        afterList - before <= 64 * 1024 * 1024,
      );
    }
    note(
      "Cycle health: list_cycles reads every cycle of the account and, once, the account's error incidents of the last 7 days (counted per cycle as " +
        "the pages come, at most 20 pages); get_cycle_activity without a filter reads one of Cyclr's pages, with one reads Cyclr's pages newest first " +
        "(at most 20 of 100) holding one at a time. The reference is the same Cyclr GETs made one after another by the bench itself: the difference is " +
        "the server's own work (parsing, health, redaction) and the MCP round trip. Peak resident memory is a coarse measure (it counts garbage not yet " +
        "collected and pages the heap keeps): it is taken on a server with a small young generation, one call each, and varies by some MB from run to run; " +
        "what bounds the memory is the reading itself, which test/e2e/health.test.ts checks by counting Cyclr's requests.",
    );
  },
};

// `node bench/measures/cycles.mjs` prints the figures alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const figures = await cycleHealthFigures({ quick: process.argv.includes("--quick") });
  const brief = (m) => ({ medianMs: quantile(m.times, 0.5), modelBytes: m.model, raw: m.raw });
  console.log(
    JSON.stringify(
      {
        cycles: figures.cycles,
        listCycles: brief(figures.listCycles),
        listAttention: brief(figures.listAttention),
        activity: Object.fromEntries(Object.entries(figures.activity).map(([k, m]) => [k, brief(m)])),
        memory: figures.memory,
      },
      null,
      2,
    ),
  );
}
