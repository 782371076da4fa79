import * as z from "zod";
import { computeSetupState, possibleMethods } from "../../setup/setup-state.js";
import { accountConnectorNames, accountConnectorNamesShape, connectorDefinition } from "../shared/account-connectors.js";
import { confirmWithPerson } from "../shared/confirmation.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountConnectorIdArg, accountIdArg, confirmArg, forCycleArg } from "../shared/arguments.js";
import { setupStateSchema, setupSummary } from "../shared/results.js";

export const reconnectConnector = defineTool({
  name: "reconnect_connector",
  title: "Reconnect an account connector",
  description:
    "For a connector that stopped working (credentials expired or revoked upstream, even if Cyclr says authenticated): signs it out, then setup.nextStep leads to a new sign-in (with cycleId, and then back to that integration).",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    accountId: accountIdArg,
    cycleId: forCycleArg.describe("The integration it is reconnected for (get_cycle_activity passes it): the next steps lead back to it."),
    confirm: confirmArg,
  },
  outputSchema: {
    ...accountConnectorNamesShape,
    outcome: z.enum(["deauthenticated", "cancelled"]).describe("cancelled: the person did not confirm; nothing changed."),
    setup: setupStateSchema,
  },
  cyclrCalls: "`GET /v1.0/account/connectors/{id}`, `PUT /v1.0/account/connectors/{id}/deauthenticate` `{}`, `GET /v1.0/account/connectors/{id}`",
  // Destructive: the old credentials stop working. Repeating it changes nothing more.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    const before = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, before, signal);
    const ids = accountConnectorNames(accountId, before);
    const name = ids.name ?? ids.connector.name;
    const methods = possibleMethods(before, definition);
    // Only a credential the person gives again can be renewed this way; the others say where theirs live.
    if (!methods.some((m) => m === "oauthLink" || m === "apiKey" || m === "basic")) {
      const { nextStep } = computeSetupState(before, definition, accountId);
      const why =
        methods.includes("none")
          ? "needs no authentication, so there is nothing to reconnect; if it stopped, check its properties with get_account_connector."
          : methods.includes("clientCredentials") || methods.includes("authFields")
            ? "keeps its credentials in properties: set new values with set_connector_properties (secret ones through create_credential_link)."
            : `is not authenticated through this server. ${nextStep.instruction}`;
      throw new ToolInputError(`${name} (account connector ${before.Id}) ${why}`);
    }
    const decision = await confirmWithPerson(context.person, args.confirm, {
      question: `Reconnect ${name} in account ${accountId}? It is signed out at once: its current credentials stop working until the person signs in again.`,
      action: "Reconnect (sign out now)",
      tool: "reconnect_connector",
    });
    if (decision === "declined") {
      const setup = computeSetupState(before, definition, accountId, args.cycleId);
      const cancelled = { ...setup, nextStep: { arguments: {}, instruction: `The person did not confirm: ${name} was not signed out. Ask what they want to do.` } };
      return { structuredContent: { ...ids, outcome: "cancelled" as const, setup: cancelled }, text: `Not reconnected: the person did not confirm. Nothing changed.` };
    }
    const said = await deps.cyclr.deauthenticateAccountConnector(accountId, before.Id, { signal });
    const after = await deps.cyclr.getAccountConnector(accountId, before.Id, { signal });
    // Cyclr answered that it de-authenticated it: a stale Authenticated in the read that follows must not make it look ready.
    const setup = computeSetupState({ ...after, Authenticated: false }, definition, accountId, args.cycleId);
    return {
      structuredContent: { ...ids, outcome: "deauthenticated" as const, setup },
      text: `${said.Message ?? `${name} was de-authenticated.`} ${setupSummary(setup)}`,
    };
  },
});
