import * as z from "zod";
import { attentionSummary, needingAttention, reconnectStep } from "../../setup/attention.js";
import type { NextStep } from "../../setup/setup-state.js";
import { compactAccountConnectorViews } from "../shared/account-connectors.js";
import { cyclesByAccountConnector } from "../shared/cycle-health.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg } from "../shared/arguments.js";
import { connectorRefSchema, leftOutNote, nextStepSchema, setupStateSchema } from "../shared/results.js";

export const listAccountConnectors = defineTool({
  name: "list_account_connectors",
  title: "List the connectors installed in the account",
  description:
    "List what is installed in the account (account connectors), each with its setup state. Call it before installing, to resume a half-done setup. " +
    "attention: true answers \"what is broken\". Paged: check hasMore.",
  inputSchema: {
    accountId: accountIdArg,
    attention: z.boolean().optional().describe("true: only those not ready, why, most urgent first, and a summary."),
    page: z.number().int().min(1).max(10_000).default(1).describe("Page number, from 1."),
    pageSize: z.number().int().min(1).max(100).default(20).describe("1-100, default 20."),
  },
  outputSchema: {
    accountId: z.string(),
    page: z.number(),
    pageSize: z.number(),
    hasMore: z.boolean().describe("True when a later page may have more."),
    leftOut: z.number().optional().describe("Account connectors on this page that Cyclr sent in a shape this server cannot read: left out (see note)."),
    note: z.string().optional(),
    summary: z.string().optional().describe("With attention: one line for the whole account."),
    accountConnectors: z.array(
      z.object({
        accountConnectorId: z.number(),
        name: z.string().optional(),
        connector: connectorRefSchema,
        authenticated: z.boolean(),
        why: z.string().optional().describe("With attention: why it is not ready."),
        stops: z
          .array(z.object({ cycleId: z.string(), name: z.string().optional() }))
          .optional()
          .describe("With attention: the integrations (cycles) that use it, stopped until it is set up."),
        setup: setupStateSchema,
      }),
    ),
    ready: z
      .array(z.object({ accountConnectorId: z.number(), name: z.string().optional(), connector: connectorRefSchema }))
      .optional()
      .describe("With attention: the others, set up as far as Cyclr can tell."),
    nextStep: nextStepSchema.optional().describe("With attention: the most urgent fix, or how to reconnect one that stopped anyway."),
  },
  cyclrCalls: "`GET /v1.0/account/connectors?page=&pageSize=` (every page with attention; then also `GET /v1.0/cycles`, for the integrations each one stops)",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  handler: (deps) => async (args, { signal }) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const [installed, using] = await Promise.all([
      args.attention ? deps.cyclr.listAccountConnectors(accountId, { signal }) : deps.cyclr.listAccountConnectorsPage(accountId, { page: args.page, pageSize: args.pageSize }, { signal }),
      args.attention ? cyclesByAccountConnector(deps, accountId, signal) : undefined,
    ]);
    const views = await compactAccountConnectorViews(deps.cyclr, accountId, installed.items, signal);
    const note = installed.leftOut.length ? leftOutNote(installed.leftOut, "account connector") : undefined;
    const line = (ac: (typeof views)[number] & { why?: string; stops?: { name?: string; cycleId: string }[] }) =>
      `- ${ac.name ?? ac.connector.name} (account connector ${ac.accountConnectorId}, ${ac.connector.name}): ${ac.why ?? ac.setup.state}` +
      `${ac.stops?.length ? `; stops ${ac.stops.map((c) => c.name ?? c.cycleId).join(", ")}` : ""}${ac.setup.nextStep.tool ? `; next: ${ac.setup.nextStep.tool}` : ""}`;
    const common = { accountId, page: args.page, pageSize: args.pageSize, ...(installed.leftOut.length && { leftOut: installed.leftOut.length }), ...(note !== undefined && { note }) };

    if (args.attention) {
      // The whole account is read, so that the summary and the order are the account's, not a page's.
      const needing = needingAttention(
        views.map((v) => {
          const stops = using?.get(v.accountConnectorId);
          return { ...v, name: v.name ?? v.connector.name, ...(stops?.length && { stops }) };
        }),
      );
      const start = (args.page - 1) * args.pageSize;
      const shown = needing.slice(start, start + args.pageSize);
      const ready = views.filter((v) => v.setup.state === "ready").map((v) => ({ accountConnectorId: v.accountConnectorId, ...(v.name !== undefined && { name: v.name }), connector: v.connector }));
      const summary = attentionSummary(views.length, needing);
      const first = needing[0];
      const nextStep: NextStep = first
        ? first.setup.nextStep
        : ready.length
          ? reconnectStep(accountId, ready.map((r) => ({ accountConnectorId: r.accountConnectorId, name: r.name ?? r.connector.name })))
          : { tool: "list_connectors", arguments: { accountId }, instruction: "Nothing is installed: find the connector the person wants and install it." };
      return {
        structuredContent: { ...common, hasMore: needing.length > start + args.pageSize, summary, accountConnectors: shown, ready, nextStep },
        text: [`Account ${accountId}: ${summary}`, ...shown.map(line), ...(note !== undefined ? [note] : []), `Next: ${nextStep.tool ?? "nothing"}. ${nextStep.instruction}`].join("\n"),
      };
    }

    // The page's size counts what was left out too: a full page may still be followed by more.
    const hasMore = installed.items.length + installed.leftOut.length === args.pageSize;
    const heading =
      views.length === 0
        ? args.page === 1
          ? `Nothing is installed in account ${accountId} yet.`
          : `No account connectors on page ${args.page}.`
        : `${views.length} account connector(s) in account ${accountId} on page ${args.page}${hasMore ? ` (page ${args.page + 1} may have more)` : ""}:`;
    return {
      structuredContent: { ...common, hasMore, accountConnectors: views },
      text: [heading, ...views.map(line), ...(note !== undefined ? [note] : [])].join("\n"),
    };
  },
});
