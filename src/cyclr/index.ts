/** Builds the Cyclr client from settings: transport, access-token source, authenticated JSON calls. */
import type { CyclrCredentials } from "../config.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { VERSION } from "../version.js";
import { ClientCredentialsAccessToken, StaticAccessToken, type AccessTokenSource } from "./access-token.js";
import { CyclrClient, type CyclrClientOptions } from "./client.js";
import { CyclrHttp, HttpTransport } from "./http.js";

export interface CyclrClientSettings extends CyclrClientOptions {
  apiUrl: string;
  credentials: CyclrCredentials;
  timeoutMs: number;
  redactor: Redactor;
  logger: Logger;
}

export function createCyclrClient(settings: CyclrClientSettings): { client: CyclrClient; close: () => Promise<void> } {
  const transport = new HttpTransport({
    apiUrl: settings.apiUrl,
    timeoutMs: settings.timeoutMs,
    userAgent: `cyclr-mcp/${VERSION}`,
    redactor: settings.redactor,
    logger: settings.logger,
  });
  const { credentials } = settings;
  const tokens: AccessTokenSource =
    credentials.kind === "accessToken"
      ? new StaticAccessToken(credentials.accessToken)
      : new ClientCredentialsAccessToken(transport, credentials, settings.redactor);
  const client = new CyclrClient(new CyclrHttp(transport, tokens, settings.redactor), settings);
  return { client, close: () => transport.close() };
}

