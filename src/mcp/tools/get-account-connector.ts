import { z } from "zod";
import { WAIT_SECONDS } from "../../setup/setup-state.js";
import { accountConnectorCheckShape, checkAccountConnector } from "../shared/account-connector-check.js";
import { accountConnectorIdArg, accountIdArg } from "../shared/arguments.js";
import { defineTool } from "../tool.js";

export const getAccountConnector = defineTool({
  name: "get_account_connector",
  title: "Get an account connector's setup state",
  description:
    "Check an installed connector: authenticated or not, its auth type, required properties still unset, and the next step. Verify each step with it; after giving the person a link, pass waitForAuthentication to wait for them.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    accountId: accountIdArg,
    waitForAuthentication: z
      .number()
      .int()
      .min(1)
      .max(300)
      .optional()
      .describe(
        `Seconds to wait for the person to finish at their link (${WAIT_SECONDS} fits every client's time limit; if it ends first, nextStep waits again).`,
      ),
  },
  outputSchema: accountConnectorCheckShape,
  cyclrCalls: "`GET /v1.0/account/connectors/{id}` (and `GET /v1.0/connectors/{id}` if Cyclr leaves the parameters out)",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  handler: (deps) => (args, context) => checkAccountConnector(deps, args, context),
});
