/**
 * The catalog as an assistant sees it: compact connector entries (never icons), local search and
 * filtering, and the account connector properties a connector declares.
 */
import type { Connector, Parameter } from "../cyclr/schemas.js";

export interface CatalogEntry {
  id: number;
  name: string;
  description?: string;
  authTypes: string[];
  version?: string;
  categories: string[];
  /** Only when not "Approved" (a draft cannot be installed). */
  status?: string;
}

export interface ConnectorProperty {
  /** The property name to set (the parameter's TargetName). */
  name: string;
  label?: string;
  description?: string;
  required: boolean;
  sensitive: boolean;
  allowedValues?: string[];
}

export interface AuthenticationOption {
  authenticationId?: string;
  name?: string;
  authType?: string;
  oauth2Type?: string;
}

const SHORT_DESCRIPTION = 140;

export function shortText(text: string | undefined, max = SHORT_DESCRIPTION): string | undefined {
  if (!text) return undefined;
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** The connector's authentication methods: Authentication[] when present, else the (deprecated) top-level fields. */
export function authenticationOptions(connector: Connector): AuthenticationOption[] {
  if (connector.Authentication.length > 0) {
    return connector.Authentication.map((method) => ({
      authenticationId: method.Id,
      name: method.AuthName,
      authType: method.AuthType,
      oauth2Type: method.AuthType === "OAuth2" ? method.OAuth2Type : undefined,
    }));
  }
  if (connector.AuthType) {
    return [{ authType: connector.AuthType, oauth2Type: connector.AuthType === "OAuth2" ? connector.OAuth2Type : undefined }];
  }
  return [];
}

export function catalogEntry(connector: Connector): CatalogEntry {
  const authTypes = [...new Set(authenticationOptions(connector).flatMap((option) => (option.authType ? [option.authType] : [])))];
  const entry: CatalogEntry = { id: connector.Id, name: connector.Name, authTypes, categories: connector.Categories };
  const description = shortText(connector.Description);
  if (description) entry.description = description;
  if (connector.Version) entry.version = connector.Version;
  if (connector.Status && connector.Status !== "Approved") entry.status = connector.Status;
  return entry;
}

/**
 * Lower-case, accents removed, runs of spaces and punctuation folded to one space. The words are
 * joined rather than the runs replaced: a replace builds a rope of every piece, which the search
 * index would keep for each of ten thousand connectors, where a join is one flat string.
 */
export function normalizeText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .join(" ");
}

export function connectorProperties(parameters: readonly Parameter[] | undefined): ConnectorProperty[] {
  const properties: ConnectorProperty[] = [];
  for (const parameter of parameters ?? []) {
    if (!parameter.IsAccountConnectorProperty || !parameter.TargetName) continue;
    const property: ConnectorProperty = {
      name: parameter.TargetName,
      required: !parameter.IsOptional,
      sensitive: parameter.IsSensitive,
    };
    if (parameter.Name) property.label = parameter.Name;
    const description = shortText(parameter.Description, 300);
    if (description) property.description = description;
    if (parameter.Values) property.allowedValues = parameter.Values;
    properties.push(property);
  }
  return properties;
}

/** A property whose value is a secret even when the connector does not flag it. */
export function looksSensitive(name: string): boolean {
  return /pass(word)?|secret|token|api.?key|private/i.test(name);
}
