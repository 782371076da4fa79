/**
 * The Cyclr operations the server needs, as a narrow interface (tools never see HTTP, headers or
 * tokens), and the client that implements it over CyclrHttp.
 */
import type { CyclrHttp, CyclrRequest } from "./http.js";
import { collectPages, type Page } from "./paging.js";
import {
  AccountConnectorListSchema,
  AccountConnectorPropertySchema,
  AccountConnectorSchema,
  ConnectorListSchema,
  ConnectorIconSchema,
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

/** The account's catalog as cached: possibly stale while a refresh runs, or after one failed. */
export interface Catalog {
  connectors: Connector[];
  /** When this copy was loaded (ms since the epoch). */
  loadedAt: number;
  /** Older than the cache TTL: a refresh is under way, or the last one failed (refreshError). */
  stale: boolean;
  /** Why the last refresh failed, when it did; the copy above is the older one. */
  refreshError?: unknown;
}

export interface CyclrOperations {
  /**
   * The whole catalog of connectors available to the account: cached for the TTL, one load at a
   * time shared by callers; once stale it is still served while a refresh runs, and kept if that fails.
   */
  listCatalog(accountId: string): Promise<Catalog>;
  getConnector(accountId: string, connectorId: number, options?: CallOptions): Promise<Connector>;
  /** The connector's icon as Cyclr gives it (a data URI), if it has one. */
  getConnectorIcon(accountId: string, connectorId: number, options?: CallOptions): Promise<string | undefined>;
  installConnector(accountId: string, connectorId: number, install: InstallConnectorRequest, options?: CallOptions): Promise<AccountConnector>;
  getAccountConnector(accountId: string, accountConnectorId: number, options?: CallOptions): Promise<AccountConnector>;
  /** Every account connector installed in the account (all pages). */
  listAccountConnectors(accountId: string, options?: CallOptions): Promise<AccountConnector[]>;
  /** One page of the connectors installed in the account, as Cyclr pages them. */
  listAccountConnectorsPage(accountId: string, page: { page: number; pageSize: number }, options?: CallOptions): Promise<AccountConnector[]>;
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
  /** How long a loaded catalog is fresh (CYCLR_CATALOG_TTL_SECONDS); 0 loads it for every call. */
  catalogTtlMs?: number;
  /** Page size asked of Cyclr when loading the catalog. */
  catalogPageSize?: number;
  /** Pages of the catalog in flight at once after the first. */
  catalogPageConcurrency?: number;
  now?: () => number;
}

export const DEFAULT_CATALOG_TTL_MS = 5 * 60_000;
const MAX_CACHED_CATALOGS = 100;
/** After a failed refresh, the stale copy is served without trying again for this long. */
const REFRESH_RETRY_MS = 30_000;
const segment = (value: string | number) => encodeURIComponent(String(value));

/** One account's cached catalog and its load in progress. */
interface CatalogEntry {
  loaded?: { connectors: Connector[]; loadedAt: number };
  loading?: Promise<Connector[]>;
  refreshError?: unknown;
  refreshFailedAt?: number;
}

export class CyclrClient implements CyclrOperations {
  private readonly catalogs = new Map<string, CatalogEntry>();
  private readonly catalogTtlMs: number;
  private readonly catalogPageSize: number;
  private readonly catalogPageConcurrency: number;
  private readonly now: () => number;

  constructor(
    private readonly http: CyclrHttp,
    options: CyclrClientOptions = {},
  ) {
    this.catalogTtlMs = options.catalogTtlMs ?? DEFAULT_CATALOG_TTL_MS;
    this.catalogPageSize = options.catalogPageSize ?? 100;
    this.catalogPageConcurrency = options.catalogPageConcurrency ?? 4;
    this.now = options.now ?? Date.now;
  }

  async listCatalog(accountId: string): Promise<Catalog> {
    let entry = this.catalogs.get(accountId);
    if (!entry) {
      entry = {};
      this.catalogs.set(accountId, entry);
      if (this.catalogs.size > MAX_CACHED_CATALOGS) this.catalogs.delete(this.catalogs.keys().next().value as string);
    }
    const { loaded } = entry;
    const now = this.now();
    if (loaded && this.catalogTtlMs > 0) {
      if (now - loaded.loadedAt < this.catalogTtlMs) return { ...loaded, stale: false };
      // Serve the stale copy now and refresh behind it (unless a refresh failed a moment ago).
      const backingOff = entry.refreshFailedAt !== undefined && now - entry.refreshFailedAt < Math.min(REFRESH_RETRY_MS, this.catalogTtlMs);
      if (!backingOff) this.startLoad(accountId, entry).catch(() => undefined);
      return { ...loaded, stale: true, ...(entry.refreshError !== undefined && { refreshError: entry.refreshError }) };
    }
    // Nothing cached (or no caching): wait for the one load in progress, shared by every caller.
    const connectors = await this.startLoad(accountId, entry);
    return { connectors, loadedAt: entry.loaded?.loadedAt ?? this.now(), stale: false };
  }

  /**
   * One load per account at a time, shared by every caller: so no caller's cancellation aborts it
   * (the request timeout still bounds it). A failure keeps whatever was loaded before.
   */
  private startLoad(accountId: string, entry: CatalogEntry): Promise<Connector[]> {
    entry.loading ??= this.loadCatalog(accountId)
      .then(
        (connectors) => {
          entry.loaded = { connectors, loadedAt: this.now() };
          delete entry.refreshError;
          delete entry.refreshFailedAt;
          return connectors;
        },
        (error: unknown) => {
          if (entry.loaded) {
            entry.refreshError = error;
            entry.refreshFailedAt = this.now();
          } else if (this.catalogs.get(accountId) === entry) {
            this.catalogs.delete(accountId);
          }
          throw error;
        },
      )
      .finally(() => {
        delete entry.loading;
      });
    return entry.loading;
  }

  private loadCatalog(accountId: string): Promise<Connector[]> {
    return collectPages(
      async (page, pageSize): Promise<Page<Connector>> => {
        const { data, headers } = await this.http.response(ConnectorListSchema, {
          method: "GET",
          path: "/v1.0/connectors",
          query: { page, pageSize },
          accountId,
          target: { kind: "catalog" },
        });
        return { items: data, ...totalPages(headers) };
      },
      { pageSize: this.catalogPageSize, key: (connector) => connector.Id, concurrency: this.catalogPageConcurrency },
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

  async getConnectorIcon(accountId: string, connectorId: number, options: CallOptions = {}): Promise<string | undefined> {
    const { Icon } = await this.http.json(ConnectorIconSchema, {
      method: "GET",
      path: `/v1.0/connectors/${segment(connectorId)}`,
      accountId,
      target: { kind: "connector", id: String(connectorId) },
      ...options,
    });
    return Icon;
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

  listAccountConnectors(accountId: string, options: CallOptions = {}): Promise<AccountConnector[]> {
    return collectPages(
      async (page, pageSize): Promise<Page<AccountConnector>> => {
        const { data, headers } = await this.http.response(AccountConnectorListSchema, accountConnectorsPage(accountId, { page, pageSize }, options));
        return { items: data, ...totalPages(headers) };
      },
      { pageSize: 100, key: (accountConnector) => accountConnector.Id },
    );
  }

  listAccountConnectorsPage(accountId: string, page: { page: number; pageSize: number }, options: CallOptions = {}): Promise<AccountConnector[]> {
    return this.http.json(AccountConnectorListSchema, accountConnectorsPage(accountId, page, options));
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

/** A Total-Pages header (an inferred name: api-notes §9, S8), when present and sensible. */
function totalPages(headers: Record<string, string>): { totalPages?: number } {
  const value = Number(headers["total-pages"]);
  return Number.isInteger(value) && value >= 1 ? { totalPages: value } : {};
}

/** One page of GET /v1.0/account/connectors. */
function accountConnectorsPage(accountId: string, { page, pageSize }: { page: number; pageSize: number }, options: CallOptions): CyclrRequest {
  return { method: "GET", path: "/v1.0/account/connectors", query: { page, pageSize }, accountId, target: { kind: "account", id: accountId }, ...options };
}
