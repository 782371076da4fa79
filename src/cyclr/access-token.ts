/**
 * Partner access tokens (api-notes §1): either a ready bearer token, or client credentials
 * exchanged at POST {api}/oauth/token and kept until shortly before expires_in.
 */
import type { Redactor } from "../redact.js";
import { CyclrAuthError, CyclrNetworkError } from "./errors.js";
import { httpError, parseBody, upstreamMessage } from "./responses.js";
import type { CyclrRequest, HttpTransport } from "./transport.js";
import { AccessTokenResponseSchema } from "./schemas.js";

export interface AccessTokenSource {
  /** Whether a 401 can be answered by getting a new token. */
  readonly canRefresh: boolean;
  get(signal?: AbortSignal): Promise<string>;
  /** A token other than `stale`: fetched anew unless another call already replaced it. */
  refresh(stale: string, signal?: AbortSignal): Promise<string>;
}

/** A token as kept: the bearer value, and when to stop using it (ms since the epoch). */
export interface TokenEntry {
  token: string;
  renewAt: number;
}

/**
 * Tokens shared by the replicas of a deployment, keyed by the token's scope ("partner", or
 * "account:{id}" for a token restricted to one account), so that the deployment asks Cyclr for
 * one token per scope, not one per replica. Given to the token source; it knows nothing of where
 * they are kept. Its failures are its own business: it answers "nothing shared" rather than throw.
 */
export interface SharedTokenCache {
  read(scope: string): Promise<TokenEntry | undefined>;
  write(scope: string, entry: TokenEntry): Promise<void>;
  /**
   * A short lock on asking Cyclr for this scope's token: the function that releases it, or
   * undefined when another replica holds it (it is asking; its token will be in `read`).
   */
  lock(scope: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}

export class StaticAccessToken implements AccessTokenSource {
  readonly canRefresh = false;
  constructor(private readonly token: string) {}
  async get(): Promise<string> {
    return this.token;
  }
  async refresh(): Promise<string> {
    return this.token;
  }
}

/** Tokens last 14 days; renew a little early so a call never starts with a token about to lapse. */
const EARLY_RENEWAL_MS = 5 * 60_000;
/** Used when the token response carries no expires_in. */
const DEFAULT_LIFETIME_MS = 60 * 60_000;
/** Not under /v1.0 (api-notes §1). */
const TOKEN_PATH = "/oauth/token";
/** How long a replica waits for another that holds the lock before asking Cyclr itself; and the lock's lifetime. */
const PEER_WAIT_MS = 10_000;
const PEER_LOOK_MS = 100;

export class ClientCredentialsAccessToken implements AccessTokenSource {
  private readonly scope: string | undefined;
  private readonly shared: { cache: SharedTokenCache; scope: string } | undefined;
  readonly canRefresh = true;
  private current?: TokenEntry;
  private inflight?: Promise<string>;

  constructor(
    private readonly transport: HttpTransport,
    private readonly credentials: { clientId: string; clientSecret: string },
    private readonly redactor: Redactor,
    private readonly now: () => number = Date.now,
    /**
     * What the token is for, and where it is shared: `scope` is Cyclr's scope=account:{accountId},
     * a token Cyclr honours for that one account only; `shared` the tokens the replicas share,
     * keyed by that scope ("partner" without one).
     */
    options: { scope?: string; shared?: SharedTokenCache } = {},
  ) {
    this.scope = options.scope;
    this.shared = options.shared && { cache: options.shared, scope: options.scope ?? "partner" };
  }

  async get(signal?: AbortSignal): Promise<string> {
    if (this.current && this.now() < this.current.renewAt) return this.current.token;
    return this.fetchShared(signal);
  }

  async refresh(stale: string, signal?: AbortSignal): Promise<string> {
    if (this.current && this.current.token !== stale && this.now() < this.current.renewAt) return this.current.token;
    this.current = undefined;
    return this.fetchShared(signal, stale);
  }

  /**
   * Concurrent callers share one token request. It runs without any one caller's signal (the
   * request timeout bounds it), so one caller cancelling does not fail the others; each caller
   * stops waiting when its own signal aborts.
   */
  private fetchShared(signal?: AbortSignal, stale?: string): Promise<string> {
    this.inflight ??= (this.shared ? this.fromPeers(this.shared, stale) : this.fetchToken()).finally(() => {
      this.inflight = undefined;
    });
    if (!signal) return this.inflight;
    return untilAborted(this.inflight, signal, () =>
      new CyclrNetworkError("The access token request was cancelled", { method: "POST", path: TOKEN_PATH, target: { kind: "access token" } }),
    );
  }

  /**
   * The deployment's token for this scope: the one another replica got (other than `stale`, the
   * token a 401 refused), else asked of Cyclr by the one replica holding the lock while the others
   * wait for its result. A replica waits at most PEER_WAIT_MS for another, then asks itself.
   */
  private async fromPeers(shared: { cache: SharedTokenCache; scope: string }, stale: string | undefined): Promise<string> {
    const usable = (entry: TokenEntry | undefined): entry is TokenEntry => entry !== undefined && entry.token !== stale && this.now() < entry.renewAt;
    const adopt = (entry: TokenEntry) => {
      this.redactor.register(entry.token);
      this.current = entry;
      return entry.token;
    };
    const giveUpAt = this.now() + PEER_WAIT_MS;
    for (;;) {
      const entry = await shared.cache.read(shared.scope);
      if (usable(entry)) return adopt(entry);
      const release = await shared.cache.lock(shared.scope, PEER_WAIT_MS);
      if (release) {
        try {
          // Another replica may have finished between the read and the lock.
          const again = await shared.cache.read(shared.scope);
          if (usable(again)) return adopt(again);
          const token = await this.fetchToken();
          if (this.current) await shared.cache.write(shared.scope, this.current);
          return token;
        } finally {
          await release();
        }
      }
      if (this.now() >= giveUpAt) return this.fetchToken();
      await new Promise((resolve) => setTimeout(resolve, PEER_LOOK_MS));
    }
  }

  private async fetchToken(): Promise<string> {
    const req: CyclrRequest = {
      method: "POST",
      path: TOKEN_PATH,
      form: {
        grant_type: "client_credentials",
        client_id: this.credentials.clientId,
        client_secret: this.credentials.clientSecret,
        ...(this.scope !== undefined && { scope: this.scope }),
      },
      target: { kind: "access token" },
      secrets: [this.credentials.clientSecret],
      // Asking for a token twice does no harm: Cyclr allows many live tokens (api-notes §1).
      retrySafe: true,
    };
    const response = await this.transport.send(req);
    const info = this.transport.info(req);
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      const reason = upstreamMessage(response.text, this.redactor);
      throw new CyclrAuthError(
        `Cyclr's token endpoint refused the client credentials (${response.status}${reason ? `, ${reason}` : ""})`,
        info,
        response.status,
      );
    }
    if (response.status < 200 || response.status > 299) throw httpError(response, info, this.redactor);
    const body = parseBody(AccessTokenResponseSchema, response, info, this.redactor);
    this.redactor.register(body.access_token);
    const lifetimeMs = body.expires_in !== undefined ? body.expires_in * 1000 : DEFAULT_LIFETIME_MS;
    const early = Math.min(EARLY_RENEWAL_MS, lifetimeMs / 10);
    this.current = { token: body.access_token, renewAt: this.now() + lifetimeMs - early };
    return body.access_token;
  }
}

/** The promise, or a rejection once the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, cancelled: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}
