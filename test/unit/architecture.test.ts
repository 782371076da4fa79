/**
 * docs/architecture.md is the map a newcomer reads first: it must match the tree. Every path it (or
 * the pages it leads to) names exists, and every folder of src/ is on the map.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const read = (page: string) => readFileSync(join(root, page), "utf8");

/** The folders of src/, which the pages may name without "src/" (`hosting/http.ts`). */
const SRC_FOLDERS = readdirSync(join(root, "src")).filter((name) => statSync(join(root, "src", name)).isDirectory());

/** Paths of the repository a page names in backticks (src/..., test/..., ...), with any `#symbol` or `:line` left off. */
function namedPaths(text: string): string[] {
  const paths = new Set<string>();
  const start = new RegExp(`^((?:src|test|bench|scripts|docs|${SRC_FOLDERS.join("|")})\\/[\\w./-]*)`);
  for (const [, inside] of text.matchAll(/`([^`\n]+)`/g)) {
    for (const word of (inside ?? "").split(/[\s,()]+/)) {
      const path = start.exec(word)?.[1]?.replace(/[.:]+$/, "").replace(/\/$/, "");
      if (!path || path.includes("<")) continue;
      paths.add(SRC_FOLDERS.some((folder) => path.startsWith(`${folder}/`)) ? `src/${path}` : path);
    }
  }
  return [...paths];
}

function folders(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((name) => statSync(join(root, dir, name)).isDirectory())
    .flatMap((name) => [`${dir}/${name}`, ...folders(`${dir}/${name}`)]);
}

describe("the architecture docs", () => {
  const map = read("docs/architecture.md");

  it.each(["docs/architecture.md", "docs/modules.md", "AGENTS.md"])("%s names only paths that exist", (page) => {
    const missing = namedPaths(read(page)).filter((path) => !existsSync(join(root, path)));
    expect(missing).toEqual([]);
  });

  it("names every folder of src/ on the map", () => {
    const named = new Set(namedPaths(map));
    const unnamed = folders("src").filter((folder) => !named.has(folder) && ![...named].some((path) => path.startsWith(`${folder}/`)));
    expect(unnamed).toEqual([]);
  });

  it("leads to the pages beside it, which exist", () => {
    for (const page of ["modules.md", "cyclr-api.md"]) {
      expect(map).toContain(`(${page})`);
      expect(existsSync(join(root, "docs", page))).toBe(true);
    }
  });
});
