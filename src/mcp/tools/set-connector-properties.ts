import * as z from "zod";
import { connectorDefinition } from "../shared/account-connectors.js";
import { ToolInputError } from "../errors.js";
import { askForProperties, isSecretProperty, writeProperties } from "../shared/properties.js";
import { looksSensitive } from "../../setup/catalog.js";
import { computeSetupState } from "../../setup/setup-state.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountConnectorIdArg, accountIdArg, forCycleArg, propertiesArg } from "../shared/arguments.js";
import { setupStateSchema, setupSummary } from "../shared/results.js";

export const setConnectorProperties = defineTool({
  name: "set_connector_properties",
  title: "Set account connector properties",
  description:
    "Set properties on an installed connector (step 3, before authenticating); names from setup.missingProperties. Each is set and reported on its own; one whose answer was lost is reported unknown and not sent again. Values are never echoed. Leave properties out to ask the person in a form, where their client can.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    properties: propertiesArg({ min: 1 })
      .optional()
      .describe('1 to 50, e.g. [{name: "isSandbox", value: "false"}]; leave out for a form.'),
    accountId: accountIdArg,
    cycleId: forCycleArg,
  },
  outputSchema: {
    accountId: z.string(),
    accountConnectorId: z.number(),
    results: z.array(
      z.object({
        name: z.string(),
        outcome: z
          .enum(["set", "failed", "unknown"])
          .describe("set; failed (Cyclr refused it: not set); unknown (the request may have reached Cyclr but its answer was lost: check with get_account_connector)."),
        error: z.string().optional().describe("Why it failed or is unknown, and what to do."),
      }),
    ),
    form: z.enum(["filled", "declined", "unsupported", "nothing_to_ask"]).optional().describe("When properties was left out: what became of the form."),
    setup: setupStateSchema,
  },
  // Destructive: a value already set is overwritten.
  cyclrCalls:
    "`GET /v1.0/account/connectors/{id}`, then per property: `PUT /v1.0/account/connectors/{id}/properties/{propertyId}` `{Name, Value, Id}` for one it already has, `POST /v1.0/account/connectors/{id}/properties` `{Name, Value}` for a new one",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  secrets: (args) => (args.properties ?? []).filter((p) => looksSensitive(p.name)).map((p) => p.value),
  handler: (deps) => async (args, context) => {
    const accountId = resolveAccountId(args.accountId, deps);
    // Read first: an unknown id fails cleanly before anything is written, and we learn which values are secret.
    const accountConnector = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal: context.signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, accountConnector, context.signal);

    let properties = args.properties;
    let form: Awaited<ReturnType<typeof askForProperties>>["outcome"] | undefined;
    if (!properties) {
      const missing = computeSetupState(accountConnector, definition, accountId).missingProperties;
      const asked = await askForProperties(context.person, definition.Name, missing);
      form = asked.outcome;
      if (asked.outcome === "unsupported") {
        throw new ToolInputError(
          `properties is missing, and this client cannot show a form: ask the person for ${missing.map((p) => p.name).join(", ")} and pass them as properties.`,
        );
      }
      properties = asked.values;
    }

    const results = await writeProperties(deps.cyclr, accountId, accountConnector, definition, properties, context.signal, context.keepSecret);
    const setup = computeSetupState(accountConnector, definition, accountId, args.cycleId);
    const set = results.filter((r) => r.outcome === "set");
    const unknown = results.filter((r) => r.outcome === "unknown");
    const lines = results.map((r) => `- ${r.name}: ${r.outcome}${r.error ? ` (${r.error})` : ""}`);
    const formLine =
      form === "declined" ? "The person declined the form; nothing was set." : form === "nothing_to_ask" ? "Nothing to ask in a form." : undefined;
    const secretsLeft = setup.missingProperties.filter((p) => isSecretProperty(definition, p.name));
    return {
      structuredContent: { accountId, accountConnectorId: accountConnector.Id, results, ...(form && { form }), setup },
      text: [
        ...(formLine ? [formLine] : []),
        ...(results.length
          ? [
              `Set ${set.length} of ${results.length} properties on account connector ${accountConnector.Id}` +
                `${unknown.length ? ` (${unknown.length} unknown: call get_account_connector to see whether they are set before sending them again)` : ""}:`,
              ...lines,
            ]
          : []),
        ...(form && secretsLeft.length ? [`Secret values are never asked for in a form: ${secretsLeft.map((p) => p.name).join(", ")} still need setting.`] : []),
        setupSummary(setup),
      ].join("\n"),
    };
  },
});
