#!/usr/bin/env node
/**
 * The cards' weight: each built card (dist/apps/<card>.html, what a host reads for every card it
 * shows) beside the goal. A figure of `npm run bench`; `node bench/card-sizes.mjs` prints it alone
 * after `npm run build`.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The goal for each card's HTML, in bytes (issue 29: at most 200 KB). */
export const CARD_SIZE_GOAL_BYTES = 200 * 1024;

/**
 * Each built card's size in bytes, largest first, with whether it meets the goal.
 * @param {string} [root] the package's root (where dist/ is)
 * @returns {{ card: string, bytes: number, goalBytes: number, met: boolean }[]}
 */
export function measureCardSizes(root = fileURLToPath(new URL("..", import.meta.url))) {
  const dir = join(root, "dist", "apps");
  let names;
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".html"));
  } catch (error) {
    throw new Error(`No built cards in ${dir}: run npm run build first.`, { cause: error });
  }
  if (names.length === 0) throw new Error(`No built cards in ${dir}: run npm run build first.`);
  return names
    .map((name) => {
      const bytes = statSync(join(dir, name)).size;
      return { card: name.replace(/\.html$/, ""), bytes, goalBytes: CARD_SIZE_GOAL_BYTES, met: bytes <= CARD_SIZE_GOAL_BYTES };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  for (const { card, bytes, goalBytes, met } of measureCardSizes()) console.log(`${met ? "•" : "✗"} card size, ${card}: ${kb(bytes)} (goal ≤ ${kb(goalBytes)})`);
}
