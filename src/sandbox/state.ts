/** The sandbox's in-memory world: accounts, connectors, account connectors, tokens, consents. */
import { randomBytes } from "node:crypto";
import { base64Token, type AccountConnectorRecord, type PropertyRecord } from "./records.js";
import { CycleRuns } from "./cycle-runs.js";
import { SandboxCycles } from "./cycles.js";
import { seedSupportCycles } from "./support-cycles.js";
import { ODD_TEMPLATE } from "./template-fixtures.js";
import { CUSTOM_CONNECTORS, oddCatalogItems, REPORTS_DEFAULT_AUTH, seedConnectors, type ConnectorFixture, type ConnectorSpec } from "./fixtures.js";

interface AccessToken {
  expiresAt: number;
  accountId?: string;
}

interface SignInToken {
  accountId: string;
  username: string;
  expiresAt: number;
  used: boolean;
}

export interface Consent {
  accountId: string;
  accountConnectorId: number;
  targetOrigin: string;
  callbackMessage?: string;
}

/** Names of the accounts every sandbox has. */
const ACCOUNT_NAMES: Record<string, string> = { "acme-sandbox": "Acme Sandbox", "globex-eu-7731": "Globex Europe" };

export { base64Token, type AccountConnectorRecord, type PropertyRecord } from "./records.js";

export const SIGN_IN_TOKEN_MS = 5 * 60_000;

export interface AccountRecord {
  id: string;
  name: string;
  description: string | null;
  timezone: string | null;
  createdDate: string;
  users: Set<string>;
}

export class SandboxState {
  readonly accounts = new Map<string, AccountRecord>();
  readonly connectors: ConnectorFixture[];
  readonly connectorsById: Map<number, ConnectorFixture>;
  readonly accountConnectors = new Map<number, AccountConnectorRecord>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly signInTokens = new Map<string, SignInToken>();
  readonly consents = new Map<string, Consent>();
  /** Raw catalog items in odd shapes, listed after the others (oddItems). */
  readonly oddCatalogItems: unknown[];
  /** Raw account connectors in odd shapes, listed after an account's own (oddItems). */
  readonly oddAccountConnectors: unknown[];
  /** Raw templates in odd shapes, listed after the others (oddItems). */
  readonly oddTemplates: unknown[];
  /** The template library, and the cycles installed from it. */
  readonly cycles: SandboxCycles;
  /** The cycles at work: their runs, transactions and incidents. */
  readonly runs: CycleRuns;
  /** Cyclr's own pages for the person: the LAUNCH and Marketplace links, and the LAUNCH page. */
  private nextAccountConnectorId = 1;
  private nextPropertyId = 1;

  constructor(synthetic: number, accountIds: string[], extra: readonly ConnectorSpec[] = [], oddItems = false) {
    this.connectors = seedConnectors(synthetic, extra);
    this.connectorsById = new Map(this.connectors.map((c) => [c.Id, c]));
    for (const id of accountIds) this.addAccount({ id, name: ACCOUNT_NAMES[id] ?? id });
    this.seedSupportAccounts();
    this.oddCatalogItems = oddItems ? oddCatalogItems() : [];
    this.oddTemplates = oddItems ? [ODD_TEMPLATE] : [];
    this.cycles = new SandboxCycles({
      connectorsById: this.connectorsById,
      connectorByName: (name) => this.connectors.find((c) => c.Name === name),
      accountConnectorsOf: (accountId) => [...this.accountConnectors.values()].filter((r) => r.AccountId === accountId),
      accountConnector: (accountId, id) => this.accountConnector(accountId, id),
      // A template's new account connector takes the connector's name, or the next free one (names are unique in an account).
      installAccountConnector: (accountId, connector) => {
        let name = connector.Name;
        for (let n = 2; this.nameTaken(accountId, name); n++) name = `${connector.Name} ${n}`;
        return this.createAccountConnector({ AccountId: accountId, ConnectorId: connector.Id, Name: name, Description: null, AuthValue: null, AuthenticationId: null }, []);
      },
      isAuthenticated: (record) => this.render(record).Authenticated === true,
    });
    this.runs = new CycleRuns({
      cycles: this.cycles,
      accountConnector: (accountId, id) => this.accountConnector(accountId, id),
      isAuthenticated: (record) => this.render(record).Authenticated === true,
      connectorName: (record) => this.connectorsById.get(record.ConnectorId)?.Name ?? record.Name,
    });
    this.cycles.countIncidents = (cycle) => {
      const incidents = this.runs.incidents.get(cycle.Id) ?? [];
      const errors = incidents.filter((i) => i.IncidentLevel === "Error").length;
      return { errors, warnings: incidents.length - errors };
    };
    seedSupportCycles({
      cycles: this.cycles,
      runs: this.runs,
      addAccountConnector: (record) => void this.accountConnectors.set(record.Id, record),
      accountConnector: (accountId, id) => this.accountConnector(accountId, id),
      connectorId: (name) => this.connectors.find((c) => c.Name === name)?.Id,
    });
    this.oddAccountConnectors = oddItems
      ? [
          // A null Connector: not readable. A property without a name: skipped, the rest is kept.
          { Id: 900_001, Name: "Orphan", Description: null, AuthValue: null, Authenticated: false, Connector: null, Properties: [] },
          { Id: 900_002, Name: "Nameless Property", Description: null, AuthValue: null, Authenticated: true, Connector: { Id: 1014, Name: "Data Tools", AuthType: "None", Parameters: [] }, Properties: [{ Id: 5, Name: null, Value: "x" }] },
        ]
      : [];
  }

  addAccount(fields: { id: string; name: string; description?: string | null; timezone?: string | null }): AccountRecord {
    const record: AccountRecord = {
      id: fields.id,
      name: fields.name,
      description: fields.description ?? null,
      timezone: fields.timezone ?? null,
      createdDate: new Date().toISOString(),
      users: new Set(),
    };
    this.accounts.set(record.id, record);
    return record;
  }

  /**
   * A partner's other customers, with names to search, and two with history for the support
   * walks: Acme Corporation, whose Salesforce Cyclr still calls authenticated although its token
   * was revoked at Salesforce (the case reconnect_connector is for), and Initech, whose connectors
   * need attention. Their account connectors are numbered from 700001, apart from the others.
   */
  private seedSupportAccounts(): void {
    const accounts = [
      { id: "acme-corp-4821", name: "Acme Corporation", description: "Acme's production integrations", timezone: "America/New_York" },
      { id: "acme-widgets-17", name: "Acme Widgets Ltd", timezone: "Europe/London" },
      { id: "initech-0042", name: "Initech", timezone: "America/Chicago" },
      { id: "umbrella-9001", name: "Umbrella Health" },
      { id: "sg-paris-33", name: "Société Générale Paris", timezone: "Europe/Paris" },
    ];
    for (const account of accounts) this.addAccount(account);
    let id = 700_001;
    const seed = (accountId: string, connectorName: string, authValue: string | null, properties: { Name: string; Value: string }[] = []) => {
      const connector = this.connectors.find((c) => c.Name === connectorName);
      if (!connector) return;
      const record: AccountConnectorRecord = { Id: id++, AccountId: accountId, ConnectorId: connector.Id, Name: connector.Name, Description: null, AuthValue: authValue, AuthenticationId: null, Properties: [] };
      for (const property of properties) this.upsertProperty(record, property);
      this.accountConnectors.set(record.Id, record);
    };
    const oauth = JSON.stringify({ AccessToken: "revoked-upstream", RefreshToken: "revoked-upstream", Expires: "2026-01-01T00:00:00Z" });
    seed("acme-corp-4821", "Salesforce", oauth, [{ Name: "isSandbox", Value: "false" }]);
    seed("acme-corp-4821", "Slack", oauth);
    seed("initech-0042", "Pipedrive", null);
    seed("initech-0042", "Xero", null);
    seed("initech-0042", "Slack", oauth);
  }

  /** Whether an account connector of the account, odd ones included, has this name (compared ignoring case and edge spaces). */
  nameTaken(accountId: string, name: string): boolean {
    const fold = (value: unknown) => (typeof value === "string" ? value.trim().toLowerCase() : undefined);
    const names = [
      ...[...this.accountConnectors.values()].filter((r) => r.AccountId === accountId).map((r) => r.Name),
      ...this.oddAccountConnectors.map((r) => (r as { Name?: unknown }).Name),
    ];
    return names.some((taken) => fold(taken) === fold(name));
  }

  /** A partner's own connector (listed only with includeCustomConnectors=true). */
  isCustom(connector: ConnectorFixture): boolean {
    return CUSTOM_CONNECTORS.has(connector.Name);
  }

  issueAccessToken(lifetimeMs: number, accountId?: string): string {
    const token = randomBytes(32).toString("base64url");
    this.accessTokens.set(token, { expiresAt: Date.now() + lifetimeMs, ...(accountId !== undefined && { accountId }) });
    return token;
  }

  /** The token's record if it is known and unexpired. */
  accessToken(token: string): AccessToken | undefined {
    const record = this.accessTokens.get(token);
    return record && record.expiresAt > Date.now() ? record : undefined;
  }

  issueSignInToken(accountId: string, username: string): { token: string; expiresAt: number } {
    const token = base64Token();
    const expiresAt = Date.now() + SIGN_IN_TOKEN_MS;
    this.signInTokens.set(token, { accountId, username, expiresAt, used: false });
    this.accounts.get(accountId)?.users.add(username);
    return { token, expiresAt };
  }

  /** Consumes a sign-in token: valid once, for 5 minutes. */
  useSignInToken(token: string): SignInToken | undefined {
    const record = this.signInTokens.get(token);
    if (!record || record.used || record.expiresAt <= Date.now()) return undefined;
    record.used = true;
    return record;
  }

  createAccountConnector(fields: Omit<AccountConnectorRecord, "Id" | "Properties">, properties: { Name: string; Value: string }[]): AccountConnectorRecord {
    const record: AccountConnectorRecord = { ...fields, Id: this.nextAccountConnectorId++, Properties: [] };
    for (const property of properties) this.upsertProperty(record, property);
    this.accountConnectors.set(record.Id, record);
    return record;
  }

  accountConnector(accountId: string, id: number): AccountConnectorRecord | undefined {
    const record = this.accountConnectors.get(id);
    return record && record.AccountId === accountId ? record : undefined;
  }

  upsertProperty(record: AccountConnectorRecord, property: { Name: string; Value: string }): PropertyRecord {
    const existing = record.Properties.find((p) => p.Name === property.Name);
    if (existing) {
      existing.Value = property.Value;
      return existing;
    }
    const created: PropertyRecord = { Name: property.Name, Value: property.Value, Id: this.nextPropertyId++, AccountConnectorId: record.Id };
    record.Properties.push(created);
    return created;
  }

  /** The AccountConnector JSON Cyclr returns (api-notes §4), AuthValue echoed in plain text as Cyclr does. */
  render(record: AccountConnectorRecord): Record<string, unknown> {
    const connector = this.connectorsById.get(record.ConnectorId);
    const picked = connector?.Authentication?.find((a) => a.Id === record.AuthenticationId);
    // Some connectors keep reporting their default AuthType, whatever was chosen (the ambiguous case the server must handle).
    const chosen = connector && REPORTS_DEFAULT_AUTH.has(connector.Name) ? undefined : picked;
    const authType = picked?.AuthType ?? connector?.AuthType;
    // Inferred, strictest: AuthValue "{}" asks Cyclr to authenticate on first use (api-notes §7); it is not yet authenticated.
    const stored = Boolean(record.AuthValue) && record.AuthValue !== "{}";
    return {
      Id: record.Id,
      Name: record.Name,
      Description: record.Description,
      AuthValue: record.AuthValue,
      // Inferred: a stored AuthValue means authenticated; a None connector needs nothing; an AuthFields
      // connector's credential is its fields, so it is authenticated once every required one is set.
      Authenticated: stored || authType === "None" || (authType === "AuthFields" && requiredPropertiesSet(connector, record)),
      Connector: connector && {
        ...connector,
        // Inferred: the installed connector reflects the authentication method chosen at install.
        ...(chosen && { AuthType: chosen.AuthType, OAuth2Type: chosen.OAuth2Type, AuthScheme: chosen.AuthScheme }),
      },
      IsPartnerIntegrationConnector: false,
      Properties: record.Properties,
      CustomFields: [],
    };
  }
}

function requiredPropertiesSet(connector: ConnectorFixture | undefined, record: AccountConnectorRecord): boolean {
  const required = (connector?.Parameters ?? []).filter((p) => p.IsAccountConnectorProperty && !p.IsOptional && p.TargetName);
  return required.every((p) => record.Properties.some((set) => set.Name === p.TargetName && set.Value !== ""));
}
