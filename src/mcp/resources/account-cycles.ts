import { cyclesSummary, needingAttention, RECENT_DAYS } from "../../setup/cycle-health.js";
import { completeListedAccountId } from "../completions.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { healthEntry, loadAccountHealth } from "../shared/cycle-health.js";
import type { ResourceDefinition } from "./resource.js";

export const accountCyclesResource: ResourceDefinition = {
  name: "account-cycles",
  title: "An account's integrations and their health",
  description:
    `Every integration (cycle) of one Cyclr account with its status, connectors, last successful run, error incidents in the last ${RECENT_DAYS} days and health; ` +
    "those that need attention, most urgent first, with why and the next step; and the summary line (the same as list_cycles, every page). Completions for `accountId`.",
  mimeType: "application/json",
  uriTemplate: "cyclr://accounts/{accountId}/cycles",
  complete: { accountId: completeListedAccountId },
  read: (deps) => async (variables, { signal }) => {
    // Pinning and the allow-list apply to reading as to every call.
    const accountId = resolveAccountId(variables.accountId || undefined, deps);
    const { cycles, errorsUnknown, leftOut } = await loadAccountHealth(deps, accountId, signal, { prerequisites: true });
    const needing = needingAttention(cycles);
    return JSON.stringify({
      accountId,
      summary: cyclesSummary(cycles.length, needing, errorsUnknown),
      attention: needing.map((c) => ({ cycleId: c.cycleId, name: c.name, why: c.health.why, nextStep: c.health.nextStep })),
      cycles: cycles.map((c) => healthEntry(c, false)),
      ...(leftOut && { leftOut }),
    });
  },
};
