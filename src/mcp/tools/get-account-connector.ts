import * as z from "zod";
import { WAIT_SECONDS, type SetupState } from "../../setup/setup-state.js";
import { accountConnectorCheckShape, checkAccountConnector } from "../shared/account-connector-check.js";
import type { AccountConnectorView } from "../shared/account-connectors.js";
import { accountConnectorIdArg, accountIdArg } from "../shared/arguments.js";
import { setupStateSchema } from "../shared/results.js";
import { defineTool } from "../tool.js";

/**
 * What the model reads of the check: the setup state and its next step, each thing said once.
 * Left out: the installed name when it is the connector's; an empty list of properties set;
 * setup.authentication's `authenticated` (said at the top) and OAuth2 flow (the next step's
 * instruction says what it takes); of a missing property, `required` (a missing one always is),
 * `sensitive` when false and a label that is only the name. The setup card gets the whole view
 * from refresh_setup_card, and reads these results with those defaults.
 */
const { authentication, missingProperties } = setupStateSchema.shape;
const leanSetupSchema = setupStateSchema.extend({
  authentication: authentication.omit({ authenticated: true, oauth2Type: true }),
  missingProperties: z
    .array(missingProperties.element.partial({ label: true, required: true, sensitive: true }))
    .optional()
    .describe("Present when properties are missing; each is required, and `sensitive` (typed on a credential page, never in the chat) appears only when true."),
});

const leanShape = {
  ...accountConnectorCheckShape,
  name: accountConnectorCheckShape.name.describe("Present when it differs from connector.name."),
  propertiesSet: accountConnectorCheckShape.propertiesSet.optional(),
  setup: leanSetupSchema,
};

function leanSetup(setup: SetupState): z.infer<typeof leanSetupSchema> {
  const { method, authType, alternatives } = setup.authentication;
  return {
    state: setup.state,
    authentication: { method, ...(authType !== undefined && { authType }), ...(alternatives !== undefined && { alternatives }) },
    ...(setup.missingProperties.length > 0 && {
      missingProperties: setup.missingProperties.map((property) => ({
        name: property.name,
        ...(property.label !== undefined && property.label !== property.name && { label: property.label }),
        ...(property.description !== undefined && { description: property.description }),
        ...(property.sensitive && { sensitive: true }),
        ...(property.allowedValues !== undefined && { allowedValues: property.allowedValues }),
      })),
    }),
    nextStep: setup.nextStep,
  };
}

function lean<V extends AccountConnectorView>({ name, propertiesSet, setup, ...view }: V) {
  return {
    ...view,
    ...(name !== undefined && name !== view.connector.name && { name }),
    ...(propertiesSet.length > 0 && { propertiesSet }),
    setup: leanSetup(setup),
  };
}

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
  outputSchema: leanShape,
  cyclrCalls: "`GET /v1.0/account/connectors/{id}` (and `GET /v1.0/connectors/{id}` if Cyclr leaves the parameters out)",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  handler: (deps) => async (args, context) => {
    const { structuredContent, text } = await checkAccountConnector(deps, args, context);
    return { structuredContent: lean(structuredContent), text };
  },
});
