import { z } from "zod";
import type { CyclrOperations } from "../../cyclr/client.js";
import type { AccountConnector, Connector } from "../../cyclr/schemas.js";
import { computeSetupState } from "../../setup/setup-state.js";
import { defineTool } from "../tool.js";
import { accountConnectorIdArg, accountIdArg, connectorRefSchema, resolveAccountId, setupStateSchema, setupSummary } from "./shared.js";

/** The connector definition behind an account connector; fetched when Cyclr left its Parameters out. */
export async function connectorDefinition(
  cyclr: CyclrOperations,
  accountId: string,
  accountConnector: AccountConnector,
  signal: AbortSignal,
): Promise<Connector> {
  if (accountConnector.Connector.Parameters) return accountConnector.Connector;
  return cyclr.getConnector(accountId, accountConnector.Connector.Id, { signal });
}

export const getAccountConnector = defineTool({
  name: "get_account_connector",
  title: "Get an account connector's setup state",
  description:
    "Check an installed connector (an account connector): whether it is authenticated, its auth type, the required properties " +
    "still unset (with descriptions and allowed values) and the next step. Call it to verify setup after each step.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    accountId: accountIdArg,
  },
  outputSchema: {
    accountId: z.string(),
    accountConnectorId: z.number(),
    name: z.string().optional(),
    connector: connectorRefSchema,
    authenticated: z.boolean(),
    propertiesSet: z.array(z.string()).describe("Names of the properties that have a value (values are not shown)."),
    setup: setupStateSchema,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: (deps) => async (args, { signal }) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const accountConnector = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, accountConnector, signal);
    const setup = computeSetupState(accountConnector, definition, accountId);
    const name = accountConnector.Name ?? accountConnector.Connector.Name;
    return {
      structuredContent: {
        accountId,
        accountConnectorId: accountConnector.Id,
        name,
        connector: { id: accountConnector.Connector.Id, name: accountConnector.Connector.Name },
        authenticated: accountConnector.Authenticated,
        propertiesSet: accountConnector.Properties.filter((p) => p.HasValue).map((p) => p.Name),
        setup,
      },
      text:
        `Account connector ${accountConnector.Id} (${name}) in account ${accountId}: ` +
        `${accountConnector.Authenticated ? "authenticated" : "not authenticated"}` +
        `${setup.authentication.authType ? ` (${setup.authentication.authType}${setup.authentication.oauth2Type ? `/${setup.authentication.oauth2Type}` : ""})` : ""}. ` +
        setupSummary(setup),
    };
  },
});
