/**
 * What a credential page asks the person for: exactly what the account connector still needs that
 * is secret. The API key (ApiKey), the username and password (Basic), and each required property
 * marked sensitive or named like a secret. Pure.
 */
import type { AccountConnector, Connector } from "../cyclr/schemas.js";
import { authMethodKind } from "./auth-types.js";
import { looksSensitive } from "./catalog.js";
import { accountConnectorAuth, computeSetupState } from "./setup-state.js";

export interface CredentialField {
  /** The form field: "apiKey", "username", "password", or "property:<name>". */
  field: string;
  label: string;
  description?: string;
  /** Shown as a password input. */
  secret: boolean;
}

export interface CredentialRequest {
  /** How a submitted credential is stored: an AuthValue (key, or Basic), and/or properties. */
  authValue?: "apiKey" | "basic";
  properties: string[];
  fields: CredentialField[];
}

export const PROPERTY_FIELD = "property:";

export function credentialRequest(accountConnector: AccountConnector, definition: Connector, accountId: string): CredentialRequest | undefined {
  const setup = computeSetupState(accountConnector, definition, accountId);
  const secretProperties = setup.missingProperties.filter((p) => p.sensitive || looksSensitive(p.name));
  const fields: CredentialField[] = secretProperties.map((p) => ({
    field: `${PROPERTY_FIELD}${p.name}`,
    label: p.label ?? p.name,
    ...(p.description !== undefined && { description: p.description }),
    secret: true,
  }));
  const { authType, oauth2Type } = accountConnectorAuth(accountConnector, definition);
  const method = authMethodKind(authType, oauth2Type);
  let authValue: CredentialRequest["authValue"];
  if (!accountConnector.Authenticated && method === "apiKey") {
    authValue = "apiKey";
    fields.push({ field: "apiKey", label: "API key", description: `Your ${definition.Name} API key.`, secret: true });
  } else if (!accountConnector.Authenticated && method === "basic") {
    authValue = "basic";
    fields.push({ field: "username", label: "Username", secret: false }, { field: "password", label: "Password", secret: true });
  }
  if (fields.length === 0) return undefined;
  return { ...(authValue && { authValue }), properties: secretProperties.map((p) => p.name), fields };
}
