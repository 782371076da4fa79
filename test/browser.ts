/**
 * The Chromium the browser tests drive (through playwright-core, which never downloads a browser):
 * CHROMIUM_PATH if set; else Debian's at /usr/bin/chromium; else the one the npm package
 * @sparticuz/chromium ships inside itself (unpacked to the temporary folder on first use), so that
 * `npm test` needs nothing beyond `npm install`. TEST_BROWSER=bundled picks the npm one even where
 * Debian's is installed (CI runs the browser tests both ways).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const SYSTEM_CHROMIUM = "/usr/bin/chromium";
// As root, without the sandbox; and no background traffic, which a closed network refuses.
const ARGS = ["--no-sandbox", "--no-zygote", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export async function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): Promise<{ path: string; source: string }> {
  if (env.TEST_BROWSER !== "bundled") {
    if (env.CHROMIUM_PATH) {
      if (!existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which does not exist.`);
      return { path: env.CHROMIUM_PATH, source: "CHROMIUM_PATH" };
    }
    if (existsSync(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, source: "Debian's chromium" };
  }
  const { default: bundled } = await import("@sparticuz/chromium");
  return { path: await bundled.executablePath(), source: "@sparticuz/chromium" };
}

export async function launchChromium(): Promise<Browser> {
  const { path } = await chromiumExecutable();
  return chromium.launch({ executablePath: path, args: ARGS });
}
