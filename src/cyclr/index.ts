/** Builds the Cyclr client from settings: transport, access-token source, authenticated JSON calls. */
import type { CyclrCredentials } from "../config/index.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { VERSION } from "../version.js";
import { ClientCredentialsAccessToken, StaticAccessToken, type AccessTokenSource, type SharedTokenCache } from "./access-token.js";
import { AccountAccessTokens, accountScope } from "./account-tokens.js";
import { CyclrClient, type CyclrClientOptions, type CyclrOperations } from "./client.js";
import { CyclrHttp } from "./http.js";
import { FreshTokenRefusals, type SharedRefusals } from "./refused-tokens.js";
import { HttpTransport } from "./transport.js";

export interface CyclrClientSettings extends CyclrClientOptions {
  apiUrl: string;
  credentials: CyclrCredentials;
  timeoutMs: number;
  /** CYCLR_MAX_RESPONSE_BYTES; default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  redactor: Redactor;
  logger: Logger;
  /** Tokens shared by the replicas of a deployment (the store); without it, this process keeps its own. */
  sharedTokens?: SharedTokenCache;
  /** Tokens refused right after they were issued, shared by the replicas (the store); without it, this process's own record. */
  sharedRefusals?: SharedRefusals;
}

export interface CyclrConnection {
  client: CyclrClient;
  /**
   * The operations with a token restricted to this account (client credentials only: a ready
   * CYCLR_ACCESS_TOKEN cannot be narrowed, so this is undefined). Tokens are kept per account, bounded.
   */
  forAccount?: (accountId: string) => CyclrOperations;
  /** Resolves when Cyclr's token endpoint gives a token (for client credentials; a static token is taken as is). */
  ready: (signal?: AbortSignal) => Promise<void>;
  close: () => Promise<void>;
}

export function createCyclrClient(settings: CyclrClientSettings): CyclrConnection {
  const transport = new HttpTransport({
    apiUrl: settings.apiUrl,
    timeoutMs: settings.timeoutMs,
    ...(settings.maxResponseBytes !== undefined && { maxResponseBytes: settings.maxResponseBytes }),
    userAgent: `cyclr-mcp/${VERSION}`,
    redactor: settings.redactor,
    logger: settings.logger,
  });
  const { credentials } = settings;
  const tokens: AccessTokenSource =
    credentials.kind === "accessToken"
      ? new StaticAccessToken(credentials.accessToken)
      : new ClientCredentialsAccessToken(transport, credentials, settings.redactor, Date.now, { ...(settings.sharedTokens && { shared: settings.sharedTokens }) });
  const http = new CyclrHttp(transport, tokens, settings.redactor, new FreshTokenRefusals(settings.sharedRefusals));
  const client = new CyclrClient(http, settings);
  const accountTokens =
    credentials.kind === "clientCredentials"
      ? new AccountAccessTokens(
          (accountId) =>
            new ClientCredentialsAccessToken(transport, credentials, settings.redactor, Date.now, {
              scope: accountScope(accountId),
              ...(settings.sharedTokens && { shared: settings.sharedTokens }),
            }),
        )
      : undefined;
  return {
    client,
    ...(accountTokens && { forAccount: (accountId: string) => client.withHttp(http.withTokens(accountTokens.for(accountId))) }),
    ready: async (signal) => {
      await tokens.get(signal);
    },
    close: () => transport.close(),
  };
}

