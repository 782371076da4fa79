import * as z from "zod";
import { cardIcon } from "../../../setup/icons.js";
import { defineTool } from "../../tool.js";
import { accountConnectorCheckShape, checkAccountConnector } from "../../shared/account-connector-check.js";
import { accountConnectorIdArg, accountIdArg } from "../../shared/arguments.js";

export const refreshSetupCard = defineTool({
  name: "refresh_setup_card",
  title: "Refresh a setup card",
  description:
    "For the setup card only (hidden from the model): an account connector's setup state, as get_account_connector gives it, with the connector's icon and the account's name. " +
    "waitSeconds waits that long for the person at a link this server gave out (the shared poll), so the card refreshes without polling fast.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    accountId: accountIdArg,
    waitSeconds: z.number().int().min(1).max(30).optional().describe("Wait up to this many seconds for the person at their link; leave out to look once."),
    withIcon: z.boolean().default(false).describe("Also return the connector's icon (the card asks once)."),
    withAccountName: z.boolean().default(false).describe("Also return the account's name, which the card shows under the connector's (the card asks once)."),
  },
  outputSchema: {
    ...accountConnectorCheckShape,
    icon: z.string().optional(),
    accountName: z.string().optional().describe("The Cyclr account's name; left out when Cyclr gives none or the account cannot be read."),
  },
  cyclrCalls: "as get_account_connector; `GET /v1.0/connectors/{id}` for the icon; `GET /v1.0/accounts/{id}` for the account's name",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card", visibility: ["app"] },
  handler: (deps) => async (args, context) => {
    // The same view, the same wait and the same shared poll as the model's get_account_connector.
    const { structuredContent: view, text } = await checkAccountConnector(
      deps,
      { accountConnectorId: args.accountConnectorId, accountId: args.accountId, waitForAuthentication: args.waitSeconds },
      context,
    );
    // Both are decoration: one that cannot be had leaves the card plainer, never fails the refresh.
    const [iconData, account] = await Promise.all([
      args.withIcon ? deps.cyclr.getConnectorIcon(view.accountId, view.connector.id, { signal: context.signal }).catch(() => undefined) : undefined,
      args.withAccountName ? deps.cyclr.getAccount(view.accountId, { signal: context.signal }).catch(() => undefined) : undefined,
    ]);
    const icon = cardIcon(iconData);
    const accountName = account?.Name?.trim();
    return { structuredContent: { ...view, ...(icon !== undefined && { icon }), ...(accountName && { accountName }) }, text };
  },
});
