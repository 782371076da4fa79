import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The last line names what was skipped (a test that needs redis-server, say) and how to run it.
    reporters: ["default", "./test/skipped-reporter.ts"],
  },
});
