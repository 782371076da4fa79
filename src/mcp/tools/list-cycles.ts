import * as z from "zod";
import { cyclesSummary, needingAttention, RECENT_DAYS } from "../../setup/cycle-health.js";
import { searchTemplates } from "../../setup/search.js";
import type { NextStep } from "../../setup/setup-state.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg } from "../shared/arguments.js";
import { cycleHealthEntrySchema, healthEntry, loadAccountHealth, type CycleWithHealth } from "../shared/cycle-health.js";
import { nextStepSchema } from "../shared/results.js";

export const listCycles = defineTool({
  name: "list_cycles",
  title: "List the account's integrations and their health",
  description:
    `List the account's integrations (cycles): status, connectors, last successful run and error incidents in the last ${RECENT_DAYS} days, each with its health. ` +
    "attention: true answers \"which integration is broken\": only those that need a person (failing, a connector not signed in, stopped after errors, paused with something missing), most urgent first, each with why and its nextStep. " +
    "A summary line for the whole account either way. Paged: check hasMore.",
  inputSchema: {
    accountId: accountIdArg,
    query: z.string().trim().max(200).optional().describe('Part of the integration\'s name or a connector\'s, e.g. "contacts" or "salesforce" (typos are fine).'),
    status: z.string().trim().max(40).optional().describe('Only cycles with this Cyclr status, e.g. "Active" or "Paused".'),
    attention: z.boolean().optional().describe("true: only those that need a person, most urgent first, each with nextStep."),
    page: z.number().int().min(1).max(10_000).default(1).describe("Page number, from 1."),
    pageSize: z.number().int().min(1).max(100).default(20).describe("1-100, default 20."),
  },
  outputSchema: {
    accountId: z.string(),
    total: z.number().describe("Integrations in the account."),
    matched: z.number().describe("Those that match query, status and attention, across all pages."),
    page: z.number(),
    pageSize: z.number(),
    hasMore: z.boolean(),
    summary: z.string().describe("One line for the whole account."),
    cycles: z.array(cycleHealthEntrySchema),
    note: z.string().optional(),
    nextStep: nextStepSchema,
  },
  cyclrCalls: "`GET /v1.0/cycles` (every page), `GET /v1.0/cycles/incidents/error?after=` (the last days, newest first, at most 20 pages); `GET /v1.0/account/connectors` when a cycle does not say whether its connectors are signed in; with attention, `GET /v1.0/cycles/{id}/prerequisites` for paused cycles that never ran",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  handler: (deps) => async (args, { signal }) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const { cycles, errorsUnknown, leftOut } = await loadAccountHealth(deps, accountId, signal, { prerequisites: args.attention === true });
    const needing = needingAttention(cycles);
    const summary = cyclesSummary(cycles.length, needing, errorsUnknown);

    let pool: CycleWithHealth[] = args.attention ? needing : cycles;
    if (args.status) pool = pool.filter((c) => (c.cycle.Status ?? "").toLowerCase() === args.status?.toLowerCase());
    if (args.query) {
      const hits = searchTemplates(
        pool.map((c) => ({ Name: c.name ?? "", Description: c.cycle.Description, Tags: c.cycle.Tags, Connectors: c.connectors.map((k) => ({ Name: k.name })), c })),
        { query: args.query },
      );
      pool = hits.map((hit) => hit.template.c);
    }
    const start = (args.page - 1) * args.pageSize;
    const shown = pool.slice(start, start + args.pageSize);
    const hasMore = start + args.pageSize < pool.length;
    const entries = shown.map((c) => healthEntry(c, args.attention === true));

    const first = needing[0];
    const nextStep: NextStep =
      cycles.length === 0
        ? {
            tool: "list_account_connectors",
            arguments: { accountId, attention: true },
            instruction: "This account has no integrations: see whether its connectors need attention (or list_templates to set one up).",
          }
        : first
          ? first.health.nextStep
          : {
              tool: "get_cycle_activity",
              arguments: { accountId, cycleId: "<the cycleId of the integration the person says stopped>" },
              instruction:
                "Cyclr shows nothing wrong with them. If the person says one stopped, look at its activity: what ran, what failed and why.",
            };
    const notes = [
      ...(errorsUnknown ? [`The account's error incidents could not be read, so recentErrors is left out: the health says only what the status and connectors show.`] : []),
      ...(leftOut ? [`${leftOut} cycle${leftOut === 1 ? " was" : "s were"} left out: Cyclr sent ${leftOut === 1 ? "it" : "them"} in a shape this server cannot read.`] : []),
    ];
    const line = (e: (typeof entries)[number]) =>
      `- ${e.name ?? e.cycleId} (${e.cycleId}; ${e.status ?? "status unknown"}; ${e.connectors.join(", ") || "no connectors"}): ${e.why ?? e.health}` +
      `${e.lastRun ? `; last run ${e.lastRun}` : "; never ran"}${e.nextStep?.tool ? `; next: ${e.nextStep.tool}` : ""}`;
    const heading = pool.length
      ? `${shown.length} of ${pool.length} integration(s)${args.attention ? " needing attention" : ""} in account ${accountId} on page ${args.page}${hasMore ? ` (page ${args.page + 1} has more)` : ""}:`
      : `No integration${args.attention ? " needs attention" : " matches"} in account ${accountId}${args.page > 1 ? ` on page ${args.page}` : ""}.`;
    return {
      structuredContent: {
        accountId,
        total: cycles.length,
        matched: pool.length,
        page: args.page,
        pageSize: args.pageSize,
        hasMore,
        summary,
        cycles: entries,
        ...(notes.length && { note: notes.join(" ") }),
        nextStep,
      },
      text: [`Account ${accountId}: ${summary}`, heading, ...entries.map(line), ...notes, nextStep.tool ? `Next: ${nextStep.tool}. ${nextStep.instruction}` : nextStep.instruction].join("\n"),
    };
  },
});
