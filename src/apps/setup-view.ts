/**
 * What the setup card shows, decided from a tool result alone: pure, no DOM, so it is unit-tested
 * in Node (test/unit/setup-view.test.ts) and bundled into the card as it is. The results are read
 * defensively: a card may be handed any tool's result, from a server of another version.
 *
 * Which properties are safe to type in the card is the server's decision, not the card's: they are
 * the ones the set_connector_properties next step lists (secret ones go to the credential page).
 */

export type SetupStateName = "needs_properties" | "needs_authentication" | "ready";

export interface CardProperty {
  name: string;
  label?: string;
  description?: string;
  required: boolean;
  sensitive: boolean;
  allowedValues?: string[];
}

export interface CardSetup {
  state: SetupStateName;
  authentication: { method: string; authType?: string; authenticated: boolean };
  missingProperties: CardProperty[];
  nextStep: { tool?: string; arguments: Record<string, unknown>; instruction: string };
}

/** One installed connector as the card knows it. */
export interface CardAccountConnector {
  accountId: string;
  accountConnectorId: number;
  /** The installed connector's name, else the connector's. */
  name?: string;
  connector?: { id: number; name: string };
  setup: CardSetup;
  icon?: string;
  /** The Cyclr account's name (refresh_setup_card gives it): what the person knows their account by. */
  accountName?: string;
  /**
   * Whether the connector has properties of its own to set: true once any was seen missing or set,
   * false when a result listed none set and none missing, unknown until a result says
   * (only get_account_connector and refresh_setup_card list the ones set).
   */
  hasProperties?: boolean;
}

export type StepStatus = "done" | "current" | "todo";

export interface CardStep {
  key: "properties" | "authentication" | "ready";
  label: string;
  status: StepStatus;
}

/** The one primary button of the card. */
export type PrimaryAction =
  | { kind: "save"; label: string; tool: "set_connector_properties" }
  | { kind: "credential_link"; label: string; tool: "create_credential_link" }
  | { kind: "oauth_link"; label: string; tool: "create_oauth_link" }
  | { kind: "wait"; label: string; reopen: LinkTool }
  | { kind: "none"; label: string };

/** The tools that give the person a page in their browser. */
export type LinkTool = "create_credential_link" | "create_oauth_link";

export interface SetupCardView {
  title: string;
  /** The line under the title: the account's name when known, else nothing (ids go under "Details for support"). */
  subtitle?: string;
  /** Only the steps that apply to this connector: one with nothing to do is left out, never shown as done. */
  steps: CardStep[];
  /** Typed in the card and sent with set_connector_properties. */
  editable: CardProperty[];
  /** Missing, but typed only on the credential page: their labels. */
  onSecurePage: string[];
  primary: PrimaryAction;
  /** A line under the steps: what happens now. */
  status: string;
}

const STATES: readonly SetupStateName[] = ["needs_properties", "needs_authentication", "ready"];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const optionalString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

function readProperty(value: unknown): CardProperty | undefined {
  if (!isRecord(value) || typeof value.name !== "string") return undefined;
  const property: CardProperty = { name: value.name, required: value.required !== false, sensitive: value.sensitive === true };
  const label = optionalString(value.label);
  const description = optionalString(value.description);
  if (label) property.label = label;
  if (description) property.description = description;
  if (Array.isArray(value.allowedValues)) property.allowedValues = value.allowedValues.filter((v): v is string => typeof v === "string");
  return property;
}

export function readSetup(value: unknown): CardSetup | undefined {
  if (!isRecord(value) || !STATES.includes(value.state as SetupStateName)) return undefined;
  const auth = isRecord(value.authentication) ? value.authentication : {};
  const next = isRecord(value.nextStep) ? value.nextStep : {};
  const authType = optionalString(auth.authType);
  const tool = optionalString(next.tool);
  return {
    state: value.state as SetupStateName,
    authentication: { method: optionalString(auth.method) ?? "unknown", ...(authType && { authType }), authenticated: auth.authenticated === true },
    missingProperties: (Array.isArray(value.missingProperties) ? value.missingProperties : []).map(readProperty).filter((p): p is CardProperty => p !== undefined),
    nextStep: { ...(tool && { tool }), arguments: isRecord(next.arguments) ? next.arguments : {}, instruction: optionalString(next.instruction) ?? "" },
  };
}

/** An account connector from a result of install_connector, get_account_connector, set_connector_properties, the link tools or refresh_setup_card. */
export function readAccountConnector(value: unknown): CardAccountConnector | undefined {
  if (!isRecord(value) || typeof value.accountId !== "string" || typeof value.accountConnectorId !== "number") return undefined;
  const setup = readSetup(value.setup);
  if (!setup) return undefined;
  const found: CardAccountConnector = { accountId: value.accountId, accountConnectorId: value.accountConnectorId, setup };
  const name = optionalString(value.name);
  if (name) found.name = name;
  if (isRecord(value.connector) && typeof value.connector.id === "number" && typeof value.connector.name === "string") {
    found.connector = { id: value.connector.id, name: value.connector.name };
  }
  const icon = optionalString(value.icon);
  if (icon) found.icon = icon;
  const accountName = optionalString(value.accountName)?.trim();
  if (accountName) found.accountName = accountName;
  const hasProperties = propertiesApply(setup, value.propertiesSet);
  if (hasProperties !== undefined) found.hasProperties = hasProperties;
  return found;
}

function propertiesApply(setup: CardSetup, propertiesSet: unknown): boolean | undefined {
  if (setup.missingProperties.length > 0) return true;
  if (!Array.isArray(propertiesSet)) return undefined;
  return propertiesSet.length > 0;
}

/** The account connectors of a list_account_connectors result (the list's account is theirs). */
export function readAccountConnectorList(value: unknown): CardAccountConnector[] | undefined {
  if (!isRecord(value) || typeof value.accountId !== "string" || !Array.isArray(value.accountConnectors)) return undefined;
  const accountId = value.accountId;
  return value.accountConnectors.map((entry) => readAccountConnector(isRecord(entry) ? { accountId, ...entry } : entry)).filter((ac): ac is CardAccountConnector => ac !== undefined);
}

/**
 * A later view of the same account connector keeps what the earlier one knew (name, connector, icon,
 * account name) when the later result leaves it out. Properties, once seen, keep their step: a
 * later result without the list of those set cannot say they stopped applying.
 */
export function mergeViews(earlier: CardAccountConnector | undefined, later: CardAccountConnector): CardAccountConnector {
  if (!earlier || earlier.accountConnectorId !== later.accountConnectorId || earlier.accountId !== later.accountId) return later;
  const merged = { ...earlier, ...later };
  const connector = later.connector ?? earlier.connector;
  if (connector) merged.connector = connector;
  const hasProperties = earlier.hasProperties === true || later.hasProperties === true ? true : (later.hasProperties ?? earlier.hasProperties);
  if (hasProperties !== undefined) merged.hasProperties = hasProperties;
  return merged;
}

function displayName(ac: CardAccountConnector): string {
  return ac.connector?.name ?? ac.name ?? `account connector ${ac.accountConnectorId}`;
}

/**
 * The steps that apply, each done, current or to do. Properties apply when the connector has any
 * (seen missing or set); authentication applies unless the connector needs none. A step that does
 * not apply is left out rather than ticked: a tick says something was done.
 */
function stepsOf(ac: CardAccountConnector): CardStep[] {
  const { setup } = ac;
  const index = STATES.indexOf(setup.state);
  const status = (i: number): StepStatus => (i < index || setup.state === "ready" ? "done" : i === index ? "current" : "todo");
  const steps: CardStep[] = [];
  if (setup.state === "needs_properties" || ac.hasProperties === true) steps.push({ key: "properties", label: "Properties", status: status(0) });
  if (setup.state === "needs_authentication" || setup.authentication.method !== "none") steps.push({ key: "authentication", label: "Authentication", status: status(1) });
  steps.push({ key: "ready", label: "Ready", status: status(2) });
  return steps;
}

/** Which page the person is at while the card waits: a sign-in for an OAuth connector's authentication, else the credential page. */
function linkToolOf(setup: CardSetup): LinkTool {
  return setup.state === "needs_authentication" && setup.authentication.method === "oauthLink" ? "create_oauth_link" : "create_credential_link";
}

function credentialLabel(setup: CardSetup, onSecurePage: string[]): string {
  if (setup.state === "needs_properties") return `Enter ${onSecurePage.join(", ") || "the secret settings"}`;
  switch (setup.authentication.method) {
    case "apiKey":
      return "Enter your API key";
    case "basic":
      return "Enter your username and password";
    default:
      return "Enter your credentials";
  }
}

export function setupCardView(ac: CardAccountConnector): SetupCardView {
  const { setup } = ac;
  const name = displayName(ac);
  const planned = setup.nextStep.arguments.properties;
  const plainNames = new Set(
    setup.nextStep.tool === "set_connector_properties" && Array.isArray(planned)
      ? planned.map((p) => (isRecord(p) ? optionalString(p.name) : undefined)).filter((n): n is string => n !== undefined)
      : [],
  );
  const editable = setup.missingProperties.filter((p) => plainNames.has(p.name));
  const onSecurePage = setup.missingProperties.filter((p) => !plainNames.has(p.name)).map((p) => p.label ?? p.name);
  let primary: PrimaryAction;
  let status: string;
  switch (setup.nextStep.tool) {
    case "set_connector_properties":
      primary = { kind: "save", label: "Save", tool: "set_connector_properties" };
      status = `${name} needs ${editable.length === 1 ? "a setting" : "some settings"} first.`;
      break;
    case "create_credential_link":
      primary = { kind: "credential_link", label: credentialLabel(setup, onSecurePage), tool: "create_credential_link" };
      status = "A secure page opens in your browser: what you type there goes to Cyclr, never into this chat.";
      break;
    case "create_oauth_link":
      primary = { kind: "oauth_link", label: `Sign in to ${name}`, tool: "create_oauth_link" };
      status = `You sign in to ${name} in your browser and approve access.`;
      break;
    case "get_account_connector":
      primary = { kind: "wait", label: "Open the page again", reopen: linkToolOf(setup) };
      status =
        linkToolOf(setup) === "create_oauth_link"
          ? `Waiting for you to sign in to ${name} in your browser. This card updates itself once you are done.`
          : "Waiting for you to finish on the secure page in your browser. This card updates itself once you are done.";
      break;
    default:
      primary = { kind: "none", label: setup.state === "ready" ? `${name} is ready` : "Nothing to do here" };
      status = setup.state === "ready" ? `${name} is connected and ready to use.` : setup.nextStep.instruction;
  }
  return { title: name, ...(ac.accountName && { subtitle: ac.accountName }), steps: stepsOf(ac), editable, onSecurePage, primary, status };
}

/** The properties to send from what the person typed: the editable ones that have a value, trimmed. */
export function propertiesToSave(editable: readonly CardProperty[], typed: Record<string, string>): { name: string; value: string }[] {
  return editable.map((p) => ({ name: p.name, value: (typed[p.name] ?? "").trim() })).filter((p) => p.value !== "");
}

/** What the card tells the model about a change the person made in it: ids and states only, never a link or a value. */
export function modelContextLine(ac: CardAccountConnector, what: "installed" | "updated"): string {
  const name = displayName(ac);
  const next = ac.setup.state === "ready" ? "It is ready." : `Its setup state is ${ac.setup.state}; the person continues in the card.`;
  return what === "installed"
    ? `The person installed ${name} from the connector picker as account connector ${ac.accountConnectorId} (account ${ac.accountId}). ${next}`
    : `${name} (account connector ${ac.accountConnectorId}, account ${ac.accountId}) was updated in the setup card. ${next}`;
}

/**
 * True when the card was waiting for the person at their page and the server now offers a new page
 * for the same step: the link expired, or was used without finishing (an OAuth sign-in link is
 * spent once opened). A move to another step is progress, not this.
 */
export function linkLapsed(before: CardAccountConnector | undefined, after: CardAccountConnector): boolean {
  if (!before || before.accountConnectorId !== after.accountConnectorId || before.setup.nextStep.tool !== "get_account_connector") return false;
  return after.setup.state === before.setup.state && after.setup.nextStep.tool === linkToolOf(before.setup);
}

/**
 * What a support person may ask for, shown only under "Details for support": the person knows the
 * connector and their account by name; the ids are Cyclr's, needed to look the install up.
 */
export function supportDetails(ac: CardAccountConnector): { label: string; value: string }[] {
  return [
    { label: "Account ID", value: ac.accountId },
    { label: "Account connector ID", value: String(ac.accountConnectorId) },
    ...(ac.connector ? [{ label: "Connector", value: `${ac.connector.name} (ID ${ac.connector.id})` }] : []),
    { label: "Setup state", value: ac.setup.state },
  ];
}
