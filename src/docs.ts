/**
 * The README's reference, generated from the code's own definitions: the settings table, the tools
 * (with their arguments from the zod schemas), the prompts and the resources. `npm run docs` writes
 * it between the README's markers; a test fails when the README differs from what this generates.
 */
import type * as z from "zod";
import { SETTINGS } from "./config/index.js";
import { PROMPTS } from "./mcp/prompts/index.js";
import { RESOURCES } from "./mcp/resources/index.js";
import type { ToolDefinition } from "./mcp/tool.js";
import { TOOLS } from "./mcp/tools/index.js";

export type ReferenceSection = "configuration" | "tools" | "prompts" | "resources";

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();

function argumentList(shape: Record<string, z.ZodType>): string {
  return Object.entries(shape)
    .map(([name, schema]) => `\`${name}${schema.safeParse(undefined).success ? "?" : ""}\``)
    .join(", ");
}

function configuration(): string {
  const rows = Object.values(SETTINGS).map(
    (s) => `| \`${s.env}${s.type === "boolean" ? "=1" : ""}\` | \`--${s.flag}\` | ${cell(s.help)}${"secret" in s && s.secret ? " Secret: prefer the environment variable (flags show in process listings)." : ""} |`,
  );
  return ["| variable | flag | meaning |", "|---|---|---|", ...rows].join("\n");
}

function tools(): string {
  const rows = (TOOLS as readonly unknown[] as ToolDefinition[]).map((tool) => {
    const hints = [
      tool.annotations.readOnlyHint ? "read-only" : undefined,
      tool.annotations.destructiveHint ? "destructive" : undefined,
      tool.changesCycles ? (tool.changesConnectors ? "changes cycles and connectors" : "changes cycles") : undefined,
    ].filter(Boolean);
    return `| \`${tool.name}\`${hints.length ? ` (${hints.join(", ")})` : ""} | ${argumentList(tool.inputSchema as Record<string, z.ZodType>)} | ${cell(tool.description)} | ${cell(tool.cyclrCalls)} |`;
  });
  return ["| tool | arguments | what it does | Cyclr calls |", "|---|---|---|---|", ...rows].join("\n");
}

function prompts(): string {
  const rows = PROMPTS.map((prompt) => `| \`${prompt.name}\` | ${argumentList(prompt.argsSchema)} | ${cell(prompt.description)} |`);
  return ["| prompt | arguments | what it gives |", "|---|---|---|", ...rows].join("\n");
}

function resources(): string {
  const rows = RESOURCES.map((resource) => {
    const completes = Object.keys(resource.complete ?? {});
    return `| \`${resource.uri ?? resource.uriTemplate}\` | ${resource.mimeType} | ${cell(resource.description)}${completes.length ? ` Completions for ${completes.map((v) => `\`${v}\``).join(" and ")}.` : ""} |`;
  });
  return ["| URI | type | content |", "|---|---|---|", ...rows].join("\n");
}

const GENERATORS: Record<ReferenceSection, () => string> = { configuration, tools, prompts, resources };

export function referenceSection(section: ReferenceSection): string {
  return GENERATORS[section]();
}

export const REFERENCE_SECTIONS = Object.keys(GENERATORS) as ReferenceSection[];

const marker = (section: string, end: boolean) => `<!-- ${end ? "/" : ""}generated:${section} (npm run docs) -->`;

/** The README with one generated section replaced. */
export function withSection(readme: string, section: string, content: string): string {
  const start = readme.indexOf(marker(section, false));
  const end = readme.indexOf(marker(section, true));
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers of the ${section} section: ${marker(section, false)} … ${marker(section, true)}`);
  return `${readme.slice(0, start + marker(section, false).length)}\n${content}\n${readme.slice(end)}`;
}

/** The generated section's current content in the README. */
export function sectionOf(readme: string, section: string): string {
  const start = readme.indexOf(marker(section, false));
  const end = readme.indexOf(marker(section, true));
  return start < 0 || end < start ? "" : readme.slice(start + marker(section, false).length + 1, end - 1);
}

/** The README with every reference section replaced by what the code says now. */
export function withReference(readme: string): string {
  return REFERENCE_SECTIONS.reduce((out, section) => withSection(out, section, referenceSection(section)), readme);
}

/**
 * The demo's transcript as the README shows it: ports, one-time tokens and times vary from run to
 * run, so they are replaced by fixed stand-ins (the same in every run).
 */
export function readmeTranscript(demoOutput: string): string {
  // The first onboarding only: the README opens with a short session.
  const second = demoOutput.indexOf("── Step", demoOutput.indexOf("The person says", demoOutput.indexOf("The person says") + 1) - 20);
  const first = demoOutput.slice(demoOutput.indexOf("── Step 1"), second > 0 ? second : undefined);
  const ports = new Map<string, string>();
  const stablePorts = ["41621", "34739", "38211", "45007"];
  const body = first
    .replace(/127\.0\.0\.1:(\d+)/g, (_, port: string) => {
      if (!ports.has(port)) ports.set(port, stablePorts[ports.size] ?? "40000");
      return `127.0.0.1:${ports.get(port)}`;
    })
    .replace(/\/credentials\/[\w-]+/g, "/credentials/E8kH…KPo")
    .replace(/token=[^&\s"]+/g, "token=nDTC…%3D%3D")
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, "2026-11-25T10:00:00.000Z")
    .replace(/after \d+(\.\d+)? s\)/g, "after 0 s)")
    .trim();
  return ["```", body, "```"].join("\n");
}
