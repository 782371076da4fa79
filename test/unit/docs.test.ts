/** The README and mcp.json.example name every setting and tool the code has, and nothing it lacks. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config.js";
import { TOOLS } from "../../src/mcp/tools/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const example = JSON.parse(readFileSync(new URL("../../mcp.json.example", import.meta.url), "utf8")) as {
  mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
};
const envNames = Object.values(SETTINGS).map((s) => s.env);

describe("README", () => {
  it("opens with the demo and the test command", () => {
    const firstBlock = readme.slice(0, readme.indexOf("```", readme.indexOf("```") + 3));
    expect(firstBlock).toContain("npm install && npm run demo");
    expect(firstBlock).toContain("npm test");
  });

  it("documents every setting with its flag", () => {
    for (const setting of Object.values(SETTINGS)) {
      expect(readme).toContain(`\`${setting.env}`);
      expect(readme).toContain(`\`--${setting.flag}\``);
    }
  });

  it("documents every tool", () => {
    for (const tool of TOOLS) expect(readme).toContain(`\`${tool.name}\``);
  });
});

describe("mcp.json.example", () => {
  it("uses only real settings, and the built CLI", () => {
    for (const [name, entry] of Object.entries(example.mcpServers)) {
      for (const key of Object.keys(entry.env ?? {})) expect(envNames, `${name}.${key}`).toContain(key);
      expect(entry.command === "npx" ? entry.args : entry.args[0]).toSatisfy((arg: unknown) =>
        Array.isArray(arg) ? arg.includes("cyclr-mcp") : String(arg).endsWith("dist/cli.js"),
      );
    }
  });
});
