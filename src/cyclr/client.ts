/**
 * The Cyclr operations the server needs, as a narrow interface (tools never see HTTP, headers or
 * tokens), and the client that implements it over CyclrHttp.
 */
import * as z from "zod";
import type { Logger } from "../log.js";
import type { CyclrHttp, CyclrRequest } from "./http.js";
import { collectPages, type Page, type UnreadPage } from "./paging.js";
import {
  AccountListSchema,
  AccountSchema,
  AccountConnectorListSchema,
  AccountConnectorPropertySchema,
  AccountConnectorSchema,
  ConnectorListSchema,
  ConnectorIconSchema,
  ConnectorSchema,
  CycleListSchema,
  CycleSchema,
  CycleStepListSchema,
  FieldMappingListSchema,
  FieldMappingSchema,
  IncidentListSchema,
  LaunchLinkSchema,
  LookupChoiceListSchema,
  MarketplaceLinkSchema,
  MessageSchema,
  PrerequisiteListSchema,
  RawListSchema,
  SignInTokenSchema,
  splitEntries,
  StepParameterListSchema,
  StepParameterSchema,
  TemplateListSchema,
  TemplateSchema,
  type Account,
  type Cycle,
  type CycleStep,
  type FieldMapping,
  type Incident,
  type LaunchLink,
  type LookupChoice,
  type MarketplaceLink,
  type Prerequisite,
  type StepParameter,
  type Template,
  type AccountConnector,
  type AccountConnectorProperty,
  type Connector,
  type LeftOutItem,
  type ListEntry,
  type SignInToken,
} from "./schemas.js";

/** A list parsed item by item: what parsed, and what was left out (ids and field paths only). */
export interface Listed<T> {
  items: T[];
  leftOut: LeftOutItem[];
}

export interface InstallConnectorRequest {
  Name: string;
  Description?: string;
  AuthenticationId?: string;
  AuthValue?: string;
  Properties?: { Name: string; Value: string }[];
}

/** POST /v1.0/accounts: Id is optional ("the External Account ID you would like for this account"). */
export interface CreateAccountRequest {
  Name: string;
  Id?: string;
  Description?: string;
  Timezone?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** PUT /v1.0/cycles/{id}/activate: Interval in minutes (one of Cyclr's list), ignored with RunOnce or a webhook trigger. */
export interface ActivateCycleRequest {
  StartTime?: string;
  Interval?: number;
  RunOnce?: boolean;
}

/** A static value for a parameter or field mapping: the mapping types the notes document. */
export interface StepValue {
  mappingType: "StaticValue" | "ValueList";
  value: string;
  /** A value the person typed that may be a secret (an API token in a parameter, say): kept out of error text. */
  sensitive?: boolean;
}

/**
 * One page of incidents. `after` is a day (YYYY-MM-DD, the form Cyclr's tests send): Cyclr's tests
 * filter the account-wide lists with it; whether the cycle's own list honours it is unknown, so the
 * caller filters by time as well.
 */
export interface IncidentPage {
  page: number;
  pageSize: number;
  /** Newest first (sortOrderAsc=false); Cyclr's default order is not documented, so it is always sent. */
  newestFirst: boolean;
  after?: string;
}

/**
 * POST /v1.0/accounts/{id}/launch (cycles.md, LAUNCH): what the server sends. LAUNCH offers the
 * published templates carrying one of the Tags; Start (Cyclr's default true) starts the cycle the
 * person installs, RunOnce runs it once.
 */
export interface LaunchLinkRequest {
  Tags: string[];
  Start?: boolean;
  RunOnce?: boolean;
  /** OAuth sign-ins open in the same window instead of a popup: the link is opened as a page of its own, not in a frame. */
  InlineOAuth?: boolean;
}

/** POST /v1.0/accounts/{id}/marketplace: which Marketplace to show. */
export interface MarketplaceLinkRequest {
  MarketplaceId: number;
  InlineOAuth?: boolean;
}

/**
 * The calls that hand a person to Cyclr's own pages (LAUNCH, a Marketplace). Apart from
 * CyclrOperations because they must go with the partner's token: Cyclr's docs say not to make them
 * with a token restricted to an account, which is what a pinned hosted session's operations use.
 * Each creates the account when the id does not exist, and makes a one-time link (5 minutes).
 */
export interface PartnerOperations {
  createLaunchLink(accountId: string, request: LaunchLinkRequest, options?: CallOptions): Promise<LaunchLink>;
  createMarketplaceLink(accountId: string, request: MarketplaceLinkRequest, options?: CallOptions): Promise<MarketplaceLink>;
}

/** The account's catalog as cached: possibly stale while a refresh runs, or after one failed. */
export interface Catalog {
  connectors: Connector[];
  /** Catalog items that did not parse, left out of `connectors` (logged once per load). */
  leftOut: LeftOutItem[];
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
  /** Every account connector installed in the account (all pages); items that do not parse are left out and counted. */
  listAccountConnectors(accountId: string, options?: CallOptions): Promise<Listed<AccountConnector>>;
  /** One page of the connectors installed in the account, as Cyclr pages them. */
  listAccountConnectorsPage(accountId: string, page: { page: number; pageSize: number }, options?: CallOptions): Promise<Listed<AccountConnector>>;
  /** Stores a credential (an API key, or base64 of "username:password") on an installed connector. */
  setAccountConnectorAuthValue(accountId: string, accountConnectorId: number, authValue: string, options?: CallOptions): Promise<AccountConnector>;
  /**
   * Sets one property: a PUT of the property the account connector already has (`id`, from its
   * Properties[]), else a POST that creates it (api-notes addendum: Cyclr's tests do exactly this).
   */
  setAccountConnectorProperty(
    accountId: string,
    accountConnectorId: number,
    property: { name: string; value: string; sensitive: boolean; id?: string },
    options?: CallOptions,
  ): Promise<AccountConnectorProperty>;
  createSignInToken(accountId: string, username: string, options?: CallOptions): Promise<SignInToken>;
  /** One page of the partner's accounts (partner level: no X-Cyclr-Account). */
  listAccountsPage(page: { page: number; pageSize: number }, options?: CallOptions): Promise<Listed<Account>>;
  /** Every account of the partner (all pages): what a search by name looks through. */
  listAccounts(options?: CallOptions): Promise<Listed<Account>>;
  getAccount(accountId: string, options?: CallOptions): Promise<Account>;
  createAccount(account: CreateAccountRequest, options?: CallOptions): Promise<Account>;
  /** Clears the stored credentials: Cyclr answers {"Message": "Connector '…' successfully de-authenticated."}. */
  deauthenticateAccountConnector(accountId: string, accountConnectorId: number, options?: CallOptions): Promise<{ Message?: string | undefined }>;
  deleteAccountConnector(accountId: string, accountConnectorId: number, options?: CallOptions): Promise<{ Message?: string | undefined }>;
  /** The partner's templates (all pages), item by item; with `tag`, those Cyclr lists under it (its own filter, as LAUNCH picks them). */
  listTemplates(accountId: string, options?: CallOptions & { tag?: string }): Promise<Listed<Template>>;
  getTemplate(accountId: string, templateId: string, options?: CallOptions): Promise<Template>;
  /** Installs a template into the account: the new cycle (paused). Sent once: never retried. */
  installTemplate(accountId: string, templateId: string, options?: CallOptions): Promise<Cycle>;
  /** The account's cycles (all pages), item by item. */
  listCycles(accountId: string, options?: CallOptions): Promise<Listed<Cycle>>;
  getCycle(accountId: string, cycleId: string, options?: CallOptions): Promise<Cycle>;
  /** What stops the cycle from being activated; an empty list means ready. */
  getCyclePrerequisites(accountId: string, cycleId: string, options?: CallOptions): Promise<Listed<Prerequisite>>;
  listCycleSteps(accountId: string, cycleId: string, options?: CallOptions): Promise<Listed<CycleStep>>;
  getStepPrerequisites(accountId: string, stepId: string, options?: CallOptions): Promise<Listed<Prerequisite>>;
  listStepParameters(accountId: string, stepId: string, options?: CallOptions): Promise<Listed<StepParameter>>;
  listStepFieldMappings(accountId: string, stepId: string, options?: CallOptions): Promise<Listed<FieldMapping>>;
  setStepParameter(accountId: string, stepId: string, parameterId: string, value: StepValue, options?: CallOptions): Promise<StepParameter>;
  setStepFieldMapping(accountId: string, stepId: string, fieldId: string, value: StepValue, options?: CallOptions): Promise<FieldMapping>;
  /** A parameter's lookup through one of its triggers: the choices, by name and stored value. */
  lookupStepParameter(accountId: string, stepId: string, parameterId: string, triggerId: string, options?: CallOptions): Promise<Listed<LookupChoice>>;
  activateCycle(accountId: string, cycleId: string, activation: ActivateCycleRequest, options?: CallOptions): Promise<void>;
  /** One page of a cycle's incidents (GET /v1.0/cycles/{id}/incidents): errors and warnings together. */
  listCycleIncidentsPage(accountId: string, cycleId: string, page: IncidentPage, options?: CallOptions): Promise<Listed<Incident>>;
  /** One page of the account's incidents of one level, across its cycles (GET /v1.0/cycles/incidents/error|warning). */
  listAccountIncidentsPage(accountId: string, level: "error" | "warning", page: IncidentPage, options?: CallOptions): Promise<Listed<Incident>>;
  /** finishQueued: true lets queued transactions finish first ("Finish and Stop"); false stops at once. */
  deactivateCycle(accountId: string, cycleId: string, finishQueued: boolean, options?: CallOptions): Promise<void>;
}

/** A catalog as loaded from Cyclr, with when. */
export interface LoadedCatalog {
  connectors: Connector[];
  leftOut: LeftOutItem[];
  loadedAt: number;
}

/**
 * Catalogs shared by the replicas of a deployment, per account, so that the deployment loads each
 * from Cyclr once per TTL. Given to the client; it knows nothing of where they are kept. Its
 * failures are its own business: it answers "nothing shared" rather than throw.
 */
export interface SharedCatalogCache {
  /** When the shared copy was loaded, without reading it (a catalog can be megabytes). */
  loadedAt(accountId: string): Promise<number | undefined>;
  read(accountId: string): Promise<LoadedCatalog | undefined>;
  write(accountId: string, catalog: LoadedCatalog, ttlMs: number): Promise<void>;
  /** A lock on loading this account's catalog from Cyclr: the function that releases it, or undefined when another replica is loading it. */
  lock(accountId: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}

export interface CyclrClientOptions {
  /** Catalogs shared with the other replicas (the store); without it, this process loads its own. */
  sharedCatalogs?: SharedCatalogCache;
  /** How long a loaded catalog is fresh (CYCLR_CATALOG_TTL_SECONDS); 0 loads it for every call. */
  catalogTtlMs?: number;
  /** Page size asked of Cyclr when loading the catalog. */
  catalogPageSize?: number;
  /** Pages of the catalog in flight at once after the first. */
  catalogPageConcurrency?: number;
  /** Where catalog items that do not parse are reported, once per load. */
  logger?: Logger;
  now?: () => number;
}

export const DEFAULT_CATALOG_TTL_MS = 5 * 60_000;
const MAX_CACHED_CATALOGS = 100;
/** After a failed refresh, the stale copy is served without trying again for this long. */
const REFRESH_RETRY_MS = 30_000;
/** How long a replica waits for another that is loading the catalog before loading it itself; the lock lasts twice that. */
const PEER_WAIT_MS = 30_000;
const PEER_LOOK_MS = 100;
const segment = (value: string | number) => encodeURIComponent(String(value));
/** Activate and deactivate answer a bare 200 in the docs; whatever JSON comes is not read. */
const AnyBodySchema = z.unknown();

/** One account's cached catalog and its load in progress. */
interface CatalogEntry {
  loaded?: LoadedCatalog;
  loading?: Promise<LoadedCatalog>;
  refreshError?: unknown;
  refreshFailedAt?: number;
}

export class CyclrClient implements CyclrOperations, PartnerOperations {
  private readonly catalogTtlMs: number;
  private readonly catalogPageSize: number;
  private readonly catalogPageConcurrency: number;
  private readonly logger: Logger | undefined;
  private readonly now: () => number;
  private readonly sharedCatalogs: SharedCatalogCache | undefined;

  constructor(
    private readonly http: CyclrHttp,
    private readonly options: CyclrClientOptions = {},
    /** Shared with the client this one was made from (withHttp): the catalog is the account's, whichever token loaded it. */
    private readonly catalogs = new Map<string, CatalogEntry>(),
  ) {
    this.catalogTtlMs = options.catalogTtlMs ?? DEFAULT_CATALOG_TTL_MS;
    this.catalogPageSize = options.catalogPageSize ?? 100;
    this.catalogPageConcurrency = options.catalogPageConcurrency ?? 4;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.sharedCatalogs = options.sharedCatalogs;
  }

  /** The same operations over other HTTP (other tokens), sharing this client's catalog cache. */
  withHttp(http: CyclrHttp): CyclrClient {
    return new CyclrClient(http, this.options, this.catalogs);
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
    return { ...(await this.startLoad(accountId, entry)), stale: false };
  }

  /**
   * One load per account at a time, shared by every caller: so no caller's cancellation aborts it
   * (the request timeout still bounds it). A failure keeps whatever was loaded before.
   */
  private startLoad(accountId: string, entry: CatalogEntry): Promise<LoadedCatalog> {
    entry.loading ??= this.loadShared(accountId, entry.loaded?.loadedAt)
      .then(
        (loaded) => {
          entry.loaded = loaded;
          delete entry.refreshError;
          delete entry.refreshFailedAt;
          return loaded;
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

  /**
   * The catalog from the other replicas when one of them loaded it within the TTL (and after
   * `newerThan`, the copy this replica has), else from Cyclr by the one replica holding the lock
   * while the others wait for its result; at most PEER_WAIT_MS, then a replica loads it itself.
   */
  private async loadShared(accountId: string, newerThan: number | undefined): Promise<LoadedCatalog> {
    const shared = this.sharedCatalogs;
    if (!shared || this.catalogTtlMs <= 0) return this.loadCatalog(accountId);
    const fresh = async (): Promise<LoadedCatalog | undefined> => {
      const at = await shared.loadedAt(accountId);
      if (at === undefined || this.now() - at >= this.catalogTtlMs || (newerThan !== undefined && at <= newerThan)) return undefined;
      return shared.read(accountId);
    };
    const giveUpAt = this.now() + PEER_WAIT_MS;
    for (;;) {
      const found = await fresh();
      if (found) return found;
      const release = await shared.lock(accountId, 2 * PEER_WAIT_MS);
      if (release) {
        try {
          const again = await fresh();
          if (again) return again;
          const loaded = await this.loadCatalog(accountId);
          await shared.write(accountId, loaded, this.catalogTtlMs);
          return loaded;
        } finally {
          await release();
        }
      }
      if (this.now() >= giveUpAt) return this.loadCatalog(accountId);
      await new Promise((resolve) => setTimeout(resolve, PEER_LOOK_MS));
    }
  }

  private async loadCatalog(accountId: string): Promise<LoadedCatalog> {
    const listed = splitEntries(await this.catalogPages(accountId, { pageSize: this.catalogPageSize, includeCustomConnectors: true }));
    // Once per load, not per call that reads the cached copy: ids and field paths only.
    for (const item of listed.leftOut) {
      this.logger?.warn("catalog item left out: it does not parse", { accountId, connectorId: item.id ?? "(no Id)", page: item.page, index: item.index, paths: item.paths.join(", ") });
    }
    return { connectors: listed.items, leftOut: listed.leftOut, loadedAt: this.now() };
  }

  /**
   * The catalog's pages, item by item. includeCustomConnectors=true is sent because its default is
   * unknown (api-notes addendum) and a partner's own connectors must be findable; doctor --deep
   * compares with false.
   */
  async catalogPages(accountId: string, options: { pageSize: number; includeCustomConnectors?: boolean; signal?: AbortSignal }): Promise<ListEntry<Connector>[]> {
    return collectPages(
      async (page, pageSize): Promise<UnreadPage<ListEntry<Connector>>> => {
        // Parsed when the walk takes the page, after it has asked for the next ones.
        const { data, headers } = await this.http.response(RawListSchema, catalogPageRequest(accountId, { ...options, page, pageSize }));
        return { count: data.length, read: () => onPage(ConnectorListSchema.parse(data), page), ...totalPages(headers) };
      },
      { pageSize: options.pageSize, key: entryKey((connector) => connector.Id), concurrency: this.catalogPageConcurrency },
    );
  }

  /** One page of the catalog as Cyclr answers it, item by item (includeCustomConnectors left out when undefined: Cyclr's default). */
  async catalogPage(
    accountId: string,
    options: { page: number; pageSize: number; includeCustomConnectors?: boolean; signal?: AbortSignal },
  ): Promise<Page<ListEntry<Connector>>> {
    const { data, headers } = await this.http.response(ConnectorListSchema, catalogPageRequest(accountId, options));
    return { items: onPage(data, options.page), ...totalPages(headers) };
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

  async listAccountConnectors(accountId: string, options: CallOptions = {}): Promise<Listed<AccountConnector>> {
    const entries = await collectPages(
      async (page, pageSize): Promise<Page<ListEntry<AccountConnector>>> => {
        const { data, headers } = await this.http.response(AccountConnectorListSchema, accountConnectorsPage(accountId, { page, pageSize }, options));
        return { items: onPage(data, page), ...totalPages(headers) };
      },
      { pageSize: 100, key: entryKey((accountConnector) => accountConnector.Id) },
    );
    return this.reportLeftOut(accountId, splitEntries(entries));
  }

  async listAccountConnectorsPage(accountId: string, page: { page: number; pageSize: number }, options: CallOptions = {}): Promise<Listed<AccountConnector>> {
    const entries = await this.http.json(AccountConnectorListSchema, accountConnectorsPage(accountId, page, options));
    return this.reportLeftOut(accountId, splitEntries(onPage(entries, page.page)));
  }

  private reportLeftOut<T>(accountId: string, listed: Listed<T>): Listed<T> {
    for (const item of listed.leftOut) {
      this.logger?.warn("account connector left out: it does not parse", { accountId, accountConnectorId: item.id ?? "(no Id)", page: item.page, index: item.index, paths: item.paths.join(", ") });
    }
    return listed;
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
    property: { name: string; value: string; sensitive: boolean; id?: string },
    options: CallOptions = {},
  ): Promise<AccountConnectorProperty> {
    const base = `/v1.0/account/connectors/${segment(accountConnectorId)}/properties`;
    // Cyclr's ids are integers; one that is not is sent back as it came.
    const id = property.id !== undefined && /^\d+$/.test(property.id) ? Number(property.id) : property.id;
    return this.http.json(AccountConnectorPropertySchema, {
      ...(property.id !== undefined
        ? { method: "PUT" as const, path: `${base}/${segment(property.id)}`, json: { Name: property.name, Value: property.value, Id: id } }
        : // One call per property, a single object (api-notes §5).
          { method: "POST" as const, path: base, json: { Name: property.name, Value: property.value } }),
      accountId,
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

  async listAccountsPage(page: { page: number; pageSize: number }, options: CallOptions = {}): Promise<Listed<Account>> {
    const { data } = await this.http.response(AccountListSchema, accountsPage(page, options));
    return splitEntries(onPage(data, page.page));
  }

  async listAccounts(options: CallOptions = {}): Promise<Listed<Account>> {
    const entries = await collectPages(
      async (page, pageSize): Promise<Page<ListEntry<Account>>> => {
        const { data, headers } = await this.http.response(AccountListSchema, accountsPage({ page, pageSize }, options));
        return { items: onPage(data, page), ...totalPages(headers) };
      },
      { pageSize: 100, key: entryKey((account) => account.Id) },
    );
    return splitEntries(entries);
  }

  getAccount(accountId: string, options: CallOptions = {}): Promise<Account> {
    return this.http.json(AccountSchema, { method: "GET", path: `/v1.0/accounts/${segment(accountId)}`, target: { kind: "account", id: accountId }, ...options });
  }

  createAccount(account: CreateAccountRequest, options: CallOptions = {}): Promise<Account> {
    return this.http.json(AccountSchema, {
      method: "POST",
      path: "/v1.0/accounts",
      json: account,
      target: { kind: "new account", ...(account.Id !== undefined && { id: account.Id }) },
      ...options,
    });
  }

  deauthenticateAccountConnector(accountId: string, accountConnectorId: number, options: CallOptions = {}): Promise<{ Message?: string | undefined }> {
    return this.http.json(MessageSchema, {
      method: "PUT",
      // Cyclr's tests send an empty object (api-notes §4).
      path: `/v1.0/account/connectors/${segment(accountConnectorId)}/deauthenticate`,
      json: {},
      accountId,
      target: { kind: "account connector", id: String(accountConnectorId) },
      emptyBodyOk: true,
      ...options,
    });
  }

  deleteAccountConnector(accountId: string, accountConnectorId: number, options: CallOptions = {}): Promise<{ Message?: string | undefined }> {
    return this.http.json(MessageSchema, {
      method: "DELETE",
      path: `/v1.0/account/connectors/${segment(accountConnectorId)}`,
      accountId,
      target: { kind: "account connector", id: String(accountConnectorId) },
      emptyBodyOk: true,
      ...options,
    });
  }

  async listTemplates(accountId: string, { tag, ...options }: CallOptions & { tag?: string } = {}): Promise<Listed<Template>> {
    const entries = await collectPages(
      async (page, pageSize): Promise<Page<ListEntry<Template>>> => {
        const { data, headers } = await this.http.response(TemplateListSchema, {
          method: "GET",
          path: "/v1.0/templates",
          query: { page, pageSize, tag },
          accountId,
          target: { kind: "templates" },
          ...options,
        });
        return { items: onPage(data, page), ...totalPages(headers) };
      },
      { pageSize: 100, key: entryKey((template) => template.Id) },
    );
    return this.reportLeftOutAs("template", accountId, splitEntries(entries));
  }

  getTemplate(accountId: string, templateId: string, options: CallOptions = {}): Promise<Template> {
    return this.http.json(TemplateSchema, { method: "GET", path: `/v1.0/templates/${segment(templateId)}`, accountId, target: { kind: "template", id: templateId }, ...options });
  }

  installTemplate(accountId: string, templateId: string, options: CallOptions = {}): Promise<Cycle> {
    return this.http.json(CycleSchema, {
      method: "POST",
      // Cyclr's tests send {}; the cycle takes the template's name.
      path: `/v1.0/templates/${segment(templateId)}/install`,
      json: {},
      accountId,
      target: { kind: "template", id: templateId },
      ...options,
    });
  }

  async listCycles(accountId: string, options: CallOptions = {}): Promise<Listed<Cycle>> {
    const entries = await collectPages(
      async (page, pageSize): Promise<Page<ListEntry<Cycle>>> => {
        const { data, headers } = await this.http.response(CycleListSchema, {
          method: "GET",
          path: "/v1.0/cycles",
          query: { page, pageSize },
          accountId,
          target: { kind: "account", id: accountId },
          ...options,
        });
        return { items: onPage(data, page), ...totalPages(headers) };
      },
      { pageSize: 100, key: entryKey((cycle) => cycle.Id) },
    );
    return this.reportLeftOutAs("cycle", accountId, splitEntries(entries));
  }

  getCycle(accountId: string, cycleId: string, options: CallOptions = {}): Promise<Cycle> {
    return this.http.json(CycleSchema, { method: "GET", path: `/v1.0/cycles/${segment(cycleId)}`, accountId, target: { kind: "cycle", id: cycleId }, ...options });
  }

  async getCyclePrerequisites(accountId: string, cycleId: string, options: CallOptions = {}): Promise<Listed<Prerequisite>> {
    const entries = await this.http.json(PrerequisiteListSchema, { method: "GET", path: `/v1.0/cycles/${segment(cycleId)}/prerequisites`, accountId, target: { kind: "cycle", id: cycleId }, ...options });
    return this.reportLeftOutAs("prerequisite", accountId, splitEntries(entries));
  }

  async listCycleSteps(accountId: string, cycleId: string, options: CallOptions = {}): Promise<Listed<CycleStep>> {
    const entries = await this.http.json(CycleStepListSchema, { method: "GET", path: `/v1.0/cycles/${segment(cycleId)}/steps`, accountId, target: { kind: "cycle", id: cycleId }, ...options });
    return this.reportLeftOutAs("step", accountId, splitEntries(entries));
  }

  async getStepPrerequisites(accountId: string, stepId: string, options: CallOptions = {}): Promise<Listed<Prerequisite>> {
    const entries = await this.http.json(PrerequisiteListSchema, { method: "GET", path: `/v1.0/steps/${segment(stepId)}/prerequisites`, accountId, target: { kind: "step", id: stepId }, ...options });
    return this.reportLeftOutAs("prerequisite", accountId, splitEntries(entries));
  }

  async listStepParameters(accountId: string, stepId: string, options: CallOptions = {}): Promise<Listed<StepParameter>> {
    const entries = await this.http.json(StepParameterListSchema, { method: "GET", path: `/v1.0/steps/${segment(stepId)}/parameters`, accountId, target: { kind: "step", id: stepId }, ...options });
    return this.reportLeftOutAs("parameter", accountId, splitEntries(entries));
  }

  async listStepFieldMappings(accountId: string, stepId: string, options: CallOptions = {}): Promise<Listed<FieldMapping>> {
    const entries = await this.http.json(FieldMappingListSchema, { method: "GET", path: `/v1.0/steps/${segment(stepId)}/fieldmappings`, accountId, target: { kind: "step", id: stepId }, ...options });
    return this.reportLeftOutAs("field mapping", accountId, splitEntries(entries));
  }

  setStepParameter(accountId: string, stepId: string, parameterId: string, value: StepValue, options: CallOptions = {}): Promise<StepParameter> {
    return this.http.json(StepParameterSchema, {
      method: "PUT",
      // {MappingType, Value}: the smallest body of the docs; Cyclr's tests send MappingType alone to clear.
      path: `/v1.0/steps/${segment(stepId)}/parameters/${segment(parameterId)}`,
      json: { MappingType: value.mappingType, Value: value.value },
      accountId,
      target: { kind: "parameter", id: parameterId, stepId },
      secrets: value.sensitive ? [value.value] : [],
      ...options,
    });
  }

  setStepFieldMapping(accountId: string, stepId: string, fieldId: string, value: StepValue, options: CallOptions = {}): Promise<FieldMapping> {
    return this.http.json(FieldMappingSchema, {
      // PUT as Cyclr's tests and the static-value page do (the value-list page shows POST on the same path).
      method: "PUT",
      path: `/v1.0/steps/${segment(stepId)}/fieldmappings/${segment(fieldId)}`,
      json: { MappingType: value.mappingType, Value: value.value },
      accountId,
      target: { kind: "field", id: fieldId, stepId },
      secrets: value.sensitive ? [value.value] : [],
      ...options,
    });
  }

  async lookupStepParameter(accountId: string, stepId: string, parameterId: string, triggerId: string, options: CallOptions = {}): Promise<Listed<LookupChoice>> {
    // Cyclr's ids are integers where they look like one; sent back as they came otherwise.
    const id = /^\d+$/.test(triggerId) ? Number(triggerId) : triggerId;
    const entries = await this.http.json(LookupChoiceListSchema, {
      method: "POST",
      path: `/v1.0/steps/${segment(stepId)}/parameters/${segment(parameterId)}/lookup`,
      json: { TriggerId: id },
      accountId,
      target: { kind: "parameter", id: parameterId, stepId },
      // A lookup only reads the connector's account: safe to repeat.
      retrySafe: true,
      ...options,
    });
    return this.reportLeftOutAs("lookup choice", accountId, splitEntries(entries));
  }

  async activateCycle(accountId: string, cycleId: string, activation: ActivateCycleRequest, options: CallOptions = {}): Promise<void> {
    await this.http.json(AnyBodySchema, {
      method: "PUT",
      // PUT as Cyclr's tests (older docs say POST); the docs show a bare 200.
      path: `/v1.0/cycles/${segment(cycleId)}/activate`,
      json: activation,
      accountId,
      target: { kind: "cycle", id: cycleId },
      emptyBodyOk: true,
      ...options,
    });
  }

  async deactivateCycle(accountId: string, cycleId: string, finishQueued: boolean, options: CallOptions = {}): Promise<void> {
    await this.http.json(AnyBodySchema, {
      method: "PUT",
      path: `/v1.0/cycles/${segment(cycleId)}/deactivate`,
      query: { finishQueuedTransactions: finishQueued },
      json: {},
      accountId,
      target: { kind: "cycle", id: cycleId },
      emptyBodyOk: true,
      ...options,
    });
  }

  async listCycleIncidentsPage(accountId: string, cycleId: string, page: IncidentPage, options: CallOptions = {}): Promise<Listed<Incident>> {
    const entries = await this.http.json(IncidentListSchema, {
      method: "GET",
      path: `/v1.0/cycles/${segment(cycleId)}/incidents`,
      query: incidentQuery(page),
      accountId,
      target: { kind: "cycle", id: cycleId },
      ...options,
    });
    return this.reportLeftOutAs("incident", accountId, splitEntries(onPage(entries, page.page)));
  }

  async listAccountIncidentsPage(accountId: string, level: "error" | "warning", page: IncidentPage, options: CallOptions = {}): Promise<Listed<Incident>> {
    const entries = await this.http.json(IncidentListSchema, {
      method: "GET",
      path: `/v1.0/cycles/incidents/${level}`,
      query: incidentQuery(page),
      accountId,
      target: { kind: "incidents", id: level },
      ...options,
    });
    return this.reportLeftOutAs("incident", accountId, splitEntries(onPage(entries, page.page)));
  }

  createLaunchLink(accountId: string, request: LaunchLinkRequest, options: CallOptions = {}): Promise<LaunchLink> {
    return this.http.json(LaunchLinkSchema, {
      method: "POST",
      // Partner level: the account is in the path (Cyclr's tests send X-Cyclr-Account too; the docs do not).
      path: `/v1.0/accounts/${segment(accountId)}/launch`,
      json: request,
      target: { kind: "launch", id: accountId },
      ...options,
    });
  }

  createMarketplaceLink(accountId: string, request: MarketplaceLinkRequest, options: CallOptions = {}): Promise<MarketplaceLink> {
    return this.http.json(MarketplaceLinkSchema, {
      method: "POST",
      path: `/v1.0/accounts/${segment(accountId)}/marketplace`,
      json: request,
      target: { kind: "marketplace", id: String(request.MarketplaceId) },
      ...options,
    });
  }

  private reportLeftOutAs<T>(what: string, accountId: string, listed: Listed<T>): Listed<T> {
    for (const item of listed.leftOut) {
      this.logger?.warn(`${what} left out: it does not parse`, { accountId, id: item.id ?? "(no Id)", ...(item.page !== undefined && { page: item.page }), index: item.index, paths: item.paths.join(", ") });
    }
    return listed;
  }
}

/** A Total-Pages header (an inferred name: api-notes §9, S8), when present and sensible. */
function totalPages(headers: Record<string, string>): { totalPages?: number } {
  const value = Number(headers["total-pages"]);
  return Number.isInteger(value) && value >= 1 ? { totalPages: value } : {};
}

/** One page of GET /v1.0/connectors. */
function catalogPageRequest(accountId: string, options: { page: number; pageSize: number; includeCustomConnectors?: boolean; signal?: AbortSignal }): CyclrRequest {
  return {
    method: "GET",
    path: "/v1.0/connectors",
    query: { page: options.page, pageSize: options.pageSize, includeCustomConnectors: options.includeCustomConnectors },
    accountId,
    target: { kind: "catalog" },
    // The catalog keeps no icon (a card asks for one with getConnectorIcon).
    unreadFields: ["Icon"],
    ...(options.signal && { signal: options.signal }),
  };
}

/** Marks left-out items with their page, so that two without an Id on different pages stay two. */
function onPage<T>(entries: ListEntry<T>[], page: number): ListEntry<T>[] {
  return entries.map((entry) => (entry.ok ? entry : { ok: false, leftOut: { ...entry.leftOut, page } }));
}

/** The identity of a list entry for the page walk: the item's id, or the left-out item's id or place. */
function entryKey<T>(id: (item: T) => number | string): (entry: ListEntry<T>) => unknown {
  return (entry) => (entry.ok ? id(entry.item) : `left out ${entry.leftOut.id ?? `page ${entry.leftOut.page} #${entry.leftOut.index}`}`);
}

function incidentQuery({ page, pageSize, newestFirst, after }: IncidentPage): Record<string, string | number | boolean> {
  return { page, pageSize, sortOrderAsc: !newestFirst, ...(after !== undefined && { after }) };
}

/** One page of GET /v1.0/account/connectors. */
function accountConnectorsPage(accountId: string, { page, pageSize }: { page: number; pageSize: number }, options: CallOptions): CyclrRequest {
  return { method: "GET", path: "/v1.0/account/connectors", query: { page, pageSize }, accountId, target: { kind: "account", id: accountId }, ...options };
}

/** One page of GET /v1.0/accounts (partner level). */
function accountsPage({ page, pageSize }: { page: number; pageSize: number }, options: CallOptions): CyclrRequest {
  return { method: "GET", path: "/v1.0/accounts", query: { page, pageSize }, target: { kind: "accounts" }, ...options };
}
