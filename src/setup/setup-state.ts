/**
 * The setup state of an account connector: which required properties are missing, whether it still
 * needs authenticating and how, and the next tool call. Pure: derived from what Cyclr returned.
 * Order follows Cyclr's docs: set required properties first, then authenticate.
 */
import type { AccountConnector, Connector } from "../cyclr/schemas.js";
import { authMethodKind, type AuthMethodKind } from "./auth-types.js";
import { authenticationOptions, connectorProperties, looksSensitive, type ConnectorProperty } from "./catalog.js";

export type SetupStateName = "needs_properties" | "needs_authentication" | "ready";

/** A next step's argument: a plain value, or a list of {name, value} properties. */
export type StepArgument = string | number | boolean | Record<string, string>[];

export interface NextStep {
  /** The tool to call next; absent when there is none (ready, or only the Cyclr console can help). */
  tool?: string;
  /** Its arguments. A value in angle brackets, like "<the API key>", is a placeholder for what to ask the person. */
  arguments: Record<string, StepArgument>;
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
  // None needs nothing; client credentials are completed by Cyclr itself on first use; authentication
  // fields are properties, so they are done once set (inferred: Cyclr may or may not flag them Authenticated).
  const authDone = method === "none" || method === "clientCredentials" || method === "authFields" || accountConnector.Authenticated;

  const authentication: SetupState["authentication"] = { method, authenticated: accountConnector.Authenticated };
  if (authType) authentication.authType = authType;
  if (oauth2Type) authentication.oauth2Type = oauth2Type;

  const ids = { accountConnectorId: accountConnector.Id, accountId };
  const state: SetupStateName = missingProperties.length > 0 ? "needs_properties" : authDone ? "ready" : "needs_authentication";
  let nextStep: NextStep;
  const plain = missingProperties.filter((p) => !isSecret(p));
  if (state === "needs_properties" && plain.length > 0) {
    const secrets = missingProperties.filter(isSecret);
    nextStep = {
      tool: "set_connector_properties",
      arguments: { ...ids, properties: plain.map((p) => ({ name: p.name, value: placeholder(p) })) },
      instruction:
        `Ask the person for ${plain.map(describeProperty).join("; ")}. Then call set_connector_properties with those values.` +
        (secrets.length ? ` The secret ones (${secrets.map((p) => p.name).join(", ")}) come after, through a credential link.` : ""),
    };
  } else if (state === "needs_properties") {
    nextStep = {
      tool: "create_credential_link",
      arguments: ids,
      instruction:
        `The rest are secrets: ${missingProperties.map(describeProperty).join("; ")}. Create a credential link and give it to the person: ` +
        "they type the values on a page of this server, so the values never pass through the chat.",
    };
  } else if (state === "needs_authentication") {
    nextStep = authenticationStep(method, oauth2Type, ids);
  } else {
    nextStep = { arguments: {}, instruction: readyInstruction(method, accountConnector.Authenticated) };
  }
  return { state, authentication, missingProperties, nextStep };
}

/**
 * How long a suggested wait for the person lasts, in seconds: under the 60 s after which the MCP
 * TypeScript SDK's client gives up on a request by default (progress or not), with room to spare.
 * A wait that ends before the person is done suggests another; their link stays valid meanwhile.
 */
export const WAIT_SECONDS = 45;

/** The browser steps: the person is at a link the assistant gave them. */
export type BrowserStep = "create_oauth_link" | "create_credential_link";

/** The next step while the person is at a link: wait for them with get_account_connector. */
export function waitingStep(ids: { accountConnectorId: number; accountId: string }, step: BrowserStep, whatTheyDo: string): NextStep {
  return {
    tool: "get_account_connector",
    arguments: { ...ids, waitForAuthentication: WAIT_SECONDS },
    instruction:
      `${whatTheyDo} Wait for them with get_account_connector and waitForAuthentication; if the wait ends before they are done, ` +
      `wait again (the ${step === "create_oauth_link" ? "sign-in link" : "credential page"} stays valid until it expires). Do not ask for any secret in the chat.`,
  };
}

function authenticationStep(method: AuthMethodKind, oauth2Type: string | undefined, ids: { accountConnectorId: number; accountId: string }): NextStep {
  switch (method) {
    case "oauthLink":
      return {
        tool: "create_oauth_link",
        arguments: ids,
        instruction:
          "Create the OAuth link and give it to the person to open in their browser" +
          (oauth2Type === "PasswordCredentials"
            ? " (Cyclr signs in with the username and password already set, and sends them straight back)"
            : "; they sign in to the application and approve access") +
          ". The link works once and expires after 5 minutes, so create it just before they use it.",
      };
    case "apiKey":
    case "basic":
      return {
        tool: "create_credential_link",
        arguments: ids,
        instruction:
          `It needs the person's ${method === "apiKey" ? "API key" : "username and password"}. Create a credential link and give it to the person: ` +
          "they type it on a page of this server, so it never passes through the chat. (If they already typed it in the chat, " +
          `authenticate_connector takes it instead.) Never repeat a secret back.`,
      };
    default:
      return {
        arguments: {},
        instruction: "This connector's authentication method is not one this server can complete; authenticate it in the Cyclr console.",
      };
  }
}

function readyInstruction(method: AuthMethodKind, authenticated: boolean): string {
  if (method === "clientCredentials" && !authenticated) {
    return "Ready: the required properties are set; Cyclr authenticates this client-credentials connector by itself on first use. Tell the person it is set up.";
  }
  if (method === "authFields" && !authenticated) {
    return "Ready: its authentication fields are set as properties. Tell the person it is set up.";
  }
  if (method === "none") return "Ready: the connector needs no authentication and its required properties are set. Tell the person it is set up.";
  return "Ready: the required properties are set and the connector is authenticated. Tell the person it is connected.";
}

function isSecret(property: ConnectorProperty): boolean {
  return property.sensitive || looksSensitive(property.name);
}

function placeholder(property: ConnectorProperty): string {
  if (property.allowedValues) return `<one of: ${property.allowedValues.join(" | ")}>`;
  return `<${property.label ?? property.name}>`;
}

function describeProperty(property: ConnectorProperty): string {
  const parts = [`${property.name}${property.label && property.label !== property.name ? ` (${property.label})` : ""}`];
  if (property.description) parts.push(`: ${property.description.replace(/\.+$/, "")}`);
  if (property.allowedValues) parts.push(` [allowed: ${property.allowedValues.join(", ")}]`);
  if (isSecret(property)) parts.push(" [secret: do not repeat it back]");
  return parts.join("");
}
