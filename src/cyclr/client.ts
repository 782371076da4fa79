/**
 * The Cyclr operations the server needs, as a narrow interface (tools never see HTTP, headers or
 * tokens), and the client that implements it over CyclrHttp.
 */
import type { CyclrHttp } from "./http.js";
import { collectPages } from "./paging.js";
import {
  AccountConnectorListSchema,
  AccountConnectorPropertySchema,
  AccountConnectorSchema,
  ConnectorListSchema,
  ConnectorSchema,
  SignInTokenSchema,
  type AccountConnector,
  type AccountConnectorProperty,
  type Connector,
  type SignInToken,
} from "./schemas.js";

export interface InstallConnectorRequest {
  Name: string;
  Description?: string;
  AuthenticationId?: string;
  AuthValue?: string;
  Properties?: { Name: string; Value: string }[];
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface CyclrOperations {
  /** The whole catalog of connectors available to the account (cached for a while, shared by callers). */
  listCatalog(accountId: string): Promise<Connector[]>;
  getConnector(accountId: string, connectorId: number, options?: CallOptions): Promise<Connector>;
  installConnector(accountId: string, connectorId: number, install: InstallConnectorRequest, options?: CallOptions): Promise<AccountConnector>;
  getAccountConnector(accountId: string, accountConnectorId: number, options?: CallOptions): Promise<AccountConnector>;
  /** One page of the connectors installed in the account. */
  listAccountConnectors(accountId: string, page: { page: number; pageSize: number }, options?: CallOptions): Promise<AccountConnector[]>;
  /** Stores a credential (an API key, or base64 of "username:password") on an installed connector. */
  setAccountConnectorAuthValue(accountId: string, accountConnectorId: number, authValue: string, options?: CallOptions): Promise<AccountConnector>;
  setAccountConnectorProperty(
    accountId: string,
    accountConnectorId: number,
    property: { name: string; value: string; sensitive: boolean },
    options?: CallOptions,
  ): Promise<AccountConnectorProperty>;
  createSignInToken(accountId: string, username: string, options?: CallOptions): Promise<SignInToken>;
}

export interface CyclrClientOptions {
  /** How long a loaded catalog is reused. */
  catalogTtlMs?: number;
  /** Page size asked of Cyclr when loading the catalog. */
  catalogPageSize?: number;
  now?: () => number;
}

const DEFAULT_CATALOG_TTL_MS = 5 * 60_000;
const MAX_CACHED_CATALOGS = 100;
const segment = (value: string | number) => encodeURIComponent(String(value));

export class CyclrClient implements CyclrOperations {
  private readonly catalogs = new Map<string, { loadedAt: number; connectors: Promise<Connector[]> }>();
  private readonly catalogTtlMs: number;
  private readonly catalogPageSize: number;
  private readonly now: () => number;

  constructor(
    private readonly http: CyclrHttp,
    options: CyclrClientOptions = {},
  ) {
    this.catalogTtlMs = options.catalogTtlMs ?? DEFAULT_CATALOG_TTL_MS;
    this.catalogPageSize = options.catalogPageSize ?? 100;
    this.now = options.now ?? Date.now;
  }

  listCatalog(accountId: string): Promise<Connector[]> {
    const cached = this.catalogs.get(accountId);
    if (cached && this.now() - cached.loadedAt < this.catalogTtlMs) return cached.connectors;
    // One load per account at a time, shared by every caller: so no caller's cancellation aborts it
    // (the request timeout still bounds it). A failed load is not cached.
    const connectors = this.loadCatalog(accountId);
    this.catalogs.delete(accountId);
    this.catalogs.set(accountId, { loadedAt: this.now(), connectors });
    if (this.catalogs.size > MAX_CACHED_CATALOGS) this.catalogs.delete(this.catalogs.keys().next().value as string);
    connectors.catch(() => {
      if (this.catalogs.get(accountId)?.connectors === connectors) this.catalogs.delete(accountId);
    });
    return connectors;
  }

  private loadCatalog(accountId: string): Promise<Connector[]> {
    return collectPages(
      (page, pageSize) =>
        this.http.json(ConnectorListSchema, {
          method: "GET",
          path: "/v1.0/connectors",
          query: { page, pageSize },
          accountId,
          target: { kind: "catalog" },
        }),
      { pageSize: this.catalogPageSize, key: (connector) => connector.Id },
    );
  }

  getConnector(accountId: string, connectorId: number, options: CallOptions = {}): Promise<Connector> {
    return this.http.json(ConnectorSchema, {
      method: "GET",
      path: `/v1.0/connectors/${segment(connectorId)}`,
      accountId,
      target: { kind: "connector", id: String(connectorId) },
      ...options,
    });
  }

  installConnector(accountId: string, connectorId: number, install: InstallConnectorRequest, options: CallOptions = {}): Promise<AccountConnector> {
    return this.http.json(AccountConnectorSchema, {
      method: "POST",
      path: `/v1.0/connectors/${segment(connectorId)}/install`,
      accountId,
      json: install,
      target: { kind: "connector", id: String(connectorId) },
      secrets: [install.AuthValue],
      ...options,
    });
  }

  getAccountConnector(accountId: string, accountConnectorId: number, options: CallOptions = {}): Promise<AccountConnector> {
    return this.http.json(AccountConnectorSchema, {
      method: "GET",
      path: `/v1.0/account/connectors/${segment(accountConnectorId)}`,
      accountId,
      target: { kind: "account connector", id: String(accountConnectorId) },
      ...options,
    });
  }

  listAccountConnectors(accountId: string, { page, pageSize }: { page: number; pageSize: number }, options: CallOptions = {}): Promise<AccountConnector[]> {
    return this.http.json(AccountConnectorListSchema, {
      method: "GET",
      path: "/v1.0/account/connectors",
      query: { page, pageSize },
      accountId,
      target: { kind: "account", id: accountId },
      ...options,
    });
  }

  setAccountConnectorAuthValue(accountId: string, accountConnectorId: number, authValue: string, options: CallOptions = {}): Promise<AccountConnector> {
    return this.http.json(AccountConnectorSchema, {
      method: "PUT",
      // A partial update: only AuthValue changes (api-notes §4, §6).
      path: `/v1.0/account/connectors/${segment(accountConnectorId)}`,
      accountId,
      json: { AuthValue: authValue },
      target: { kind: "account connector", id: String(accountConnectorId) },
      secrets: [authValue],
      ...options,
    });
  }

  setAccountConnectorProperty(
    accountId: string,
    accountConnectorId: number,
    property: { name: string; value: string; sensitive: boolean },
    options: CallOptions = {},
  ): Promise<AccountConnectorProperty> {
    return this.http.json(AccountConnectorPropertySchema, {
      method: "POST",
      path: `/v1.0/account/connectors/${segment(accountConnectorId)}/properties`,
      accountId,
      // One call per property, a single object (api-notes §5).
      json: { Name: property.name, Value: property.value },
      target: { kind: "account connector", id: String(accountConnectorId) },
      secrets: property.sensitive ? [property.value] : [],
      ...options,
    });
  }

  createSignInToken(accountId: string, username: string, options: CallOptions = {}): Promise<SignInToken> {
    return this.http.json(SignInTokenSchema, {
      method: "POST",
      // Partner level: the account is in the path, not in X-Cyclr-Account (api-notes §7).
      path: `/v1.0/accounts/${segment(accountId)}/signintoken`,
      json: { Username: username },
      target: { kind: "account", id: accountId },
      ...options,
    });
  }
}
