/** The README and mcp.json.example name every setting and tool the code has, and nothing it lacks. */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/index.js";
import { withReference } from "../../src/docs.js";
import { TOOLS } from "../../src/mcp/tools/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const example = JSON.parse(readFileSync(new URL("../../mcp.json.example", import.meta.url), "utf8")) as {
  mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
};
const envNames = Object.values(SETTINGS).map((s) => s.env);

describe("README", () => {
  it("opens with a session from the demo, then the commands to run it and the tests", () => {
    const intro = readme.slice(0, readme.indexOf("\n## "));
    expect(intro).toContain("<!-- generated:demo (npm run docs) -->");
    expect(intro).toContain("npm install && npm run demo");
    expect(intro).toContain("npm test");
  });

  it("has the reference the code generates (tools, prompts, resources, settings): run npm run docs after a change", () => {
    expect(withReference(readme)).toBe(readme);
    for (const tool of TOOLS) expect(readme).toContain(`| \`${tool.name}\``);
    for (const setting of Object.values(SETTINGS)) expect(readme).toContain(`\`--${setting.flag}\``);
  });
});

describe("the docs", () => {
  const pages = ["README.md", "AGENTS.md", ...readdirSync(new URL("../../docs/", import.meta.url)).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];

  it("name paths of the repository (or ../shared beside it), never a path of one machine", () => {
    // An absolute path (/work/..., /home/..., C:\...) works on the writer's machine only.
    const machinePath = /(?<![\w.:/-])(\/(?:work|home|root|tmp|Users|var|opt|mnt)\/[\w.-]+|[A-Z]:\\[\w.-]+)/;
    for (const page of pages) {
      const text = readFileSync(new URL(`../../${page}`, import.meta.url), "utf8");
      const found = machinePath.exec(text);
      expect(found?.[0], `${page} names a path of one machine`).toBeUndefined();
    }
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

describe("mcp.vscode.json.example", () => {
  const vscode = JSON.parse(readFileSync(new URL("../../mcp.vscode.json.example", import.meta.url), "utf8")) as {
    inputs: { id: string; password?: boolean }[];
    servers: Record<string, { env: Record<string, string> }>;
  };

  it("prompts for the secret as a password, and keeps none in the file", () => {
    const env = vscode.servers.cyclr?.env ?? {};
    for (const key of Object.keys(env)) expect(envNames).toContain(key);
    const secretInput = /^\$\{input:(.+)\}$/.exec(env.CYCLR_CLIENT_SECRET ?? "")?.[1];
    expect(vscode.inputs.find((input) => input.id === secretInput)?.password).toBe(true);
    expect(env.CYCLR_CLIENT_ID).toMatch(/^\$\{input:/);
  });
});
