import * as z from "zod";
import { cycleHealth } from "../../../setup/cycle-health.js";
import { defineTool } from "../../tool.js";
import { resolveAccountId } from "../../shared/account-policy.js";
import { accountIdArg, cycleIdArg } from "../../shared/arguments.js";
import { incidentEntry, incidentEntrySchema, realRun } from "../../shared/cycle-health.js";
import { cycleViewShape, loadCycle, waitForCycle } from "../../shared/cycles.js";

/** Problems the card shows at most. */
const RECENT = 3;

export const refreshCycleCard = defineTool({
  name: "refresh_cycle_card",
  title: "Refresh a setup card's integration",
  description:
    "For the setup card only (hidden from the model): an integration's setup state as get_cycle gives it, with its health (status, last successful run, its latest incidents) and the account's name. " +
    "waitSeconds waits that long for the person at a link given for one of its connectors (the shared poll), so the card refreshes without polling fast.",
  inputSchema: {
    cycleId: cycleIdArg,
    accountId: accountIdArg,
    waitSeconds: z.number().int().min(1).max(30).optional().describe("Wait up to this many seconds for the person at their link; leave out to look once."),
    withAccountName: z.boolean().default(false).describe("Also return the account's name (the card asks once)."),
  },
  outputSchema: {
    ...cycleViewShape,
    lastRun: z.string().optional(),
    health: z.object({
      state: z.enum(["failing", "not_signed_in", "stopped", "some_errors", "not_set_up", "healthy", "paused"]),
      why: z.string().optional(),
      recent: z.array(incidentEntrySchema).describe(`Its latest incidents, at most ${RECENT}: cut and redacted.`),
    }),
    accountName: z.string().optional(),
  },
  cyclrCalls: "as get_cycle; `GET /v1.0/cycles/{id}/incidents?page=1&pageSize=3&sortOrderAsc=false`; `GET /v1.0/accounts/{id}` for the account's name",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card", visibility: ["app"] },
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    // The same view and the same wait as the model's get_cycle.
    const loaded = args.waitSeconds === undefined ? await loadCycle(deps, accountId, args.cycleId, signal) : undefined;
    const view = loaded?.view ?? (await waitForCycle(deps, accountId, args.cycleId, args.waitSeconds ?? 0, context)).view;
    const [cycle, incidents, account] = await Promise.all([
      loaded?.cycle ?? deps.cyclr.getCycle(accountId, view.cycleId, { signal }),
      deps.cyclr.listCycleIncidentsPage(accountId, view.cycleId, { page: 1, pageSize: RECENT, newestFirst: true }, { signal }).catch((error: unknown) => {
        if (signal.aborted) throw error;
        return undefined;
      }),
      args.withAccountName ? deps.cyclr.getAccount(accountId, { signal }).catch(() => undefined) : undefined,
    ]);
    const recent = (incidents?.items ?? []).map((i) => incidentEntry(i));
    const newestError = recent.find((i) => i.level.toLowerCase() === "error");
    const health = cycleHealth({
      accountId,
      cycleId: view.cycleId,
      ...(view.status !== undefined && { status: view.status }),
      ...(cycle.LastSuccessfulRunDate !== undefined && { lastRun: cycle.LastSuccessfulRunDate }),
      connectors: view.setup.connectors.map((c) => ({ accountConnectorId: c.accountConnectorId, name: c.name, signedIn: c.ready })),
      ...(incidents && { recentErrors: recent.filter((i) => i.level.toLowerCase() === "error").length, recentErrorsCapped: recent.length === RECENT }),
      ...(newestError && { latestError: { ...(newestError.at && { at: newestError.at }), ...(newestError.step && { step: newestError.step }), ...(newestError.message && { message: newestError.message }), action: newestError.action } }),
    });
    const lastRun = realRun(cycle.LastSuccessfulRunDate);
    const accountName = account?.Name?.trim();
    return {
      structuredContent: {
        ...view,
        ...(lastRun !== undefined && { lastRun }),
        health: { state: health.state, ...(health.why !== undefined && { why: health.why }), recent },
        ...(accountName && { accountName }),
      },
      text: `${view.name ?? view.cycleId}: ${view.setup.state}; ${health.why ?? health.state}.`,
    };
  },
});
