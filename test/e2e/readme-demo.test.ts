/** The README opens with a real session: what the demo prints now, with its ports, tokens and times held fixed. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { readmeTranscript, sectionOf } from "../../src/docs.js";

it("the README's opening transcript is what the demo prints (npm run docs rewrites it)", () => {
  const demo = spawnSync(process.execPath, [fileURLToPath(new URL("../../dist/demo.js", import.meta.url))], { encoding: "utf8", timeout: 60_000 });
  expect(demo.status, demo.stderr).toBe(0);
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  expect(sectionOf(readme, "demo")).toBe(readmeTranscript(demo.stdout));
});
