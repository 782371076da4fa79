import * as z from "zod";
import { searchTemplates } from "../../setup/search.js";
import type { NextStep } from "../../setup/setup-state.js";
import { accountHoldings, cyclesOfTemplate, templateEntry } from "../../setup/templates.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg } from "../shared/arguments.js";
import { tagsArg, templatesTagged } from "../shared/launch.js";
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
    tags: tagsArg.optional().describe("Only templates with one of these tags, 1 to 10 (what a LAUNCH link offers)."),
    installed: z.boolean().optional().describe("Only templates the account has cycles of, newest first (after LAUNCH or the Marketplace)."),
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
  cyclrCalls: "`GET /v1.0/templates?page=&pageSize=` (with tags, `&tag=` once per tag), `GET /v1.0/account/connectors`, `GET /v1.0/cycles` (what the account already has)",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: (deps) => async (args, context) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const options = { signal: context.signal };
    const [templates, installed, cycles] = await Promise.all([
      args.tags ? templatesTagged(deps.cyclr, accountId, args.tags, options) : deps.cyclr.listTemplates(accountId, options),
      deps.cyclr.listAccountConnectors(accountId, options),
      deps.cyclr.listCycles(accountId, options),
    ]);
    const holdings = accountHoldings(accountId, installed.items, cycles.items, templates.items);
    let hits = searchTemplates(templates.items, { ...(args.query !== undefined && { query: args.query }), ...(args.connector !== undefined && { connector: args.connector }) });
    // What the person installed on Cyclr's pages: the templates with cycles, the one with the newest cycle first.
    const afterHandOff = args.installed === true || args.tags !== undefined;
    if (args.installed) hits = hits.filter((hit) => cyclesOfTemplate(holdings, hit.template.Id).length > 0);
    if (afterHandOff) hits = [...hits].sort((a, b) => (holdings.newest.get(b.template.Id.toLowerCase()) ?? -1) - (holdings.newest.get(a.template.Id.toLowerCase()) ?? -1));
    const start = (args.page - 1) * args.pageSize;
    const shown = hits.slice(start, start + args.pageSize).map((hit) => templateEntry(hit.template, holdings, hit.match));
    const hasMore = start + args.pageSize < hits.length;
    const note = templates.leftOut.length ? leftOutNote(templates.leftOut, "template") : undefined;
    const best = (afterHandOff ? shown.find((t) => t.cycles?.length) : undefined) ?? shown[0];
    const existing = best?.cycles?.[0];
    const nextStep: NextStep = !best
      ? args.installed || args.tags
        ? {
            tool: "list_templates",
            arguments: { accountId },
            instruction: `${args.installed ? "The account has no integration installed from a template" : "No template has these tags"}: ask the person whether they finished on Cyclr's page; if the link expired, give them a new one.`,
          }
        : { tool: "list_templates", arguments: { accountId }, instruction: "Nothing matched: ask the person what the integration should do, or search with fewer words or by one application's name." }
      : afterHandOff && existing
        ? {
            tool: "get_cycle",
            arguments: { cycleId: existing.cycleId, accountId },
            instruction: `The newest integration here is ${best.name} (cycle ${existing.cycleId}${existing.status ? `, ${existing.status}` : ""}): check it with get_cycle, which says whether it runs or what it still needs.`,
          }
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

