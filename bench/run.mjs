#!/usr/bin/env node
/**
 * `npm run bench`: runs the measures in bench/measures/ and prints one table (each figure, its
 * reference measured in the same run, the goal, met or not), then writes it with the measures' notes
 * to bench/results.md (full runs only). Timing lives here, never in `npm test`. Everything runs on
 * loopback against the embedded sandbox; every loop is bounded.
 *
 *   node bench/run.mjs [--quick] [--only=cold,scale,...]
 *
 * --quick runs fewer iterations and smaller catalogs; --only runs the measures named (their `name`).
 *
 * Adding a measure: write bench/measures/<file>.mjs exporting
 *   export default { name: "short-name", async run({ quick, row, note }) { ... } };
 * where row(measure, value, reference, goal, met) adds a line to the table (met: true, false, or
 * undefined when there is no goal) and note(text) a paragraph under it; take what measures share
 * (the sandbox, spawning the server over stdio or HTTP, peak RSS, statistics) from ./shared.mjs.
 * Then add its file name to MEASURES below, where it should run.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { root } from "./shared.mjs";

const MEASURES = ["cold-start", "per-call", "revisions", "tokens", "templates", "cycles", "cards", "catalog-scale", "search", "hosted", "auth", "replicas"];

const quick = process.argv.includes("--quick");
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length).split(",");
const measures = await Promise.all(MEASURES.map(async (file) => (await import(`./measures/${file}.mjs`)).default));
const unknown = (only ?? []).filter((name) => !measures.some((m) => m.name === name));
if (unknown.length > 0) {
  console.error(`bench: no measure named ${unknown.join(", ")}; the measures are ${measures.map((m) => m.name).join(", ")}.`);
  process.exit(2);
}

const rows = [];
const notes = [];
const row = (measure, value, reference, goal, met) => {
  rows.push({ measure, value, reference, goal, met: met === undefined ? "" : met ? "yes" : "**no**" });
  console.log(`${met === false ? "✗" : "•"} ${measure}: ${value} (reference ${reference}; goal ${goal})`);
};
const note = (text) => notes.push(text);

const loadBefore = loadavg();
const started = performance.now();
for (const measure of measures) {
  if (only && !only.includes(measure.name)) continue;
  await measure.run({ quick, row, note });
}
const minutes = (performance.now() - started) / 60_000;
const loadAfter = loadavg();

const cpu = cpus()[0]?.model ?? "unknown CPU";
const load = (values) => values.map((v) => v.toFixed(2)).join(" / ");
const lines = [
  "# Benchmark results",
  "",
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\`${quick ? " --quick" : ""} on ${cpu} (${cpus().length} cores), Node ${process.version}, in ${minutes.toFixed(1)} minutes.`,
  "Each figure is a median with its interquartile range, beside its reference measured in the same run.",
  `The machine is shared: its load average (1 / 5 / 15 minutes) was ${load(loadBefore)} before the run and ${load(loadAfter)} after it (${cpus().length} cores).`,
  "",
  "| measure | value | reference | goal | met |",
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.measure} | ${r.value} | ${r.reference} | ${r.goal} | ${r.met} |`),
  "",
  ...notes.flatMap((text) => [text, ""]),
];
const table = lines.join("\n");
if (!quick && !only) writeFileSync(`${root}bench/results.md`, table);
console.log(`\n${table}`);
