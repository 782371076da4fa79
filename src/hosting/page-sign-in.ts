/**
 * The pages' sign-in, hosted with MCP_HTTP_AUTH_ISSUER: the person at a link's page signs in with
 * the issuer of the access tokens (OpenID Connect, authorization code with PKCE, through
 * openid-client), so that the page can take the form only from the person who made the link (the
 * MCP spec asks a server to check that whoever completes an out-of-band page is who the flow was
 * started for: a link sent to someone else would put their keys in the sender's account).
 *
 * What a sign-in in progress needs (state, nonce, PKCE verifier, the link it is for), and then who
 * signed in, are kept in sealed cookies (JWE, dir + A256GCM, under a key every replica derives alike
 * from the Cyclr credentials): any replica finishes a sign-in another started, and the link's token
 * goes nowhere but the person's own browser (not the store, not a log line). The cookies are
 * HttpOnly, SameSite=Lax (the issuer's redirect back is a top-level GET), Secure but on loopback
 * http, and scoped to the pages' paths.
 */
import { hkdfSync } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import { EncryptJWT, jwtDecrypt, type JWTPayload } from "jose";
import * as oidc from "openid-client";
import * as z from "zod";
import { PAGE_SIGN_IN_REDIRECT_PATH, type PageSignInConfig } from "../config/index.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { messagePage, sendPage, type PersonShown } from "./credential-page-html.js";
import { CREDENTIALS_PATH } from "./link-records.js";

export { PAGE_SIGN_IN_REDIRECT_PATH } from "../config/index.js";

/** A sign-in started and not finished within this is void: the person opens their link again. */
const SIGN_IN_MS = 10 * 60_000;
/** How long a page remembers who signed in: one link's life; after it the issuer's own session makes signing in again quick. */
const PERSON_MS = 10 * 60_000;
const PERSON_COOKIE = "cyclr_mcp_person";
/** One cookie per sign-in in progress, named by the start of its state: two links opened at once do not undo each other. */
const SIGN_IN_COOKIE = "cyclr_mcp_sign_in_";
const SCOPE = "openid profile email";
/** How long a call to the issuer (discovery, the code exchange, userinfo) may take. */
const ISSUER_TIMEOUT_SECONDS = 10;

/** Who signed in on a page, as the issuer's ID token (or userinfo) says. */
export type PagePerson = PersonShown;

const SignInStateSchema = z.object({ state: z.string(), nonce: z.string(), verifier: z.string(), token: z.string() });
const PersonSchema = z.object({ subject: z.string(), name: z.string().optional(), email: z.string().optional() });
/** Claims shown on the page: kept short, and escaped there. */
const ShownClaim = z.string().trim().min(1).max(200).optional().catch(undefined);

export interface PageSignInOptions {
  config: PageSignInConfig;
  /** The origin the pages are served at (the redirect URI is on it). */
  origin: () => Promise<string>;
  /** 32 bytes every replica holds alike (PageSignIn.keyFrom). */
  key: Uint8Array;
  logger: Logger;
  redactor: Redactor;
}

export class PageSignIn {
  private configuration?: Promise<oidc.Configuration>;

  constructor(private readonly options: PageSignInOptions) {
    if (options.config.clientSecret !== undefined) options.redactor.register(options.config.clientSecret);
  }

  /** The cookies' key, derived from a secret every replica is given alike (the Cyclr credentials), for this use only. */
  static keyFrom(secret: string): Uint8Array {
    return new Uint8Array(hkdfSync("sha256", secret, "cyclr-mcp", "credential page sign-in cookies", 32));
  }

  /** Who signed in on this browser, while that is fresh; undefined otherwise. */
  async person(req: IncomingMessage): Promise<PagePerson | undefined> {
    const sealed = parseCookies(req.headers.cookie ?? "")[PERSON_COOKIE];
    if (sealed === undefined) return undefined;
    return this.unseal(sealed, "person", PersonSchema);
  }

  /**
   * Sends the browser to the issuer to sign in, for the link `token`; the issuer sends it back to
   * the redirect URI, and from there to the link. `again`: the issuer asks for a login even when
   * the person is signed in there already (they are signed in as someone else).
   */
  async start(res: ServerResponse, token: string, again = false): Promise<void> {
    let configuration: oidc.Configuration;
    try {
      configuration = await this.discovered();
    } catch (error) {
      // Not the person's fault, and their link is intact: they come back in a moment.
      this.options.logger.warn("credential page sign-in unavailable: the issuer's metadata cannot be read", { error: this.options.redactor.text(error instanceof Error ? error.message : String(error)) });
      return sendPage(res, 503, (nonce) => messagePage(nonce, "Try again in a moment", "Signing in is not possible just now. Your link still works: reload it in a minute."), { "retry-after": "30" });
    }
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: await this.redirectUri(),
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
      ...(again && { prompt: "login" }),
    });
    const sealed = await this.seal({ state, nonce, verifier, token }, "sign-in", SIGN_IN_MS);
    res.writeHead(303, {
      location: url.href,
      "set-cookie": await this.cookie(SIGN_IN_COOKIE + cookieId(state), sealed, PAGE_SIGN_IN_REDIRECT_PATH, SIGN_IN_MS),
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    });
    res.end();
  }

  /**
   * The issuer's redirect back: openid-client exchanges the code (checking the state, the PKCE
   * verifier, the ID token and its nonce); who signed in is kept, and the browser goes back to the link.
   */
  async finish(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const current = new URL(req.url ?? "/", await this.options.origin());
    const state = current.searchParams.get("state") ?? "";
    const cookieName = SIGN_IN_COOKIE + cookieId(state);
    const sealed = /^[\w-]{16,200}$/.test(state) ? parseCookies(req.headers.cookie ?? "")[cookieName] : undefined;
    const started = sealed === undefined ? undefined : await this.unseal(sealed, "sign-in", SignInStateSchema);
    if (!started || started.state !== state) {
      return sendPage(res, 400, (nonce) => messagePage(nonce, "Sign-in not finished", "This sign-in expired or was started in another browser. Open your link again."));
    }
    const clear = await this.cookie(cookieName, "", PAGE_SIGN_IN_REDIRECT_PATH, 0);
    const link = `${CREDENTIALS_PATH}${started.token}`;
    if (current.searchParams.has("error")) {
      // The person turned the sign-in down at the issuer (or it failed there): nothing to exchange.
      return sendPage(res, 403, (nonce) => messagePage(nonce, "You did not sign in", "Without signing in, this page cannot show its form.", { href: link, text: "Sign in" }), { "set-cookie": clear });
    }
    let person: PagePerson;
    try {
      person = await this.signedIn(current, started);
    } catch (error) {
      this.options.logger.warn("credential page sign-in failed", { error: this.options.redactor.text(error instanceof Error ? error.message : String(error)) });
      return sendPage(res, 400, (nonce) => messagePage(nonce, "Sign-in not finished", "The sign-in could not be completed.", { href: link, text: "Try again" }), { "set-cookie": clear });
    }
    this.options.logger.info("credential page sign-in", { subject: person.subject });
    res.writeHead(303, {
      location: link,
      "set-cookie": [clear, await this.cookie(PERSON_COOKIE, await this.seal({ ...person }, "person", PERSON_MS), CREDENTIALS_PATH, PERSON_MS)],
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    });
    res.end();
  }

  /** The code exchanged for an ID token; its sub, and a name and e-mail from it or, if it has neither, from userinfo. */
  private async signedIn(current: URL, started: z.infer<typeof SignInStateSchema>): Promise<PagePerson> {
    const configuration = await this.discovered();
    const tokens = await oidc.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error("the issuer returned no ID token");
    let name = ShownClaim.parse(claims.name ?? claims.preferred_username);
    let email = ShownClaim.parse(claims.email);
    if (name === undefined && email === undefined && configuration.serverMetadata().userinfo_endpoint) {
      // Many issuers put profile claims in userinfo only (OpenID Connect Core 5.4).
      const info = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub).catch(() => undefined);
      name = ShownClaim.parse(info?.name ?? info?.preferred_username);
      email = ShownClaim.parse(info?.email);
    }
    return { subject: claims.sub, ...(name !== undefined && { name }), ...(email !== undefined && { email }) };
  }

  /** The issuer's metadata, fetched once (again after a failure). */
  private discovered(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.options.config;
    const server = new URL(issuer);
    this.configuration ??= oidc
      .discovery(server, clientId, undefined, clientSecret !== undefined ? oidc.ClientSecretBasic(clientSecret) : oidc.None(), {
        timeout: ISSUER_TIMEOUT_SECONDS,
        // Plain http only reaches here for a loopback issuer (the configuration refuses others).
        ...(server.protocol === "http:" && { execute: [oidc.allowInsecureRequests] }),
      })
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw error;
      });
    return this.configuration;
  }

  private async redirectUri(): Promise<string> {
    return `${await this.options.origin()}${PAGE_SIGN_IN_REDIRECT_PATH}`;
  }

  private seal(payload: JWTPayload, use: string, ms: number): Promise<string> {
    return new EncryptJWT(payload)
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setAudience(use)
      .setIssuedAt()
      .setExpirationTime(new Date(Date.now() + ms))
      .encrypt(this.options.key);
  }

  /** What a sealed cookie holds, if this server sealed it for this use and it has not expired. */
  private async unseal<S extends z.ZodType>(sealed: string, use: string, schema: S): Promise<z.output<S> | undefined> {
    try {
      const { payload } = await jwtDecrypt(sealed, this.options.key, { audience: use, keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] });
      const parsed = schema.safeParse(payload);
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private async cookie(name: string, value: string, path: string, ms: number): Promise<string> {
    // Secure everywhere but plain http on loopback (the configuration allows no other http).
    const secure = new URL(await this.options.origin()).protocol === "https:";
    return serializeCookie(name, value, { httpOnly: true, sameSite: "lax", secure, path, maxAge: Math.floor(ms / 1000) });
  }
}

/** The part of the state that names its cookie. */
function cookieId(state: string): string {
  return state.slice(0, 16).replace(/[^\w-]/g, "");
}
