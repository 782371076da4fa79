/**
 * The setup state of an account connector: which required properties are missing, whether it still
 * needs authenticating and how, and the next tool call. Pure: derived from what Cyclr returned.
 * Order follows Cyclr's docs: set required properties first, then authenticate.
 */
import type { AccountConnector, Connector } from "../cyclr/schemas.js";
import { AUTH_TYPES, authMethodKind, type AuthMethodKind } from "./auth-types.js";
import { authenticationOptions, connectorProperties, looksSensitive, type AuthenticationOption, type ConnectorProperty } from "./catalog.js";

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

/** Another method the connector offers, which may be the one chosen at install (Cyclr does not say which). */
export interface AuthenticationAlternative {
  method: AuthMethodKind;
  authenticationId?: string;
  name?: string;
  authType?: string;
  oauth2Type?: string;
}

export interface SetupState {
  state: SetupStateName;
  authentication: {
    method: AuthMethodKind;
    authType?: string;
    oauth2Type?: string;
    authenticated: boolean;
    /**
     * Present when the connector offers several methods and Cyclr's answer does not say which one
     * was chosen at install: the other methods it may be. Any of them may be used to finish.
     */
    alternatives?: AuthenticationAlternative[];
  };
  missingProperties: ConnectorProperty[];
  nextStep: NextStep;
}

/** The method in force, and how sure that is. */
export interface MethodInForce {
  authType?: string;
  oauth2Type?: string;
  authenticationId?: string;
  /** authenticationId: reported by the account connector; authType: its top-level AuthType is one of the methods; onlyMethod; none: nothing says. */
  decidedBy: "authenticationId" | "authType" | "onlyMethod" | "none";
  /** The other methods that remain possible (several methods and no AuthenticationId reported). */
  alternatives: AuthenticationOption[];
}

const same = (a: string | undefined, b: string | undefined) => (a ?? "").toLowerCase() === (b ?? "").toLowerCase();

/**
 * The method in force on an account connector. The docs call the top-level Connector.AuthType
 * "deprecated" beside Authentication[], and nothing shows where Cyclr reports the method chosen at
 * install, so, in order: an AuthenticationId the account connector reports; its top-level AuthType
 * when that is one of the connector's methods; the only method. With several methods and no
 * AuthenticationId, the others stay possible (alternatives), so the person can finish either way.
 */
export function methodInForce(accountConnector: AccountConnector, definition: Connector): MethodInForce {
  const own = accountConnector.Connector;
  let options = authenticationOptions(definition);
  if (options.length === 0) options = authenticationOptions(own);
  const result = (chosen: AuthenticationOption, decidedBy: MethodInForce["decidedBy"]): MethodInForce => ({
    ...(chosen.authType !== undefined && { authType: chosen.authType }),
    ...(chosen.oauth2Type !== undefined && { oauth2Type: chosen.oauth2Type }),
    ...(chosen.authenticationId !== undefined && { authenticationId: chosen.authenticationId }),
    decidedBy,
    alternatives: decidedBy === "authenticationId" ? [] : options.filter((option) => option !== chosen),
  });
  const reported = accountConnector.AuthenticationId !== undefined ? options.find((o) => o.authenticationId === accountConnector.AuthenticationId) : undefined;
  if (reported) return result(reported, "authenticationId");
  if (own.AuthType) {
    const byType = options.filter((o) => same(o.authType, own.AuthType));
    // Two OAuth2 methods, say: the OAuth2Type tells them apart when it can.
    const narrowed = byType.length > 1 ? byType.filter((o) => same(o.oauth2Type, own.OAuth2Type)) : byType;
    const match = narrowed[0] ?? byType[0];
    if (match) return result(match, "authType");
  }
  if (options.length === 1) return result(options[0] as AuthenticationOption, "onlyMethod");
  if (options.length === 0 && own.AuthType) {
    return { authType: own.AuthType, ...(own.AuthType === "OAuth2" && own.OAuth2Type && { oauth2Type: own.OAuth2Type }), decidedBy: "authType", alternatives: [] };
  }
  return { decidedBy: "none", alternatives: options };
}

/** The auth method in force (see methodInForce). */
export function accountConnectorAuth(accountConnector: AccountConnector, definition: Connector): { authType?: string; oauth2Type?: string } {
  const { authType, oauth2Type } = methodInForce(accountConnector, definition);
  return { ...(authType !== undefined && { authType }), ...(oauth2Type !== undefined && { oauth2Type }) };
}

/** Every method kind the account connector may be finished with: the one in force and any that remain possible. */
export function possibleMethods(accountConnector: AccountConnector, definition: Connector): AuthMethodKind[] {
  const inForce = methodInForce(accountConnector, definition);
  return [...new Set([inForce, ...inForce.alternatives].map((m) => authMethodKind(m.authType, m.oauth2Type)))];
}

/**
 * Per-account OAuth app credentials go in properties named exactly ClientId and ClientSecret,
 * described in each connector's guide rather than declared as Parameters (api-notes §5, §7). For a
 * client-credentials connector Cyclr has not authenticated, the undeclared ones are asked for.
 */
function oauthAppProperties(definition: Connector): ConnectorProperty[] {
  const declared = new Set(connectorProperties(definition.Parameters).map((p) => p.name.toLowerCase()));
  const app: ConnectorProperty[] = [
    { name: "ClientId", label: "Client ID", description: "The OAuth app's client ID for this account.", required: true, sensitive: false },
    { name: "ClientSecret", label: "Client Secret", description: "The OAuth app's client secret for this account.", required: true, sensitive: true },
  ];
  return app.filter((p) => !declared.has(p.name.toLowerCase()));
}

/** Ids a connector's next steps carry: the account connector, its account and, inside a cycle's setup, the cycle. */
export type StepIds = {
  accountConnectorId: number;
  accountId: string;
  /** Set while the connector is set up for a cycle: the steps carry it, and lead back to the cycle once it is ready. */
  cycleId?: string;
};

/**
 * `cycleId`: the connector is being set up for that cycle (get_cycle sent the person here), so its
 * next steps carry it and, once it is ready, lead back to the cycle instead of ending.
 */
export function computeSetupState(accountConnector: AccountConnector, definition: Connector, accountId: string, cycleId?: string): SetupState {
  const setNames = new Set(accountConnector.Properties.filter((p) => p.HasValue).map((p) => p.Name.toLowerCase()));
  const inForce = methodInForce(accountConnector, definition);
  const { authType, oauth2Type } = inForce;
  const method = inForce.decidedBy === "none" ? "unknown" : authMethodKind(authType, oauth2Type);
  const declared = connectorProperties(definition.Parameters ?? accountConnector.Connector.Parameters);
  // A client-credentials connector is ready when Cyclr says Authenticated, or when its app credentials are set.
  const appProperties = method === "clientCredentials" && !accountConnector.Authenticated ? oauthAppProperties(definition) : [];
  const missingProperties = [...declared, ...appProperties].filter((property) => property.required && !setNames.has(property.name.toLowerCase()));
  // None needs nothing; client credentials are completed by Cyclr itself once the app credentials are
  // set; authentication fields are properties, so they are done once set (inferred: Cyclr may or may
  // not flag them Authenticated).
  const authDone = method === "none" || method === "clientCredentials" || method === "authFields" || accountConnector.Authenticated;

  const authentication: SetupState["authentication"] = { method, authenticated: accountConnector.Authenticated };
  if (authType) authentication.authType = authType;
  if (oauth2Type) authentication.oauth2Type = oauth2Type;
  if (inForce.alternatives.length > 0 && !accountConnector.Authenticated) {
    authentication.alternatives = inForce.alternatives.map((o) => ({
      method: authMethodKind(o.authType, o.oauth2Type),
      ...(o.authenticationId !== undefined && { authenticationId: o.authenticationId }),
      ...(o.name !== undefined && { name: o.name }),
      ...(o.authType !== undefined && { authType: o.authType }),
      ...(o.oauth2Type !== undefined && { oauth2Type: o.oauth2Type }),
    }));
  }

  const ids: StepIds = { accountConnectorId: accountConnector.Id, accountId, ...(cycleId !== undefined && { cycleId }) };
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
        (secrets.length ? ` The secret ones (${secrets.map((p) => p.name).join(", ")}) come after, through a credential link.` : "") +
        (appProperties.length ? APP_CREDENTIALS_NOTE : ""),
    };
  } else if (state === "needs_properties") {
    nextStep = {
      tool: "create_credential_link",
      arguments: ids,
      instruction:
        `The rest are secrets: ${missingProperties.map(describeProperty).join("; ")}. Create a credential link and give it to the person: ` +
        "they type the values on a page of this server, so the values never pass through the chat." +
        (appProperties.length ? APP_CREDENTIALS_NOTE : ""),
    };
  } else if (state === "needs_authentication") {
    const first = inForce.decidedBy === "none" ? inForce.alternatives[0] : undefined;
    nextStep = first
      ? authenticationStep(authMethodKind(first.authType, first.oauth2Type), first.oauth2Type, ids)
      : authenticationStep(method, oauth2Type, ids, authType);
    if (authentication.alternatives) nextStep = { ...nextStep, instruction: `${nextStep.instruction} ${choiceNote(inForce, authentication.alternatives)}` };
  } else if (cycleId !== undefined) {
    nextStep = backToCycle(ids, `${accountConnector.Name ?? accountConnector.Connector.Name} is ready.`);
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

/** Back to the cycle this connector was set up for: its next prerequisite, or its activation. */
function backToCycle(ids: StepIds, done: string): NextStep {
  return {
    tool: "get_cycle",
    arguments: { cycleId: ids.cycleId ?? "", accountId: ids.accountId },
    instruction: `${done} Carry on with the cycle it is for: get_cycle says what it still needs.`,
  };
}

/**
 * The next step while the person is at a link: wait for them with get_account_connector, or, when the
 * connector is set up for a cycle, with get_cycle (which then goes on with the cycle's next need).
 */
export function waitingStep(ids: StepIds, step: BrowserStep, whatTheyDo: string): NextStep {
  const link = step === "create_oauth_link" ? "sign-in link" : "credential page";
  if (ids.cycleId !== undefined) {
    return {
      tool: "get_cycle",
      arguments: { cycleId: ids.cycleId, accountId: ids.accountId, waitForActivation: WAIT_SECONDS },
      instruction:
        `${whatTheyDo} Wait for them with get_cycle and waitForActivation; if the wait ends before they are done, wait again ` +
        `(the ${link} stays valid until it expires). Do not ask for any secret in the chat.`,
    };
  }
  return {
    tool: "get_account_connector",
    arguments: { ...ids, waitForAuthentication: WAIT_SECONDS },
    instruction:
      `${whatTheyDo} Wait for them with get_account_connector and waitForAuthentication; if the wait ends before they are done, ` +
      `wait again (the ${step === "create_oauth_link" ? "sign-in link" : "credential page"} stays valid until it expires). Do not ask for any secret in the chat.`,
  };
}

const APP_CREDENTIALS_NOTE =
  " ClientId and ClientSecret are this account's OAuth app credentials (the connector's guide says where to find them); " +
  "if the partner set the app credentials for every account in the Cyclr console instead, they are not needed here: Cyclr then authenticates on first use.";

/** Says that Cyclr does not tell which method was chosen at install, and what each possible one takes. */
function choiceNote(inForce: MethodInForce, alternatives: readonly AuthenticationAlternative[]): string {
  const label = (a: { name?: string; authType?: string; oauth2Type?: string }) =>
    `${a.name ?? a.authType ?? "another method"}${a.name && a.authType ? ` (${a.authType})` : ""}`;
  const tools = alternatives.map((a) => `${label(a)}: ${TOOL_FOR[a.method] ?? "the Cyclr console"}`).join("; ");
  const shown = inForce.decidedBy === "none" ? "" : `Cyclr reports ${inForce.authType ?? "no method"}, but that field may only be the connector's default. `;
  return (
    `This connector offers several authentication methods and Cyclr does not say which one was chosen at install. ${shown}` +
    `Ask the person which one they chose (or want); if another: ${tools}.`
  );
}

const TOOL_FOR: Partial<Record<AuthMethodKind, string>> = {
  oauthLink: "create_oauth_link",
  apiKey: "create_credential_link (or authenticate_connector with apiKey)",
  basic: "create_credential_link (or authenticate_connector with username and password)",
  clientCredentials: "set the ClientId and ClientSecret properties",
  authFields: "set_connector_properties",
  none: "nothing to do",
};

function authenticationStep(method: AuthMethodKind, oauth2Type: string | undefined, ids: StepIds, authType?: string): NextStep {
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
    case "console":
      return { arguments: {}, instruction: consoleInstruction(authType) };
    default:
      return {
        arguments: {},
        instruction: `This connector's authentication method${authType ? ` (${authType})` : ""} is not one this server can complete; ${CONSOLE_STEP}`,
      };
  }
}

/** Where in the Cyclr console an account connector is authenticated (the console's names for the steps). */
const CONSOLE_STEP =
  "authenticate it in the Cyclr console: Accounts > Account Management, open the account, then Connectors > Edit Connector next to it, and authenticate there " +
  "(or Generate Setup Token there for a single-use link the person can use without console access).";

function consoleInstruction(authType: string | undefined): string {
  const what = AUTH_TYPES.find((t) => same(t.authType, authType));
  return `${what ? `${what.label} (${what.authType})` : "This method"} is finished in the Cyclr console, not through the API: ${CONSOLE_STEP} Then check with get_account_connector.`;
}

function readyInstruction(method: AuthMethodKind, authenticated: boolean): string {
  if (method === "clientCredentials" && !authenticated) {
    return "Ready: the required properties and the app credentials are set; Cyclr authenticates this client-credentials connector by itself on first use. Tell the person it is set up.";
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
