/**
 * The setup state of an account connector: which required properties are missing, whether it still
 * needs authenticating and how, and the next tool call. Pure: derived from what Cyclr returned.
 * Order follows Cyclr's docs: set required properties first, then authenticate.
 */
import type { AccountConnector, Connector } from "../cyclr/schemas.js";
import { authMethodKind, type AuthMethodKind } from "./auth-types.js";
import { authenticationOptions, connectorProperties, looksSensitive, type ConnectorProperty } from "./catalog.js";

export type SetupStateName = "needs_properties" | "needs_authentication" | "ready";

export interface NextStep {
  /** The tool to call next, or null when there is none (ready, or only the Cyclr console can help). */
  tool: string | null;
  arguments: Record<string, unknown>;
  /** What to do and what to tell the person, in plain words. */
  instruction: string;
}

export interface SetupState {
  state: SetupStateName;
  authentication: {
    method: AuthMethodKind;
    authType?: string;
    oauth2Type?: string;
    authenticated: boolean;
  };
  missingProperties: ConnectorProperty[];
  nextStep: NextStep;
}

/** The auth method in force: the account connector's own AuthType, else the definition's only method. */
export function accountConnectorAuth(accountConnector: AccountConnector, definition: Connector): { authType?: string; oauth2Type?: string } {
  const own = accountConnector.Connector;
  if (own.AuthType) return { authType: own.AuthType, oauth2Type: own.AuthType === "OAuth2" ? own.OAuth2Type : undefined };
  const options = authenticationOptions(definition);
  const only = options.length === 1 ? options[0] : undefined;
  return only ? { authType: only.authType, oauth2Type: only.oauth2Type } : {};
}

export function computeSetupState(accountConnector: AccountConnector, definition: Connector, accountId: string): SetupState {
  const setNames = new Set(accountConnector.Properties.filter((p) => p.HasValue).map((p) => p.Name.toLowerCase()));
  const missingProperties = connectorProperties(definition.Parameters ?? accountConnector.Connector.Parameters).filter(
    (property) => property.required && !setNames.has(property.name.toLowerCase()),
  );
  const { authType, oauth2Type } = accountConnectorAuth(accountConnector, definition);
  const method = authMethodKind(authType, oauth2Type);
  // None needs nothing; client credentials are completed by Cyclr itself on first use.
  const authDone = method === "none" || method === "clientCredentials" || accountConnector.Authenticated;

  const authentication: SetupState["authentication"] = { method, authenticated: accountConnector.Authenticated };
  if (authType) authentication.authType = authType;
  if (oauth2Type) authentication.oauth2Type = oauth2Type;

  const ids = { accountConnectorId: accountConnector.Id, accountId };
  const state: SetupStateName = missingProperties.length > 0 ? "needs_properties" : authDone ? "ready" : "needs_authentication";
  let nextStep: NextStep;
  if (state === "needs_properties") {
    nextStep = {
      tool: "set_connector_properties",
      arguments: { ...ids, properties: missingProperties.map((p) => ({ name: p.name, value: placeholder(p) })) },
      instruction: `Ask the person for ${missingProperties.map(describeProperty).join("; ")}. Then call set_connector_properties with those values.`,
    };
  } else if (state === "needs_authentication") {
    nextStep = authenticationStep(method, accountConnector, ids);
  } else {
    nextStep = {
      tool: null,
      arguments: {},
      instruction:
        method === "clientCredentials" && !accountConnector.Authenticated
          ? "Ready: the required properties are set; Cyclr authenticates this client-credentials connector by itself on first use."
          : "Ready: the required properties are set and the connector is authenticated. Tell the person it is connected.",
    };
  }
  return { state, authentication, missingProperties, nextStep };
}

function authenticationStep(method: AuthMethodKind, accountConnector: AccountConnector, ids: { accountConnectorId: number; accountId: string }): NextStep {
  const reinstall = { connectorId: accountConnector.Connector.Id, accountId: ids.accountId };
  const noUpdateTool =
    `This server cannot add credentials to an existing account connector yet, so install the connector again with them ` +
    `(and remove account connector ${accountConnector.Id} in the Cyclr console).`;
  switch (method) {
    case "oauthLink":
      return {
        tool: "create_oauth_link",
        arguments: { ...ids, targetOrigin: "<the page to send the person back to, e.g. https://app.example.com>" },
        instruction:
          "Create the OAuth link and give it to the person to open in their browser; it works once and expires after 5 minutes. " +
          "When they say they have approved access, call get_account_connector to verify.",
      };
    case "apiKey":
    case "authFields":
      return {
        tool: "install_connector",
        arguments: { ...reinstall, authValue: "<the API key>" },
        instruction: `It needs the person's API key. ${noUpdateTool}`,
      };
    case "basic":
      return {
        tool: "install_connector",
        arguments: { ...reinstall, username: "<username>", password: "<password>" },
        instruction: `It needs the person's username and password. ${noUpdateTool}`,
      };
    default:
      return {
        tool: null,
        arguments: {},
        instruction: "This connector's authentication method is not one this server can complete; authenticate it in the Cyclr console.",
      };
  }
}

function placeholder(property: ConnectorProperty): string {
  if (property.allowedValues) return `<one of: ${property.allowedValues.join(" | ")}>`;
  return `<${property.label ?? property.name}>`;
}

function describeProperty(property: ConnectorProperty): string {
  const parts = [`${property.name}${property.label && property.label !== property.name ? ` (${property.label})` : ""}`];
  if (property.description) parts.push(`: ${property.description.replace(/\.+$/, "")}`);
  if (property.allowedValues) parts.push(` [allowed: ${property.allowedValues.join(", ")}]`);
  if (property.sensitive || looksSensitive(property.name)) parts.push(" [secret: do not repeat it back]");
  return parts.join("");
}
