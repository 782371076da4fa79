import { attentionSummary, needingAttention } from "../../setup/attention.js";
import { compactAccountConnectorViews } from "../shared/account-connectors.js";
import { cyclesByAccountConnector } from "../shared/cycle-health.js";
import { accountView } from "../shared/accounts.js";
import { completeListedAccountId } from "../completions.js";
import { resolveAccountId } from "../shared/account-policy.js";
import type { ResourceDefinition } from "./resource.js";

export const accountResource: ResourceDefinition = {
  name: "account",
  title: "Account and its connectors' setup states",
  description:
    "One Cyclr account: its details, every connector installed in it with its setup state, and what needs attention with the integrations each one stops (the same as list_account_connectors with attention). Its integrations' health: cyclr://accounts/{accountId}/cycles.",
  mimeType: "application/json",
  uriTemplate: "cyclr://accounts/{accountId}",
  complete: { accountId: completeListedAccountId },
  read: (deps) => async (variables, { signal }) => {
    // Pinning and the allow-list apply to reading as to every call.
    const accountId = resolveAccountId(variables.accountId || undefined, deps);
    const account = accountView(await deps.cyclr.getAccount(accountId, { signal }));
    const [installed, using] = await Promise.all([deps.cyclr.listAccountConnectors(accountId, { signal }), cyclesByAccountConnector(deps, accountId, signal)]);
    const accountConnectors = await compactAccountConnectorViews(deps.cyclr, accountId, installed.items, signal);
    const needing = needingAttention(
      accountConnectors.map((v) => {
        const stops = using?.get(v.accountConnectorId);
        return { ...v, name: v.name ?? v.connector.name, ...(stops?.length && { stops }) };
      }),
    );
    return JSON.stringify({
      account,
      summary: attentionSummary(accountConnectors.length, needing),
      attention: needing.map((c) => ({ accountConnectorId: c.accountConnectorId, name: c.name, why: c.why, ...(c.stops && { stops: c.stops }), nextStep: c.setup.nextStep })),
      accountConnectors,
      ...(installed.leftOut.length && { leftOut: installed.leftOut.length }),
    });
  },
};
