/**
 * Catalogs of 100 to 10 000 connectors, 20 ms of upstream latency on every catalog page: the first
 * list_connectors of a fresh server (the catalog cold) against the ideal (the pages' latency alone,
 * the first page, then 4 at a time), warm searches over stdio, and the server's peak RSS. At 100
 * connectors the cold call is repeated (a fresh server each time), once more through a timing
 * proxy, to say where its time goes, and at 150 ms of latency a page, beside its own ideal.
 */
import { createServer, request } from "node:http";
import { CLI, connectStdio, envFor, mb, median, ms, noise, peakRss, spread, startSandbox } from "../shared.mjs";

const LATENCY_MS = 20;
/** A round trip to an API across the internet, for the same cold call beside it (no goal: a reference). */
const WIDE_AREA_MS = 150;
const PAGE_SIZE = 100;
const CONCURRENCY = 4;
const SEEDED = 47;
/**
 * The server's own time on the cold first call: the wait a person has beyond Cyclr's pages. Issue 23
 * asked for 1.5 × the ideal (20 ms of the server's own at this latency); a server warmed by one walk
 * already takes 60 ms for a second walk, and a fresh process runs ~40 ms more of code for the first
 * time (bench/results.md), so the goal was restated as milliseconds over the ideal (issue 23's notes).
 */
const COLD_GOAL_OVER_IDEAL_MS = 80;
const RSS_GOAL_MB = 120;

export default {
  name: "scale",
  async run({ quick, row, note }) {
    for (const size of quick ? [100, 1000] : [100, 1000, 10_000]) {
      const sandbox = await catalogSandbox(size);
      const total = SEEDED + Math.max(0, size - SEEDED);
      const pages = Math.ceil(total / PAGE_SIZE) + (total % PAGE_SIZE === 0 ? 1 : 0);
      const ideal = idealMs(pages, LATENCY_MS);
      const idealText = `ideal ${ms(ideal)} (${pages} pages, ${CONCURRENCY} at a time after the first)`;

      // A fresh server per cold call; at 100 several, for a median.
      const repeats = size === 100 ? (quick ? 3 : 9) : 1;
      const cold = [];
      let last;
      for (let i = 0; i < repeats; i++) {
        if (last) await last.client.close();
        const call = await coldCall(envFor(sandbox));
        cold.push(call.ms);
        last = call.connection;
      }
      const { client, transport } = last;
      if (size === 100) {
        const over = median(cold) - ideal;
        row(
          `Catalog of ${total}: cold first list_connectors (${LATENCY_MS} ms upstream latency)`,
          `${spread(cold)} = ${(median(cold) / ideal).toFixed(2)} ×, ${ms(over)} over the ideal (${repeats} fresh servers)`,
          idealText,
          `≤ ${COLD_GOAL_OVER_IDEAL_MS} ms over the ideal`,
          over <= COLD_GOAL_OVER_IDEAL_MS,
        );
        const listed = [];
        for (let i = 0; i < repeats; i++) {
          const call = await coldCall(envFor(sandbox), { listFirst: true });
          listed.push(call.ms);
          await call.connection.client.close();
        }
        row(
          `Catalog of ${total}: the same after tools/list, as a client sends it (${LATENCY_MS} ms upstream latency)`,
          `${spread(listed)} = ${(median(listed) / ideal).toFixed(2)} ×, ${ms(median(listed) - ideal)} over the ideal (${repeats} fresh servers)`,
          idealText,
          "—",
          undefined,
        );
        const far = await coldAtLatency(size, WIDE_AREA_MS, quick ? 3 : 5, pages);
        row(
          `Catalog of ${total}: cold first list_connectors (${WIDE_AREA_MS} ms upstream latency)`,
          `${spread(far.cold)} = ${(median(far.cold) / far.ideal).toFixed(2)} ×, ${ms(median(far.cold) - far.ideal)} over the ideal (${far.cold.length} fresh servers)`,
          `ideal ${ms(far.ideal)} (${pages} pages, ${CONCURRENCY} at a time after the first)`,
          "—",
          undefined,
        );
      } else {
        row(`Catalog of ${total}: cold first list_connectors (${LATENCY_MS} ms upstream latency)`, ms(cold[0]), idealText, "—", undefined);
      }

      const queries = ["synthetic connector 00999", "hubspt", "sales force", "crm", "zzzz-no-match"];
      const search = [];
      for (let i = 0; i < (quick ? 20 : 60); i++) {
        const started = performance.now();
        await client.callTool({ name: "list_connectors", arguments: { query: queries[i % queries.length] } });
        search.push(performance.now() - started);
      }
      const rss = peakRss(transport.pid);
      const large = size >= 10_000;
      row(`Catalog of ${total}: warm search over stdio`, spread(search), "—", large ? "≤ 5 ms at 10 000" : "—", large ? median(search) <= 5 : undefined);
      row(`Catalog of ${total}: server peak RSS`, rss ? mb(rss) : "n/a", "—", large ? `≤ ${RSS_GOAL_MB} MB at 10 000` : "—", large && rss ? rss <= RSS_GOAL_MB * 1024 * 1024 : undefined);
      await client.close();

      if (large) {
        note(
          `Catalog of ${total}, what the server's memory holds: the catalog about 7 MB and its search index about 6 MB (heap snapshots; icons are ` +
            "never parsed, lists are kept at their length, the index keeps flat strings and a byte per entry for a query's words); the rest of the " +
            "peak over a small catalog is garbage not yet collected. The server runs V8 in its memory-saving mode (--optimize-for-size, set in " +
            "src/cli.ts): without it the young generation grows to its largest (16 MB more) as that much data survives collections, and the peak " +
            "was about 25 MB higher (123 MB against 97 MB in the run that decided it, with the per-call and hosted figures unchanged).",
        );
      }
      if (size === 100) {
        const timeline = await coldTimeline(sandbox, quick ? 3 : 5);
        note(
          `Catalog of ${total}, where a cold first list_connectors goes (more fresh servers, through a timing proxy between them and the sandbox; ` +
            `the noise of the ${repeats} timed calls: interquartile range ${Math.round(noise(cold) * 100)} % of the median): ${timeline} ` +
            "Of the time before the first request, about 14 ms is undici loading (only the part the transport uses, bundled, its HTTP/2 half " +
            "left until a connection speaks HTTP/2: it was 60-80 ms as a package, 20-30 ms with HTTP/2); loaded at start-up instead, it would " +
            "move those milliseconds into the cold start, past its goal. The pages at once are pages 2-5: page 2, empty, ends the walk, " +
            "which answers without waiting for the others (a round counts the pages that ended before the answer), and they are asked " +
            "before page 1 is parsed and given a turn of the event loop to leave first. The rest over the ideal is code running for the first time in a " +
            "fresh process: the MCP request and its zod parsing, node:http and the first connections, undici's WebAssembly parser, each " +
            "page's parsing, the search index, the output schema's JSON Schema (made at a tool's first call) and the result. After tools/list, " +
            "as a client sends it, part of that code has run already (zod's conversion of the schemas to JSON Schema, the SDK's answering): " +
            "the row above that measures the call in that order. The goal counts the server's own time, the milliseconds over the " +
            "ideal: 1.5 × the ideal left it 20 ms, which a server already warmed by one walk does not meet (about 60 ms for a second " +
            "walk over the same pages, the bench's own direct walk 48 ms), and the same milliseconds are a smaller share at a real " +
            "API's latency (the 150 ms row).",
        );
      }
      await sandbox.close();
    }
  },
};

async function catalogSandbox(size, latencyMs = LATENCY_MS) {
  const sandbox = await startSandbox({ syntheticConnectors: Math.max(0, size - SEEDED), maxPageSize: PAGE_SIZE });
  sandbox.injectFault({ method: "GET", path: "/v1.0/connectors", delayMs: latencyMs, times: 1_000_000 });
  return sandbox;
}

/**
 * The same cold first call where each catalog page takes as long as a round trip to an API across
 * the internet might: the server's own time is about the same milliseconds, a smaller share.
 */
async function coldAtLatency(size, latencyMs, repeats, pages) {
  const sandbox = await catalogSandbox(size, latencyMs);
  const cold = [];
  try {
    for (let i = 0; i < repeats; i++) {
      const call = await coldCall(envFor(sandbox));
      cold.push(call.ms);
      await call.connection.client.close();
    }
  } finally {
    await sandbox.close();
  }
  return { cold, ideal: idealMs(pages, latencyMs) };
}

/** The pages' latency alone: the first page, then the rest CONCURRENCY at a time. */
function idealMs(pages, latencyMs) {
  return (1 + Math.ceil((pages - 1) / CONCURRENCY)) * latencyMs;
}

/**
 * A fresh server's first list_connectors, timed from the call; the connection stays open. With
 * `listFirst`, tools/list comes before it, as every client sends it (a model calls a tool it was listed).
 */
async function coldCall(env, { listFirst = false } = {}) {
  const connection = await connectStdio([CLI], env);
  if (listFirst) await connection.client.listTools();
  const started = performance.now();
  const result = await connection.client.callTool({ name: "list_connectors", arguments: { pageSize: 1 } });
  const ended = performance.now();
  if (result.isError) {
    await connection.client.close();
    throw new Error(`list_connectors failed: ${JSON.stringify(result.content)}`);
  }
  return { started, ended, ms: ended - started, connection };
}

/**
 * Cold calls through a loopback proxy that notes when each request to the sandbox starts and ends,
 * a fresh server each time: the time before the first request (the call reaching the server,
 * undici loading), the token, the catalog pages, the gaps between them (reading a page's
 * answer, asking for the next) and the time after the last page the walk waited for (parsing the
 * pages not yet read, the search index, the result, MCP back to the client; pages asked past the
 * end may finish later, unread). Each part is a median over the runs.
 */
async function coldTimeline(sandbox, runs) {
  const timelines = [];
  for (let i = 0; i < runs; i++) timelines.push(await oneTimeline(sandbox));
  const measured = timelines.filter((t) => t.parts);
  if (measured.length === 0) return `not measured (${timelines[0]?.missing ?? "no run"})`;
  const labels = measured[0].parts.map(([label]) => label);
  const same = measured.filter((t) => t.parts.length === labels.length && t.parts.every(([label], j) => label === labels[j]));
  const at = (j) => median(same.map((t) => t.parts[j][1]));
  const total = median(same.map((t) => t.total));
  return `${ms(total)} in all (medians of ${same.length} runs): ${labels.map((label, j) => `${label} ${ms(at(j))}`).join("; ")}.`;
}

async function oneTimeline(sandbox) {
  const target = new URL(sandbox.url);
  const requests = [];
  let open = 0;
  const proxy = createServer((req, res) => {
    const started = performance.now();
    open += 1;
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      const chunks = [];
      answer.on("data", (chunk) => chunks.push(chunk));
      answer.once("end", () => {
        open -= 1;
        const ended = performance.now();
        const what = `${req.method} ${new URL(req.url, target).pathname}`;
        // A catalog page's length: the walk ends at the first page shorter than a full one.
        const items = what.endsWith("/connectors") ? JSON.parse(Buffer.concat(chunks).toString("utf8")).length : undefined;
        requests.push({ what, page: Number(new URL(req.url, target).searchParams.get("page")), started, ended, items });
      });
    });
    upstream.once("error", () => {
      open -= 1;
      res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  try {
    const { started, ended, connection } = await coldCall({ ...envFor(sandbox), CYCLR_API_URL: `http://127.0.0.1:${proxy.address().port}` });
    await connection.client.close();
    // Pages asked past the end of the catalog may still be travelling: they belong to their round.
    for (let waits = 0; open > 0 && waits < 200; waits++) await new Promise((resolve) => setTimeout(resolve, 10));
    requests.sort((a, b) => a.started - b.started);
    const token = requests.find((r) => r.what.endsWith("/oauth/token"));
    const pages = requests.filter((r) => r.what.endsWith("/connectors"));
    if (!token || pages.length === 0) return { missing: requests.map((r) => r.what).join(", ") };
    const parts = [
      ["before the first request", token.started - started],
      ["the token", token.ended - token.started],
      ["until the first page is asked", pages[0].started - token.ended],
    ];
    // Rounds: requests that overlap the first page still in flight belong to its round.
    let previousEnd = token.ended;
    let round = [];
    const rounds = [];
    for (const page of pages) {
      if (round.length > 0 && page.started >= Math.max(...round.map((r) => r.ended))) {
        rounds.push(round);
        round = [];
      }
      round.push(page);
    }
    rounds.push(round);
    rounds.forEach((r, i) => {
      const start = Math.min(...r.map((p) => p.started));
      // The walk answers at the first page shorter than a full one: the pages asked with it after it are not waited for.
      const inOrder = [...r].sort((a, b) => a.page - b.page);
      const last = inOrder.findIndex((p) => p.items < PAGE_SIZE);
      const waited = last === -1 ? inOrder : inOrder.slice(0, last + 1);
      const end = Math.max(...waited.map((p) => p.ended));
      if (i > 0) parts.push(["between rounds", start - previousEnd]);
      parts.push([`${r.length === 1 ? "a page" : `${r.length} pages at once`} (${LATENCY_MS} ms of it the sandbox's latency)`, end - start]);
      previousEnd = end;
    });
    parts.push(["after the last page (parsing, search index, result, MCP)", ended - previousEnd]);
    return { total: ended - started, parts };
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
  }
}
