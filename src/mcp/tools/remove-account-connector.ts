import * as z from "zod";
import { accountConnectorNames, accountConnectorNamesShape } from "../shared/account-connectors.js";
import { confirmWithPerson } from "../shared/confirmation.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountConnectorIdArg, accountIdArg, confirmArg } from "../shared/arguments.js";
import { nextStepSchema } from "../shared/results.js";

export const removeAccountConnector = defineTool({
  name: "remove_account_connector",
  title: "Remove an account connector",
  description: "Uninstall a connector from the account: its settings and credentials are deleted.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    accountId: accountIdArg,
    confirm: confirmArg,
  },
  outputSchema: {
    ...accountConnectorNamesShape,
    outcome: z.enum(["removed", "cancelled"]).describe("cancelled: the person did not confirm; nothing changed."),
    nextStep: nextStepSchema,
  },
  cyclrCalls: "`GET /v1.0/account/connectors/{id}`, `DELETE /v1.0/account/connectors/{id}`",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    // Read first: an unknown id fails cleanly, and the result can say what was removed.
    const accountConnector = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal });
    const ids = accountConnectorNames(accountId, accountConnector);
    const { connector } = ids;
    const name = ids.name ?? connector.name;
    const what = `${name} (account connector ${accountConnector.Id}, connector ${connector.name}) from account ${accountId}`;
    const decision = await confirmWithPerson(context.person, args.confirm, {
      question: `Remove ${what}? Its settings and credentials are deleted; anything using it stops.`,
      action: "Remove it",
      tool: "remove_account_connector",
    });
    if (decision === "declined") {
      const nextStep = { arguments: {}, instruction: `The person did not confirm: ${name} was not removed. Ask what they want to do.` };
      return { structuredContent: { ...ids, outcome: "cancelled" as const, nextStep }, text: "Not removed: the person did not confirm. Nothing changed." };
    }
    await deps.cyclr.deleteAccountConnector(accountId, accountConnector.Id, { signal });
    const nextStep = {
      arguments: {},
      instruction: `Tell the person ${name} was removed. To set it up again: install_connector with connectorId ${connector.id} and accountId ${accountId}.`,
    };
    return { structuredContent: { ...ids, outcome: "removed" as const, nextStep }, text: `Removed ${what}. ${nextStep.instruction}` };
  },
});
