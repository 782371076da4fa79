/**
 * Who is calling hosted mode: the one place that turns a request into a Caller. A caller proves
 * itself with a bearer token from MCP_HTTP_TOKENS (a copilot's backend), or, with MCP_OAUTH_ISSUER,
 * a JWT access token from that authorization server (a person's assistant, MCP authorization):
 * jose checks its signature against the server's published keys, its issuer, that it was issued
 * for this server (audience = the resource URL, RFC 8707) and that it has not expired; zod reads
 * its scopes and account. Routing, sessions and limits only read the Caller; the caller's token is
 * never passed on (Cyclr is called with the partner's own token).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { discoverAuthorizationServerMetadata } from "@modelcontextprotocol/sdk/client/auth.js";
import { getOAuthProtectedResourceMetadataUrl } from "@modelcontextprotocol/sdk/server/auth/router.js";
import type { OAuthProtectedResourceMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { CallToolRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { HttpToken, OAuthConfig } from "../config.js";
import type { Logger } from "../log.js";
import { selectTools, type ToolSelection } from "../mcp/server.js";
import type { Redactor } from "../redact.js";

/**
 * The scopes an OAuth caller's token may carry. cyclr:read is the tools that change nothing (the
 * same ones --read-only keeps), and the resources and completions; cyclr:write adds the rest (it
 * implies read, so an authorization server may grant either alone).
 */
export const SCOPES = { read: "cyclr:read", write: "cyclr:write" } as const;
const ALL_SCOPES = [SCOPES.read, SCOPES.write];

/** Who is calling, as routing, sessions and limits see it. */
export interface Caller {
  /** A session answers only to the caller that opened it: the same token, or person and client, and account. */
  key: string;
  /** What the per-caller limits count: a static token, or a person (their subject) over every client they use. */
  quota: string;
  /** How a limit's message names the quota's owner. */
  quotaOwner: "this token" | "this person";
  /** Whether the caller may use the tools that change something (cyclr:write); static tokens may. */
  mayWrite: boolean;
  /** OAuth callers: the token's subject and client, for the log. */
  subject?: string;
  client?: string;
  pinnedAccountId?: string;
}

/** A request refused before it reaches MCP: the HTTP status, JSON-RPC code and the words. */
export interface Refusal {
  status: number;
  code: number;
  message: string;
  headers: Record<string, string>;
}

export type Authentication = { caller: Caller } | { refused: Refusal };

export interface CallerAuthenticationOptions {
  tokens: readonly HttpToken[];
  oauth?: OAuthConfig;
  accountAllowlist?: readonly string[];
  /** This server's resource identifier: the public URL of /mcp, the audience its tokens must name. */
  resource: URL;
  redactor: Redactor;
  logger: Logger;
}

/** Asymmetric algorithms only: a JWKS never holds a shared secret, and "none" is never a signature. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
/** Leeway for clocks that disagree a little on exp and nbf. */
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * RFC 9068 claims, and the variants the common authorization servers use: scopes in scope (a
 * space-separated string) or scp (Entra, Okta), the client in client_id or azp.
 */
const AccessTokenClaimsSchema = z.looseObject({
  sub: z.string().min(1),
  scope: z.string().optional(),
  scp: z.union([z.string(), z.array(z.string())]).optional(),
  client_id: z.string().optional(),
  azp: z.string().optional(),
});
/** What this server needs of the authorization server's metadata (RFC 8414, or OpenID discovery). */
const IssuerMetadataSchema = z.looseObject({ issuer: z.string(), jwks_uri: z.url().optional() });
const AccountClaimSchema = z.string().trim().min(1).max(200);

export class CallerAuthentication {
  private readonly tokens: { token: HttpToken; digest: Buffer }[];
  private readonly resourceMetadataUrl: string;
  private keys?: Promise<JWTVerifyGetKey>;

  constructor(private readonly options: CallerAuthenticationOptions) {
    this.tokens = options.tokens.map((token) => ({ token, digest: digest(token.token) }));
    options.redactor.register(...options.tokens.map((t) => t.token));
    this.resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(options.resource);
  }

  /** Whether /mcp needs a token at all (without tokens or an issuer it is open, loopback only). */
  get required(): boolean {
    return this.tokens.length > 0 || this.options.oauth !== undefined;
  }

  /** RFC 9728 metadata: where a client gets a token for this server, and which scopes it takes; undefined without OAuth. */
  resourceMetadata(): OAuthProtectedResourceMetadata | undefined {
    if (!this.options.oauth) return undefined;
    return {
      resource: this.options.resource.href,
      authorization_servers: [this.options.oauth.issuer],
      scopes_supported: ALL_SCOPES,
      bearer_methods_supported: ["header"],
      resource_name: "Cyclr connector setup",
    };
  }

  /** The paths the metadata is served at: the one RFC 9728 derives from /mcp, and the root one older clients try. */
  get resourceMetadataPaths(): string[] {
    return [new URL(this.resourceMetadataUrl).pathname, "/.well-known/oauth-protected-resource"];
  }

  async authenticate(req: IncomingMessage): Promise<Authentication> {
    const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
    if (!this.required) return this.pin(req, { key: "open", quota: "open", quotaOwner: "this token", mayWrite: true });
    if (!presented) return { refused: this.unauthorized() };
    const presentedDigest = digest(presented);
    const token = this.tokens.find((t) => timingSafeEqual(t.digest, presentedDigest));
    if (token) {
      const tokenKey = token.digest.toString("hex");
      return this.pin(req, { key: tokenKey, quota: tokenKey, quotaOwner: "this token", mayWrite: true }, token.token.accountId);
    }
    if (!this.options.oauth) return { refused: this.unauthorized("invalid_token", "The token is not one this server knows") };
    return this.verify(req, presented, this.options.oauth);
  }

  /**
   * A tools/call beyond the caller's scopes, refused before the SDK sees it (403
   * insufficient_scope, naming the scopes to ask for); undefined when the call may go on. A tool
   * the operator does not offer is left to MCP to answer: no scope would help.
   */
  checkCall(caller: Caller, body: unknown, operator: ToolSelection): Refusal | undefined {
    if (caller.mayWrite) return undefined;
    const call = CallToolRequestSchema.safeParse(body);
    if (!call.success) return undefined;
    const tool = selectTools(operator).find((t) => t.name === call.data.params.name);
    if (!tool || tool.annotations.readOnlyHint) return undefined;
    return this.insufficientScope(`${tool.name} changes the account: it needs scope ${SCOPES.write}`, [SCOPES.read, SCOPES.write]);
  }

  private async verify(req: IncomingMessage, token: string, oauth: OAuthConfig): Promise<Authentication> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await this.signingKeys(oauth), {
        issuer: oauth.issuer,
        audience: this.options.resource.href,
        algorithms: ALGORITHMS,
        requiredClaims: ["exp", "sub"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      const problem = tokenProblem(error);
      if (problem === undefined) {
        // Not the token's fault: the authorization server's keys could not be had. A 401 would
        // send the client to sign in again for nothing.
        this.options.logger.warn("access token not checked: the authorization server's keys are unavailable", {
          error: this.options.redactor.text(error instanceof Error ? error.message : String(error)),
        });
        return { refused: { status: 503, code: -32000, message: "Access tokens cannot be checked right now (the authorization server's keys are unavailable); try again shortly.", headers: { "retry-after": "5" } } };
      }
      this.options.logger.info("access token refused", { reason: problem });
      return { refused: this.unauthorized("invalid_token", `The access token ${problem}`) };
    }
    const claims = AccessTokenClaimsSchema.safeParse(payload);
    if (!claims.success) return { refused: this.unauthorized("invalid_token", "The access token has no subject") };
    const scopes = new Set(claims.data.scope?.split(" ") ?? (typeof claims.data.scp === "string" ? claims.data.scp.split(" ") : (claims.data.scp ?? [])));
    const mayWrite = scopes.has(SCOPES.write);
    if (!mayWrite && !scopes.has(SCOPES.read)) {
      return { refused: this.insufficientScope(`The access token has neither ${SCOPES.read} nor ${SCOPES.write}`, [SCOPES.read]) };
    }
    const account = AccountClaimSchema.safeParse((payload as Record<string, unknown>)[oauth.accountClaim]);
    if (!account.success) {
      // A person's token that names no account could reach every account of the partner: never.
      return {
        refused: refusal(403, -32002, `This access token names no Cyclr account (claim ${oauth.accountClaim}): the authorization server must bind each token to the account its holder may act on.`),
      };
    }
    const subject = claims.data.sub;
    const client = claims.data.client_id ?? claims.data.azp;
    // Sessions are bound to the person and the client (a session id leaked to another client of the
    // same person is of no use); limits count the person, since anyone can register more clients.
    const caller: Caller = {
      key: JSON.stringify(["person", subject, client ?? null]),
      quota: JSON.stringify(["person", subject]),
      quotaOwner: "this person",
      mayWrite,
      subject,
      ...(client !== undefined && { client }),
    };
    return this.pin(req, caller, account.data);
  }

  /** The account the caller is pinned to: its token's, else (a backend's unbound token) X-Cyclr-Account; checked against the allow-list. */
  private pin(req: IncomingMessage, caller: Caller, bound?: string): Authentication {
    const header = req.headers["x-cyclr-account"];
    const requested = typeof header === "string" && header.trim() !== "" ? header.trim() : undefined;
    if (bound !== undefined && requested !== undefined && requested !== bound) {
      return { refused: refusal(403, -32002, "This token is bound to another account than X-Cyclr-Account names.") };
    }
    const pinned = bound ?? requested;
    const allowlist = this.options.accountAllowlist;
    if (pinned !== undefined && allowlist && !allowlist.includes(pinned)) {
      return { refused: refusal(403, -32002, "That account is not one this server may act on (CYCLR_ACCOUNT_ALLOWLIST).") };
    }
    // The key gains the account: an unbound token's session pinned by X-Cyclr-Account answers that account only.
    const key = `${caller.key}\n${pinned ?? ""}`;
    return { caller: pinned === undefined ? { ...caller, key } : { ...caller, key, pinnedAccountId: pinned } };
  }

  /** The keys, found once from the issuer's metadata (or MCP_OAUTH_JWKS_URL); jose refetches them when a new key id appears. */
  private signingKeys(oauth: OAuthConfig): Promise<JWTVerifyGetKey> {
    this.keys ??= (async () => {
      let jwksUrl = oauth.jwksUrl;
      if (jwksUrl === undefined) {
        const found = await discoverAuthorizationServerMetadata(oauth.issuer);
        if (!found) throw new Error(`no authorization server metadata found for ${oauth.issuer}`);
        const metadata = IssuerMetadataSchema.parse(found);
        // RFC 8414 §3.3: metadata that names another issuer is not this server's.
        if (metadata.issuer !== oauth.issuer) throw new Error(`the metadata at ${oauth.issuer} names another issuer (${metadata.issuer})`);
        if (!metadata.jwks_uri) throw new Error(`the metadata of ${oauth.issuer} has no jwks_uri: set MCP_OAUTH_JWKS_URL`);
        jwksUrl = metadata.jwks_uri;
      }
      return createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    })().catch((error: unknown) => {
      // Try again on the next request rather than failing for good.
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  private unauthorized(error?: "invalid_token", description?: string): Refusal {
    const how = this.options.oauth ? "an access token from the authorization server in its metadata" : "Authorization: Bearer <one of MCP_HTTP_TOKENS>";
    const message = description ? `Unauthorized: ${description}; send ${how}.` : `Unauthorized: send ${how}.`;
    return refusal(401, -32001, message, { "www-authenticate": this.challenge(error && { error, description: description ?? "" }, ALL_SCOPES) });
  }

  private insufficientScope(description: string, scopes: string[]): Refusal {
    return refusal(403, -32002, `Forbidden: ${description}. Ask for a token with scope "${scopes.join(" ")}".`, {
      "www-authenticate": this.challenge({ error: "insufficient_scope", description }, scopes),
    });
  }

  /** RFC 6750 §3 (and RFC 9728 §5.1 with OAuth): what went wrong, which scopes to ask for, where the metadata is. */
  private challenge(problem: { error: string; description: string } | undefined, scopes: string[]): string {
    const parts = ['realm="cyclr-mcp"'];
    if (problem) parts.push(`error="${problem.error}"`);
    if (this.options.oauth) {
      if (problem) parts.push(`error_description="${problem.description}"`);
      parts.push(`scope="${scopes.join(" ")}"`, `resource_metadata="${this.resourceMetadataUrl}"`);
    }
    return `Bearer ${parts.join(", ")}`;
  }
}

/** What is wrong with the token, in words safe to send back; undefined when it is not the token (the keys could not be fetched). */
function tokenProblem(error: unknown): string | undefined {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) return undefined;
  if (error instanceof errors.JWTExpired) return "has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return "was not issued for this server (audience)";
    if (error.claim === "iss") return "is from another issuer";
    return `has an invalid ${error.claim} claim`;
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) return "is not signed by the authorization server";
  if (error instanceof errors.JOSEAlgNotAllowed) return "is signed with an algorithm this server does not accept";
  return "is not a valid JWT";
}

function refusal(status: number, code: number, message: string, headers: Record<string, string> = {}): Refusal {
  return { status, code, message, headers };
}

/** The tools a caller is offered: the operator's selection, read-only for a caller without cyclr:write. */
export function callerSelection(caller: Caller, operator: ToolSelection = {}): ToolSelection {
  return { ...operator, readOnly: Boolean(operator.readOnly) || !caller.mayWrite };
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
