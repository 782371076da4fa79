import * as z from "zod";
import type { NextStep } from "../../setup/setup-state.js";
import { findAccounts } from "../shared/accounts.js";
import { defineTool } from "../tool.js";
import { accountSchema, leftOutNote, nextStepSchema } from "../shared/results.js";

export const listAccounts = defineTool({
  name: "list_accounts",
  title: "Find the customer's Cyclr account",
  description: "Find a customer's Cyclr account by name (typos are fine) among the partner's accounts. Paged: check hasMore.",
  inputSchema: {
    query: z.string().trim().max(200).optional().describe("What the person calls the customer, or the account id."),
    page: z.number().int().min(1).max(10_000).default(1).describe("Page number, from 1."),
    pageSize: z.number().int().min(1).max(100).default(20).describe("1-100, default 20."),
  },
  outputSchema: {
    page: z.number(),
    pageSize: z.number(),
    hasMore: z.boolean(),
    leftOut: z.number().optional(),
    note: z.string().optional(),
    accounts: z.array(accountSchema.extend({ match: z.enum(["exact", "prefix", "word", "fuzzy"]).optional() })),
    nextStep: nextStepSchema,
  },
  cyclrCalls: "`GET /v1.0/accounts?page=&pageSize=` (every page when searching or allow-listed; `GET /v1.0/accounts/{id}` when pinned)",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: (deps) => async (args, { signal }) => {
    const found = await findAccounts(deps, { ...(args.query !== undefined && { query: args.query }), page: args.page, pageSize: args.pageSize }, signal);
    const pinned = deps.accounts?.pinnedAccountId;
    const notes = [
      ...(pinned !== undefined ? [`This session is pinned to account ${pinned}: it is the only account it sees.`] : []),
      ...(found.leftOut.length ? [leftOutNote(found.leftOut, "account")] : []),
    ];
    const best = found.accounts[0];
    const nextStep: NextStep = best
      ? {
          tool: "list_cycles",
          arguments: { accountId: best.accountId, attention: true },
          instruction:
            `Confirm with the person that ${best.name ?? best.accountId} (${best.accountId}) is the customer's account` +
            `${found.accounts.length > 1 ? `; others matched too: ${found.accounts.slice(1, 4).map((a) => a.name ?? a.accountId).join(", ")}` : ""}. ` +
            "Then see what needs attention in it: its integrations (they name a connector that stops them; list_account_connectors with attention shows the connectors alone), or list_connectors with its accountId to install a connector there.",
        }
      : {
          // A pinned session cannot create accounts: only the search is worth repeating there.
          ...(pinned === undefined && args.query ? { tool: "create_account", arguments: { name: "<the customer's name, as they spell it>" } } : { arguments: {} }),
          instruction:
            "No account matched: check the customer's name with the person" +
            (pinned === undefined && args.query ? `; if they are a new customer, create their account.` : "."),
        };
    const lines = found.accounts.map((a) => `- ${a.name ?? "(no name)"} (${a.accountId})${a.match ? `: ${a.match} match` : ""}`);
    const heading = found.accounts.length
      ? `${found.accounts.length} account(s)${args.query ? ` matching "${args.query}"` : ""} on page ${args.page}${found.hasMore ? ` (page ${args.page + 1} has more)` : ""}:`
      : `No account${args.query ? ` matches "${args.query}"` : "s"}${args.page > 1 ? ` on page ${args.page}` : ""}.`;
    return {
      structuredContent: {
        page: args.page,
        pageSize: args.pageSize,
        hasMore: found.hasMore,
        ...(found.leftOut.length && { leftOut: found.leftOut.length }),
        ...(notes.length && { note: notes.join(" ") }),
        accounts: found.accounts,
        nextStep,
      },
      text: [heading, ...lines, ...notes, nextStep.tool ? `Next: ${nextStep.tool}. ${nextStep.instruction}` : nextStep.instruction].join("\n"),
    };
  },
});
