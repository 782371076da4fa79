import { describe, expect, it } from "vitest";
import { chromiumExecutable } from "../browser.js";

describe("the Chromium the browser tests use", () => {
  it("is the npm package's own when asked, or when the machine has none", async () => {
    const bundled = await chromiumExecutable({ TEST_BROWSER: "bundled" });
    expect(bundled.source).toBe("@sparticuz/chromium");
    expect(bundled.path).toMatch(/chromium$/);
  });

  it("names a CHROMIUM_PATH that does not exist", async () => {
    await expect(chromiumExecutable({ CHROMIUM_PATH: "/nowhere/chromium" })).rejects.toThrow(/CHROMIUM_PATH is \/nowhere\/chromium/);
  });
});
