import { existsSync, readFileSync } from "node:fs";

/**
 * The package's folder (a file: URL ending in /): the first one up from this module with a
 * package.json, so it is found from src/ (the tests), from tsc's dist/ and from the bundle's chunks
 * (dist/chunks/) alike.
 */
export const PACKAGE_ROOT: URL = packageRoot(new URL("./", import.meta.url));

function packageRoot(from: URL): URL {
  for (let folder = from; ; folder = new URL("../", folder)) {
    if (existsSync(new URL("package.json", folder))) return folder;
    if (new URL("../", folder).href === folder.href) throw new Error(`cyclr-mcp: no package.json above ${from.href}`);
  }
}

/** The package version, read from package.json so it is written in one place only. */
export const VERSION: string = (JSON.parse(readFileSync(new URL("package.json", PACKAGE_ROOT), "utf8")) as { version: string }).version;
