/**
 * Who is calling hosted mode: the one place that turns a request into a Caller. A caller proves
 * itself with a bearer token from MCP_HTTP_TOKENS (a copilot's backend), or a JWT access token:
 * from the authorization server MCP_HTTP_AUTH_ISSUER (a person's assistant, MCP authorization),
 * checked against its published keys (asymmetric algorithms only), or minted by a partner's backend
 * with the HS256 secret MCP_HTTP_AUTH_JWT_SECRET (HS256 only). jose checks the signature, the
 * issuer, the audience (MCP_HTTP_AUTH_AUDIENCE, default the resource URL, RFC 8707) and the
 * lifetime (jwt-verifier.ts, loaded with the first JWT); zod reads the scopes and the account. Routing, sessions, limits and the audit trail only
 * read the Caller; the caller's token is never passed on (Cyclr is called with the partner's own
 * token, restricted to the pinned account).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { CallToolRequestSchema } from "@modelcontextprotocol/core";
import { getOAuthProtectedResourceMetadataUrl, type OAuthProtectedResourceMetadata } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { HttpToken, JwtAuthConfig } from "../config/index.js";
import type { Logger } from "../log.js";
import { selectTools, type ToolSelection } from "../mcp/server.js";
import type { Requester } from "../mcp/tool.js";
import type { Redactor } from "../redact.js";
import type { JwtVerifier } from "./jwt-verifier.js";

/**
 * The scopes an OAuth caller's token may carry. cyclr:read is the tools that change nothing (the
 * same ones --read-only keeps), and the resources and completions; cyclr:write adds the tools that
 * change accounts and connectors; cyclr:cycles the ones that change integrations (install a
 * template, set a step's value, activate, pause: they start or stop moving the person's data). Each
 * implies read, so an authorization server may grant any of them alone.
 */
export const SCOPES = { read: "cyclr:read", write: "cyclr:write", cycles: "cyclr:cycles" } as const;
const ALL_SCOPES = [SCOPES.read, SCOPES.write, SCOPES.cycles];

/** Who is calling, as routing, sessions, limits and the audit trail see it. */
export interface Caller {
  /** A session answers only to the caller that opened it: the same token, or person and client, and account. */
  key: string;
  /** What the per-caller limits count: a static token, or a person (their subject) over every client they use. */
  quota: string;
  /** How a limit's message names the quota's owner. */
  quotaOwner: "this token" | "this person";
  /** Whether the caller may use the tools that change accounts and connectors (cyclr:write); static tokens may. */
  mayWrite: boolean;
  /** Whether the caller may use the tools that change cycles (cyclr:cycles); static tokens may. */
  mayChangeCycles: boolean;
  /**
   * Who it is, for the log and the audit trail: a JWT's sub; a static token's label, "token:" and
   * the first 8 hex digits of its SHA-256 (names it without revealing it); "anonymous" on an open
   * loopback server.
   */
  subject: string;
  /** A JWT's client (client_id, or azp). */
  client?: string;
  pinnedAccountId?: string;
  /** A JWT's caller as a person: its sub, and its name and e-mail where the token carries them (who asked for a link). */
  person?: Requester;
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
  jwt?: JwtAuthConfig;
  accountAllowlist?: readonly string[];
  /** This server's resource identifier: the public URL of /mcp, the default audience of its tokens. */
  resource: URL;
  redactor: Redactor;
  logger: Logger;
  /** How soon after a fetch of the keys a token with an unknown kid may fetch them again (jose's cooldownDuration); default 30 s. */
  jwksCooldownMs?: number;
}

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
  // Shown on a link's page as who asked for it: kept short, and escaped there.
  name: z.string().trim().min(1).max(200).optional().catch(undefined),
  preferred_username: z.string().trim().min(1).max(200).optional().catch(undefined),
  email: z.string().trim().min(1).max(200).optional().catch(undefined),
});
const AccountClaimSchema = z.string().trim().min(1).max(200);

export class CallerAuthentication {
  private readonly tokens: { token: HttpToken; digest: Buffer }[];
  private readonly resourceMetadataUrl: string;
  private readonly audience: string;
  private readonly issuer?: string;
  private verifier?: Promise<JwtVerifier>;

  constructor(private readonly options: CallerAuthenticationOptions) {
    this.tokens = options.tokens.map((token) => ({ token, digest: digest(token.token) }));
    options.redactor.register(...options.tokens.map((t) => t.token));
    if (options.jwt?.signer.kind === "secret") options.redactor.register(options.jwt.signer.secret);
    if (options.jwt?.signer.kind === "issuer") this.issuer = options.jwt.signer.issuer;
    this.resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(options.resource);
    this.audience = options.jwt?.audience ?? options.resource.href;
  }

  /** Whether /mcp needs a token at all (without tokens, an issuer or a secret it is open, loopback only). */
  get required(): boolean {
    return this.tokens.length > 0 || this.options.jwt !== undefined;
  }

  /** RFC 9728 metadata: where a client gets a token for this server, and which scopes it takes; undefined without an issuer. */
  resourceMetadata(): OAuthProtectedResourceMetadata | undefined {
    if (this.issuer === undefined) return undefined;
    return {
      resource: this.options.resource.href,
      authorization_servers: [this.issuer],
      scopes_supported: ALL_SCOPES,
      bearer_methods_supported: ["header"],
      resource_name: "Cyclr connector setup",
    };
  }

  /** The paths the metadata is served at: the one RFC 9728 derives from /mcp, and the root one older clients try. */
  get resourceMetadataPaths(): string[] {
    return [new URL(this.resourceMetadataUrl).pathname, "/.well-known/oauth-protected-resource"];
  }

  /**
   * Whether tokens can be checked now (for /readyz): with an issuer, its keys have been fetched and
   * are fresh, or can be fetched now. Without one there is nothing to fetch.
   */
  async ready(): Promise<boolean> {
    if (this.issuer === undefined || !this.options.jwt) return true;
    return (await this.jwtVerifier(this.options.jwt)).ready();
  }

  async authenticate(req: IncomingMessage): Promise<Authentication> {
    const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
    if (!this.required) return this.pin(req, { key: "open", quota: "open", quotaOwner: "this token", mayWrite: true, mayChangeCycles: true, subject: "anonymous" });
    if (!presented) return { refused: this.unauthorized() };
    const presentedDigest = digest(presented);
    const token = this.tokens.find((t) => timingSafeEqual(t.digest, presentedDigest));
    if (token) {
      const tokenKey = token.digest.toString("hex");
      return this.pin(req, { key: tokenKey, quota: tokenKey, quotaOwner: "this token", mayWrite: true, mayChangeCycles: true, subject: `token:${tokenKey.slice(0, 8)}` }, token.token.accountId);
    }
    if (!this.options.jwt) return { refused: this.unauthorized("The token is not one this server knows") };
    return this.verify(req, presented, this.options.jwt);
  }

  /**
   * A tools/call beyond the caller's scopes, refused before the SDK sees it (403
   * insufficient_scope, naming the scope to ask for); undefined when the call may go on. A tool
   * the operator does not offer is left to MCP to answer: no scope would help.
   */
  checkCall(caller: Caller, body: unknown, operator: ToolSelection): Refusal | undefined {
    if (caller.mayWrite && caller.mayChangeCycles) return undefined;
    const call = CallToolRequestSchema.safeParse(body);
    if (!call.success) return undefined;
    const tool = selectTools(operator).find((t) => t.name === call.data.params.name);
    if (!tool || tool.annotations.readOnlyHint) return undefined;
    if (tool.changesCycles) {
      // The LAUNCH and Marketplace links let the person install and sign in connectors too: both scopes.
      const missing = [...(caller.mayChangeCycles ? [] : [SCOPES.cycles]), ...(tool.changesConnectors && !caller.mayWrite ? [SCOPES.write] : [])];
      if (!missing.length) return undefined;
      const why = tool.changesConnectors ? "changes integrations (cycles) and connectors" : "changes an integration (a cycle)";
      return this.insufficientScope(`${tool.name} ${why}: it needs scope ${missing.join(" and ")}`, missing);
    }
    return caller.mayWrite ? undefined : this.insufficientScope(`${tool.name} changes the account: it needs scope ${SCOPES.write}`, [SCOPES.write]);
  }

  /** jose loads with the first JWT (or readiness check), not in a deployment of static tokens alone. */
  private jwtVerifier(jwt: JwtAuthConfig): Promise<JwtVerifier> {
    this.verifier ??= import("./jwt-verifier.js").then(
      ({ JwtVerifier }) => new JwtVerifier({ jwt, audience: this.audience, ...(this.options.jwksCooldownMs !== undefined && { jwksCooldownMs: this.options.jwksCooldownMs }) }),
    );
    return this.verifier;
  }

  private async verify(req: IncomingMessage, token: string, jwt: JwtAuthConfig): Promise<Authentication> {
    let payload: unknown;
    try {
      const verified = await (await this.jwtVerifier(jwt)).verify(token);
      if ("problem" in verified) {
        this.options.logger.info("access token refused", { reason: verified.problem });
        return { refused: this.unauthorized(`The access token ${verified.problem}`) };
      }
      payload = verified.payload;
    } catch (error) {
      // Not the token's fault: the authorization server's keys could not be had. A 401 would
      // send the client to sign in again for nothing.
      this.options.logger.warn("access token not checked: the authorization server's keys are unavailable", {
        error: this.options.redactor.text(error instanceof Error ? error.message : String(error)),
      });
      return { refused: { status: 503, code: -32000, message: "Access tokens cannot be checked right now (the authorization server's keys are unavailable); try again shortly.", headers: { "retry-after": "5" } } };
    }
    const claims = AccessTokenClaimsSchema.safeParse(payload);
    if (!claims.success) return { refused: this.unauthorized("The access token has no subject (sub)") };
    const scopes = new Set(claims.data.scope?.split(" ") ?? (typeof claims.data.scp === "string" ? claims.data.scp.split(" ") : (claims.data.scp ?? [])));
    const mayWrite = scopes.has(SCOPES.write);
    const mayChangeCycles = scopes.has(SCOPES.cycles);
    if (!mayWrite && !mayChangeCycles && !scopes.has(SCOPES.read)) {
      return { refused: this.insufficientScope(`The access token has none of ${ALL_SCOPES.join(", ")}`, ALL_SCOPES) };
    }
    const claimed = (payload as Record<string, unknown>)[jwt.accountClaim];
    const account = AccountClaimSchema.safeParse(claimed);
    if (claimed !== undefined && !account.success) return { refused: this.unauthorized(`The access token's ${jwt.accountClaim} claim is not an account ID`) };
    if (!account.success && !this.options.accountAllowlist && !jwt.allowUnpinned) {
      // A token that names no account could reach every account of the partner: only where the operator said so.
      return {
        refused: refusal(
          403,
          -32002,
          `This access token names no Cyclr account (claim ${jwt.accountClaim}): the token's issuer must bind each token to the account its holder may act on ` +
            "(or the operator must set CYCLR_ACCOUNT_ALLOWLIST, or MCP_HTTP_AUTH_ALLOW_UNPINNED=1).",
        ),
      };
    }
    const subject = claims.data.sub;
    const client = claims.data.client_id ?? claims.data.azp;
    const name = claims.data.name ?? claims.data.preferred_username;
    const email = claims.data.email;
    // Sessions are bound to the person and the client (a session id leaked to another client of the
    // same person is of no use); limits count the person, since anyone can register more clients.
    const caller: Caller = {
      key: JSON.stringify(["person", subject, client ?? null]),
      quota: JSON.stringify(["person", subject]),
      quotaOwner: "this person",
      mayWrite,
      mayChangeCycles,
      subject,
      ...(client !== undefined && { client }),
      person: { subject, ...(name !== undefined && { name }), ...(email !== undefined && { email }) },
    };
    return this.pin(req, caller, account.success ? account.data : undefined);
  }

  /** The account the caller is pinned to: its token's, else (a token bound to none) X-Cyclr-Account; checked against the allow-list. */
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

  private unauthorized(description?: string): Refusal {
    const how = this.issuer !== undefined ? "an access token from the authorization server in its metadata" : this.options.jwt ? "Authorization: Bearer <a JWT signed with the shared secret>" : "Authorization: Bearer <one of MCP_HTTP_TOKENS>";
    const message = description ? `Unauthorized: ${description}; send ${how}.` : `Unauthorized: send ${how}.`;
    return refusal(401, -32001, message, { "www-authenticate": this.challenge(description === undefined ? [] : [["error", "invalid_token"], ["error_description", description]], ALL_SCOPES) });
  }

  private insufficientScope(description: string, scopes: string[]): Refusal {
    return refusal(403, -32002, `Forbidden: ${description}. Ask for a token with scope "${scopes.join(" ")}".`, {
      "www-authenticate": `Bearer error="insufficient_scope", scope="${scopes.join(" ")}"`,
    });
  }

  /**
   * RFC 6750 §3, and with an issuer RFC 9728 §5.1 as MCP authorization words it: where the
   * metadata is, which scopes to ask for. Without an issuer there is nowhere to send a client.
   */
  private challenge(problem: [string, string][], scopes: string[]): string {
    const parts: [string, string][] = this.issuer !== undefined ? [...problem, ["resource_metadata", this.resourceMetadataUrl], ["scope", scopes.join(" ")]] : [["realm", "cyclr-mcp"], ...problem];
    return `Bearer ${parts.map(([name, value]) => `${name}="${value.replace(/["\\]/g, "")}"`).join(", ")}`;
  }
}

function refusal(status: number, code: number, message: string, headers: Record<string, string> = {}): Refusal {
  return { status, code, message, headers };
}

/**
 * The tools a caller is offered: the operator's selection, without the connector writers for a
 * caller without cyclr:write and the cycle writers without cyclr:cycles (read-only without either).
 */
export function callerSelection(caller: Caller, operator: ToolSelection = {}): ToolSelection {
  if (operator.readOnly || (!caller.mayWrite && !caller.mayChangeCycles)) return { ...operator, readOnly: true };
  return { ...operator, ...(!caller.mayWrite && { withoutConnectorChanges: true }), ...(!caller.mayChangeCycles && { withoutCycleChanges: true }) };
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
