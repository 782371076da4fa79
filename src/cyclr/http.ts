/**
 * Authenticated JSON calls to Cyclr: the bearer token from its source (access-token.ts), a single
 * refresh-and-retry on 401, Cyclr's {"Message"} errors, and zod parsing of every JSON body. The
 * wire itself (timeouts, size limit, retries) is transport.ts.
 */
import type * as z from "zod";
import type { Redactor } from "../redact.js";
import type { AccessTokenSource } from "./access-token.js";
import { CyclrAuthError } from "./errors.js";
import { FreshTokenRefusals } from "./refused-tokens.js";
import { httpError, parseBody, upstreamMessage } from "./responses.js";
import type { CyclrRequest, HttpTransport } from "./transport.js";

export type { CyclrRequest } from "./transport.js";

/**
 * Authenticated JSON calls: bearer from the token source, one refresh on 401, zod-checked bodies.
 * A 401 with a token fetched for this very call means the token is not the problem (the account,
 * or the token's rights, are): no further token for that token and account for a while
 * (refused-tokens.ts, shared by the replicas when they share a store).
 */
export class CyclrHttp {
  constructor(
    private readonly transport: HttpTransport,
    private readonly tokens: AccessTokenSource,
    private readonly redactor: Redactor,
    private readonly refusals: FreshTokenRefusals = new FreshTokenRefusals(),
  ) {}

  /** The same calls with other tokens (restricted to one account, say). */
  withTokens(tokens: AccessTokenSource): CyclrHttp {
    return new CyclrHttp(this.transport, tokens, this.redactor, this.refusals);
  }

  async json<S extends z.ZodType>(schema: S, req: CyclrRequest): Promise<z.output<S>> {
    return (await this.response(schema, req)).data;
  }

  /** The parsed body and the response headers (paging headers, say). */
  async response<S extends z.ZodType>(schema: S, req: CyclrRequest): Promise<{ data: z.output<S>; headers: Record<string, string> }> {
    const token = await this.tokens.get(req.signal);
    let response = await this.transport.send(req, token);
    let used = token;
    let refreshed = false;
    // Asked only on a 401: a token another call (or replica) saw refused right after it was issued.
    const knownRefused = response.status === 401 && (await this.refusals.has(used, req.accountId));
    if (response.status === 401 && this.tokens.canRefresh && !knownRefused) {
      // Concurrent calls that all met the same expired token share one token request (access-token.ts).
      used = await this.tokens.refresh(token, req.signal);
      refreshed = true;
      response = await this.transport.send(req, used);
    }
    // The request's own secrets (an AuthValue) are hidden from its error, without joining the
    // process's redactor: what one caller sends must not change what others see.
    const redactor = req.secrets?.some(Boolean) ? this.redactor.scope() : this.redactor;
    if (redactor !== this.redactor) redactor.register(...(req.secrets ?? []));
    const info = this.transport.info(req);
    if (response.status === 401) {
      const reason = upstreamMessage(response.text, redactor);
      const afterFresh = refreshed || knownRefused;
      if (afterFresh) await this.refusals.remember(used, req.accountId);
      throw new CyclrAuthError(`Cyclr refused the request ${req.method} ${req.path} (401)${reason ? `: ${reason}` : ""}`, info, 401, afterFresh);
    }
    if (response.status < 200 || response.status > 299) throw httpError(response, info, redactor);
    if (req.emptyBodyOk && response.text.trim() === "") return { data: schema.parse(undefined) as z.output<S>, headers: response.headers };
    return { data: parseBody(schema, response, info, redactor), headers: response.headers };
  }
}

