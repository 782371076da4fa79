import { z } from "zod";
import { cardIcon } from "../../../setup/icons.js";
import { defineTool } from "../../tool.js";
import { accountConnectorCheckShape, checkAccountConnector } from "../../shared/account-connector-check.js";
import { accountConnectorIdArg, accountIdArg } from "../../shared/arguments.js";

export const refreshSetupCard = defineTool({
  name: "refresh_setup_card",
  title: "Refresh a setup card",
  description:
    "For the setup card only (hidden from the model): an account connector's setup state, as get_account_connector gives it, with the connector's icon. " +
    "waitSeconds waits that long for the person at a link this server gave out (the shared poll), so the card refreshes without polling fast.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    accountId: accountIdArg,
    waitSeconds: z.number().int().min(1).max(30).optional().describe("Wait up to this many seconds for the person at their link; leave out to look once."),
    withIcon: z.boolean().default(false).describe("Also return the connector's icon (the card asks once)."),
  },
  outputSchema: {
    ...accountConnectorCheckShape,
    icon: z.string().optional(),
  },
  cyclrCalls: "as get_account_connector; `GET /v1.0/connectors/{id}` for the icon",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card", visibility: ["app"] },
  handler: (deps) => async (args, context) => {
    // The same view, the same wait and the same shared poll as the model's get_account_connector.
    const { structuredContent: view, text } = await checkAccountConnector(
      deps,
      { accountConnectorId: args.accountConnectorId, accountId: args.accountId, waitForAuthentication: args.waitSeconds },
      context,
    );
    const icon = args.withIcon ? cardIcon(await deps.cyclr.getConnectorIcon(view.accountId, view.connector.id, { signal: context.signal }).catch(() => undefined)) : undefined;
    return { structuredContent: { ...view, ...(icon !== undefined && { icon }) }, text };
  },
});
