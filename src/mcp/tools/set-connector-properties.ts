import { z } from "zod";
import { mayHaveBeenApplied } from "../../cyclr/errors.js";
import { connectorProperties, looksSensitive } from "../../setup/catalog.js";
import { computeSetupState } from "../../setup/setup-state.js";
import { describeError } from "../errors.js";
import { defineTool } from "../tool.js";
import { connectorDefinition } from "./get-account-connector.js";
import { accountConnectorIdArg, accountIdArg, propertiesArg, resolveAccountId, setupStateSchema, setupSummary } from "./shared.js";

export const setConnectorProperties = defineTool({
  name: "set_connector_properties",
  title: "Set account connector properties",
  description:
    "Set required (or optional) properties on an installed connector (step 3 of setup; do it before authenticating). " +
    "Names come from missingProperties in get_account_connector or install_connector. Each property is set separately " +
    "and reported on its own: one failure does not stop the others; a property whose answer was lost (timeout, closed connection, " +
    "server error) is reported as unknown, and is not sent again. Values are never echoed back.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    properties: propertiesArg.min(1).describe('The properties to set, e.g. [{name: "isSandbox", value: "false"}].'),
    accountId: accountIdArg,
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
    setup: setupStateSchema,
  },
  // Destructive: a value already set is overwritten.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  secrets: (args) => args.properties.filter((p) => looksSensitive(p.name)).map((p) => p.value),
  handler: (deps) => async (args, { signal }) => {
    const accountId = resolveAccountId(args.accountId, deps);
    // Read first: an unknown id fails cleanly before anything is written, and we learn which values are secret.
    const accountConnector = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, accountConnector, signal);
    const sensitive = new Set(
      connectorProperties(definition.Parameters)
        .filter((p) => p.sensitive)
        .map((p) => p.name.toLowerCase()),
    );

    const results: { name: string; outcome: "set" | "failed" | "unknown"; error?: string }[] = [];
    for (const property of args.properties) {
      try {
        const isSecret = sensitive.has(property.name.toLowerCase()) || looksSensitive(property.name);
        await deps.cyclr.setAccountConnectorProperty(accountId, accountConnector.Id, { ...property, sensitive: isSecret }, { signal });
        results.push({ name: property.name, outcome: "set" });
        const existing = accountConnector.Properties.find((p) => p.Name.toLowerCase() === property.name.toLowerCase());
        if (existing) existing.HasValue = property.value !== "";
        else accountConnector.Properties.push({ Id: undefined, Name: property.name, HasValue: property.value !== "" });
      } catch (error) {
        const reason = describeError(error);
        if (reason === undefined) throw error;
        results.push({ name: property.name, outcome: mayHaveBeenApplied(error) ? "unknown" : "failed", error: reason });
      }
    }

    const setup = computeSetupState(accountConnector, definition, accountId);
    const set = results.filter((r) => r.outcome === "set");
    const unknown = results.filter((r) => r.outcome === "unknown");
    const lines = results.map((r) => `- ${r.name}: ${r.outcome}${r.error ? ` (${r.error})` : ""}`);
    return {
      structuredContent: { accountId, accountConnectorId: accountConnector.Id, results, setup },
      text: [
        `Set ${set.length} of ${results.length} properties on account connector ${accountConnector.Id}` +
          `${unknown.length ? ` (${unknown.length} unknown: call get_account_connector to see whether they are set before sending them again)` : ""}:`,
        ...lines,
        setupSummary(setup),
      ].join("\n"),
    };
  },
});
