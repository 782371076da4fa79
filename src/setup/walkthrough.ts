/**
 * The setup_connector prompt's text: a step-by-step walkthrough for one connector, in the order the
 * tools take it, with what to tell the person at each step. Pure: built from the connector definition.
 */
import type { Connector } from "../cyclr/schemas.js";
import { AUTH_TYPES, authMethodKind, type AuthMethodKind } from "./auth-types.js";
import { authenticationOptions, connectorProperties, looksSensitive, type AuthenticationOption, type ConnectorProperty } from "./catalog.js";
import { WAIT_SECONDS } from "./setup-state.js";

export function setupWalkthrough(connector: Connector, accountId: string): string {
  const options = authenticationOptions(connector);
  const required = connectorProperties(connector.Parameters).filter((p) => p.required);
  const ids = `accountId: "${accountId}"`;
  const lines: string[] = [
    `Set up the ${connector.Name} connector (id ${connector.Id}) in Cyclr account ${accountId}, and guide the person through it.`,
    "",
  ];
  if (connector.Description) lines.push(`About it: ${connector.Description.replace(/\s+/g, " ").trim()}`, "");
  lines.push(`Authentication: ${options.length ? options.map(describeOption).join("; or ") : "not declared by the connector (the Cyclr console may be needed)"}.`);
  if (connector.Status && connector.Status !== "Approved") {
    lines.push(`Note: this connector's status is ${connector.Status}; Cyclr may refuse to install it. Tell the person before going on.`);
  }
  lines.push("", "Steps:");
  let step = 1;
  lines.push(
    `${step++}. Check for an earlier attempt: call list_account_connectors { ${ids} }. If ${connector.Name} is already installed, ` +
      "continue from that account connector's setup.nextStep instead of installing it again.",
  );
  const chooser = options.length > 1 ? ` Ask the person which way they sign in (${options.map(describeOption).join("; ")}) and pass its authenticationId.` : "";
  lines.push(`${step++}. Install: call install_connector { connectorId: ${connector.Id}, ${ids} }.${chooser} Keep the accountConnectorId it returns.`);
  if (required.length > 0) {
    lines.push(
      `${step++}. Settings: ${connector.Name} needs ${required.length === 1 ? "this property" : "these properties"} before authenticating. ` +
        "Tell the person what each is for and ask for its value (their client may show them a form instead), except the secret ones:",
      ...required.map((p) => `   - ${describeProperty(p)}`),
      "   Then call set_connector_properties { accountConnectorId, properties: [{ name, value }, ...] }. A secret property is never asked for in the chat: " +
        "the person types it on a credential link's page (create_credential_link { accountConnectorId }).",
    );
  }
  const methods = new Set(options.map((o) => authMethodKind(o.authType, o.oauth2Type)));
  for (const method of methods.size ? methods : new Set<AuthMethodKind>(["unknown"])) {
    const option = options.find((o) => authMethodKind(o.authType, o.oauth2Type) === method);
    lines.push(`${step++}. ${authenticationStep(method, option, methods.size > 1)}`);
  }
  lines.push(
    `${step++}. Verify: call get_account_connector { accountConnectorId, ${ids} } until setup.state is "ready", then tell the person ${connector.Name} is connected.`,
    "",
    "Throughout: every result carries setup.nextStep (the tool to call next and its arguments; values in angle brackets are what to ask the person). " +
      "Follow it rather than guessing. Never repeat an API key, password or other secret back to the person.",
  );
  return lines.join("\n");
}

function describeOption(option: AuthenticationOption): string {
  const label = AUTH_TYPES.find((t) => t.authType === option.authType)?.label ?? option.authType ?? "unknown";
  const kind = option.oauth2Type ? `${label}, ${option.oauth2Type}` : label;
  const id = option.authenticationId ? `, authenticationId "${option.authenticationId}"` : "";
  return `${option.name && option.name !== label ? `${option.name} (${kind}${id})` : `${kind}${id ? ` (${id.slice(2)})` : ""}`}`;
}

function describeProperty(property: ConnectorProperty): string {
  const parts = [property.label && property.label !== property.name ? `${property.name} ("${property.label}")` : property.name];
  if (property.description) parts.push(`: ${property.description}`);
  if (property.allowedValues) parts.push(` One of: ${property.allowedValues.join(", ")}.`);
  if (property.sensitive || looksSensitive(property.name)) parts.push(" Secret: the person types it on a credential link's page, never in the chat.");
  return parts.join("");
}

const waitForThem = `Then call get_account_connector { accountConnectorId, waitForAuthentication: ${WAIT_SECONDS} } to wait for them, again while setup.nextStep says so.`;

function authenticationStep(method: AuthMethodKind, option: AuthenticationOption | undefined, oneOfSeveral: boolean): string {
  const prefix = oneOfSeveral ? `If they chose ${option ? describeOption(option) : "this method"}: ` : "";
  switch (method) {
    case "apiKey":
      return (
        `${prefix}Authenticate: call create_credential_link { accountConnectorId } and give the person the link: they type their ${option?.name ?? "API key"} ` +
        `on that page (tell them where in the application they can find it), never in the chat. ${waitForThem} ` +
        "Only if they already typed it in the chat, call authenticate_connector { accountConnectorId, apiKey } instead."
      );
    case "basic":
      return (
        `${prefix}Authenticate: call create_credential_link { accountConnectorId } and give the person the link: they type their username and password on that page, never in the chat. ` +
        `${waitForThem} Only if they already typed them in the chat, call authenticate_connector { accountConnectorId, username, password } instead.`
      );
    case "oauthLink":
      return (
        `${prefix}Authenticate: call create_oauth_link { accountConnectorId } just before the person is ready, and give them the link ` +
        `(it works once, for 5 minutes)${option?.oauth2Type === "PasswordCredentials" ? "; Cyclr signs in with the username and password set above, so they are sent straight back" : "; they sign in to the application and approve access"}. ` +
        waitForThem
      );
    case "clientCredentials":
      return `${prefix}Authenticate: nothing to do; once its properties (ClientId, ClientSecret) are set, Cyclr authenticates it by itself.`;
    case "authFields":
      return `${prefix}Authenticate: its authentication fields are the properties above; once they are set it is ready.`;
    case "none":
      return `${prefix}Authenticate: nothing to do; it needs no authentication.`;
    case "console":
    case "unknown":
      return `${prefix}Authenticate: this server cannot complete its authentication method; the person authenticates it in the Cyclr console.`;
  }
}
