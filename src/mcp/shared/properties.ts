/**
 * Setting account connector properties: one call per property, each reported on its own; and asking
 * the person for missing ones through a form when their client can show one (never for a secret).
 */
import type { CyclrOperations } from "../../cyclr/client.js";
import { mayHaveBeenApplied } from "../../cyclr/errors.js";
import type { AccountConnector, Connector } from "../../cyclr/schemas.js";
import { connectorProperties, looksSensitive, type ConnectorProperty } from "../../setup/catalog.js";
import { describeError } from "../errors.js";
import type { PersonChannel } from "./person.js";

export interface PropertyResult {
  name: string;
  outcome: "set" | "failed" | "unknown";
  error?: string;
}

/** Whether a property's value is a secret: flagged by the connector, or named like one. */
export function isSecretProperty(definition: Connector, name: string): boolean {
  const lower = name.toLowerCase();
  return looksSensitive(name) || connectorProperties(definition.Parameters).some((p) => p.sensitive && p.name.toLowerCase() === lower);
}

/**
 * The Id of the property the account connector already has under this name (Cyclr's own name
 * first, then ignoring case): a correction is a PUT of that property, not a second POST.
 */
export function existingPropertyId(accountConnector: Pick<AccountConnector, "Properties">, name: string): string | undefined {
  const lower = name.toLowerCase();
  const found = accountConnector.Properties.find((p) => p.Name === name) ?? accountConnector.Properties.find((p) => p.Name.toLowerCase() === lower);
  return found?.Id;
}

/** Sets each property (PUT when it exists, else POST); a failure is reported and the rest still go. Updates accountConnector's properties. */
export async function writeProperties(
  cyclr: CyclrOperations,
  accountId: string,
  accountConnector: AccountConnector,
  definition: Connector,
  properties: readonly { name: string; value: string }[],
  signal: AbortSignal,
  keepSecret: (secret: string) => void,
): Promise<PropertyResult[]> {
  const results: PropertyResult[] = [];
  for (const property of properties) {
    try {
      const sensitive = isSecretProperty(definition, property.name);
      if (sensitive) keepSecret(property.value);
      const id = existingPropertyId(accountConnector, property.name);
      const stored = await cyclr.setAccountConnectorProperty(accountId, accountConnector.Id, { ...property, sensitive, ...(id !== undefined && { id }) }, { signal });
      results.push({ name: property.name, outcome: "set" });
      const existing = accountConnector.Properties.find((p) => p.Name.toLowerCase() === property.name.toLowerCase());
      if (existing) {
        existing.HasValue = property.value !== "";
        existing.Id ??= stored.Id;
      } else {
        // Kept with the Id Cyclr gave it, so that a second value in the same call is a PUT.
        accountConnector.Properties.push({ Id: stored.Id, Name: property.name, HasValue: property.value !== "" });
      }
    } catch (error) {
      const reason = describeError(error);
      if (reason === undefined) throw error;
      // A lost answer may hide a value that was set: say so rather than "failed", and never resend it blindly.
      results.push({ name: property.name, outcome: mayHaveBeenApplied(error) ? "unknown" : "failed", error: reason });
    }
  }
  return results;
}

export type FormOutcome = "filled" | "declined" | "unsupported" | "nothing_to_ask";

/**
 * Asks the person for the missing properties that are not secrets, with allowed values as choices.
 * Secrets are never put in a form: the MCP spec forbids it.
 */
export async function askForProperties(
  person: PersonChannel,
  connectorName: string,
  missing: readonly ConnectorProperty[],
): Promise<{ outcome: FormOutcome; values: { name: string; value: string }[] }> {
  const askable = missing.filter((p) => !p.sensitive && !looksSensitive(p.name));
  if (askable.length === 0) return { outcome: "nothing_to_ask", values: [] };
  if (!person.fillForm) return { outcome: "unsupported", values: [] };
  const answers = await person.fillForm(
    `${connectorName} needs ${askable.length === 1 ? "this setting" : "these settings"} before it can be connected.`,
    askable.map((p) => ({
      name: p.name,
      title: p.label ?? p.name,
      ...(p.description !== undefined && { description: p.description }),
      ...(p.allowedValues !== undefined && { allowedValues: p.allowedValues }),
    })),
  );
  if (!answers) return { outcome: "declined", values: [] };
  return { outcome: "filled", values: Object.entries(answers).map(([name, value]) => ({ name, value })) };
}
