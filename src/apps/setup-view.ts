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
  | { kind: "wait"; label: string }
  | { kind: "none"; label: string };

export interface SetupCardView {
  title: string;
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
  return found;
}

/** The account connectors of a list_account_connectors result (the list's account is theirs). */
export function readAccountConnectorList(value: unknown): CardAccountConnector[] | undefined {
  if (!isRecord(value) || typeof value.accountId !== "string" || !Array.isArray(value.accountConnectors)) return undefined;
  const accountId = value.accountId;
  return value.accountConnectors.map((entry) => readAccountConnector(isRecord(entry) ? { accountId, ...entry } : entry)).filter((ac): ac is CardAccountConnector => ac !== undefined);
}

/** A later view of the same account connector keeps what the earlier one knew (name, connector, icon) when the later result leaves it out. */
export function mergeViews(earlier: CardAccountConnector | undefined, later: CardAccountConnector): CardAccountConnector {
  if (!earlier || earlier.accountConnectorId !== later.accountConnectorId) return later;
  return { ...earlier, ...later, ...(later.connector ?? earlier.connector ? { connector: later.connector ?? earlier.connector } : {}) };
}

function displayName(ac: CardAccountConnector): string {
  return ac.connector?.name ?? ac.name ?? `account connector ${ac.accountConnectorId}`;
}

function stepsOf(setup: CardSetup): CardStep[] {
  const index = STATES.indexOf(setup.state);
  const status = (i: number): StepStatus => (i < index || setup.state === "ready" ? "done" : i === index ? "current" : "todo");
  return [
    { key: "properties", label: "Properties", status: status(0) },
    { key: "authentication", label: "Authentication", status: status(1) },
    { key: "ready", label: "Ready", status: status(2) },
  ];
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
      primary = { kind: "wait", label: "Waiting for you to finish in your browser…" };
      status = "This card updates itself once you are done.";
      break;
    default:
      primary = { kind: "none", label: setup.state === "ready" ? `${name} is ready` : "Nothing to do here" };
      status = setup.state === "ready" ? `${name} is connected and ready to use.` : setup.nextStep.instruction;
  }
  return { title: name, steps: stepsOf(setup), editable, onSecurePage, primary, status };
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
