import { z } from "zod";
import { searchTemplates } from "../../setup/search.js";
import type { NextStep } from "../../setup/setup-state.js";
import { accountHoldings, templateEntry } from "../../setup/templates.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg } from "../shared/arguments.js";
import { leftOutNote, nextStepSchema } from "../shared/results.js";

export const templateEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  connectors: z.array(z.object({ name: z.string(), ready: z.boolean().optional().describe("Present when the account has it installed: true once it is set up.") })),
  cycles: z.array(z.object({ cycleId: z.string(), status: z.string().optional() })).optional().describe("The account's integrations installed from this template."),
  match: z.enum(["exact", "prefix", "word", "fuzzy"]).optional().describe("How it matched the query; fuzzy means a likely typo, so confirm with the person."),
});

export const listTemplates = defineTool({
  name: "list_templates",
  title: "List the partner's integration templates",
  description:
    "Find an integration template (\"sync Salesforce contacts to Mailchimp\"): compact entries with the connectors each needs, which of them the account already has ready, and the account's cycles of it. query forgives case, accents and typos; a connector's name finds the templates that use it. Then install_template.",
  inputSchema: {
    query: z.string().trim().max(200).optional().describe('What the person wants, e.g. "salesforce to mailchimp".'),
    connector: z.string().trim().max(200).optional().describe("Only templates using this connector, e.g. \"Slack\"."),
    accountId: accountIdArg,
    page: z.number().int().min(1).max(10_000).default(1).describe("Page number, from 1."),
    pageSize: z.number().int().min(1).max(100).default(20).describe("1-100, default 20."),
  },
  outputSchema: {
    accountId: z.string(),
    total: z.number().describe("How many templates match, across all pages."),
    page: z.number(),
    pageSize: z.number(),
    hasMore: z.boolean(),
    templates: z.array(templateEntrySchema),
    leftOut: z.number().optional().describe("Templates Cyclr sent in a shape this server cannot read (see note)."),
    note: z.string().optional(),
    nextStep: nextStepSchema,
  },
  cyclrCalls: "`GET /v1.0/templates?page=&pageSize=`, `GET /v1.0/account/connectors`, `GET /v1.0/cycles` (what the account already has)",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: (deps) => async (args, context) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const options = { signal: context.signal };
    const [templates, installed, cycles] = await Promise.all([
      deps.cyclr.listTemplates(accountId, options),
      deps.cyclr.listAccountConnectors(accountId, options),
      deps.cyclr.listCycles(accountId, options),
    ]);
    const holdings = accountHoldings(accountId, installed.items, cycles.items, templates.items);
    const hits = searchTemplates(templates.items, { ...(args.query !== undefined && { query: args.query }), ...(args.connector !== undefined && { connector: args.connector }) });
    const start = (args.page - 1) * args.pageSize;
    const shown = hits.slice(start, start + args.pageSize).map((hit) => templateEntry(hit.template, holdings, hit.match));
    const hasMore = start + args.pageSize < hits.length;
    const note = templates.leftOut.length ? leftOutNote(templates.leftOut, "template") : undefined;
    const best = shown[0];
    const existing = best?.cycles?.[0];
    const nextStep: NextStep = !best
      ? { tool: "list_templates", arguments: { accountId }, instruction: "Nothing matched: ask the person what the integration should do, or search with fewer words or by one application's name." }
      : existing
        ? {
            tool: "get_cycle",
            arguments: { cycleId: existing.cycleId, accountId },
            instruction: `${best.name} is already installed in this account (cycle ${existing.cycleId}${existing.status ? `, ${existing.status}` : ""}): carry on with it, unless the person wants a second one (install_template with again: true).`,
          }
        : {
            tool: "install_template",
            arguments: { templateId: best.id, accountId },
            instruction: `Confirm with the person which integration they mean${shown.length > 1 ? ` (best match: ${best.name})` : ""}, then install it.`,
          };
    const lines = shown.map(
      (t) =>
        `- ${t.name} (id ${t.id}${t.match === "fuzzy" ? "; close match" : ""}): ${t.connectors.map((c) => `${c.name}${c.ready === true ? " (ready)" : c.ready === false ? " (installed, not ready)" : ""}`).join(" + ")}` +
        `${t.cycles?.length ? `; installed as ${t.cycles.map((c) => c.cycleId).join(", ")}` : ""}`,
    );
    const heading = hits.length === 0 ? "No templates match." : `${hits.length} template(s) match; showing ${shown.length} on page ${args.page}${hasMore ? ` (more on page ${args.page + 1})` : ""}:`;
    return {
      structuredContent: {
        accountId,
        total: hits.length,
        page: args.page,
        pageSize: args.pageSize,
        hasMore,
        templates: shown,
        ...(templates.leftOut.length && { leftOut: templates.leftOut.length }),
        ...(note !== undefined && { note }),
        nextStep,
      },
      text: [heading, ...lines, ...(note !== undefined ? [note] : []), `Next: ${nextStep.tool}. ${nextStep.instruction}`].join("\n"),
    };
  },
});
