/**
 * Credential links: a page where the person types an API key, a password or a secret property, which
 * goes from their browser to this server and on to Cyclr without passing through the chat. Each link
 * has a one-time token (256 random bits) bound to one account connector and account, valid for
 * 10 minutes and spent once Cyclr accepts what was typed.
 *
 * In stdio mode the pages are served by a loopback listener started on the first link; in hosted mode
 * the HTTP transport's listener mounts `handle` and links use the public base URL.
 *
 * A link lives in the store (with Redis, every replica serves it), under a hash of its token, so
 * that the store holds no usable link, for its lifetime. The bad-token counters are in the store
 * too, so the limit holds across replicas.
 *
 * Every page of a link names, above its form, the connector, the Cyclr account and the partner the
 * details go to, and who asked for them where the server knows. Hosted with the pages' sign-in
 * (page-sign-in.ts), a link made by a person signed in at the issuer shows its form to that person
 * only, and takes it from no one else; a link made for someone else says who sent it instead.
 *
 * This module gives out links and routes the pages' requests, with their checks (the bad-token
 * limit, who is signed in, methods, body size, same origin and the CSRF token); what a submission
 * then does (the claim, the writes to Cyclr, spending the link) is credential-form.ts, the page
 * before an OAuth sign-in oauth-start.ts, the links as stored link-records.ts, the HTML and its
 * headers credential-page-html.ts.
 */
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as z from "zod";
import { PAGE_SIGN_IN_REDIRECT_PATH } from "../config/index.js";
import type { CyclrOperations } from "../cyclr/client.js";
import type { Logger } from "../log.js";
import { BrowserSteps } from "../mcp/shared/authentication-wait.js";
import type { CredentialLink, CredentialLinkBinding, CredentialLinks, LandingStep, LinkParties, PageLink, SignInPageBinding } from "../mcp/tool.js";
import type { HashedSecret, Redactor, SecretHash } from "../redact.js";
import { readJson, StoreUnavailableError, type Store } from "../store/index.js";
import { CredentialForm, readTypedSecrets, sendForm } from "./credential-form.js";
import { connectedPage, messagePage, notFoundPage, otherPersonPage, sendPage, type PageParties } from "./credential-page-html.js";
import { CREDENTIALS_PATH, LINK_LIFETIME_MS, linkHash, linkKey, PartiesSchema, readLink, usedKey, type LinkServices, type StoredLink, type StoredPage, type StoredSignInPage } from "./link-records.js";
import { OAuthStart } from "./oauth-start.js";
// The sign-in's types alone: its module (openid-client, jose) loads only where a setting asks for it (cli.ts).
import type { PageSignIn, PagePerson } from "./page-sign-in.js";

export { CREDENTIALS_PATH } from "./link-records.js";
/** Where an OAuth sign-in ends by default: ?name= the connector's name; ?error= when the person denied access. */
export const CONNECTED_PATH = "/connected";
const MAX_BODY_BYTES = 16 * 1024;
/** Bad tokens allowed per client address per minute before its guesses are turned away. */
const BAD_TOKEN_LIMIT = 20;
const BAD_TOKEN_WINDOW_MS = 60_000;
/** How often a replica that gave out a link checks whether it was used elsewhere, in case it missed the event. */
const USED_CHECK_MS = 15_000;

/**
 * Which account connector an OAuth landing nonce is for, its link's id, and whose account it is
 * (stored under the nonce's hash).
 */
const LandingStepSchema = z.object({ accountId: z.string(), accountConnectorId: z.number(), link: z.string().optional(), parties: PartiesSchema.optional() });
/** A landing nonce outlives the page before the sign-in (10 minutes) and Cyclr's sign-in (5). */
const LANDING_LIFETIME_MS = 2 * LINK_LIFETIME_MS;
/** Asks a page whose maker is signed in as someone else for a fresh login at the issuer. */
const SIGN_IN_AGAIN = "sign-in=again";

/** What the replica that gave out a link keeps of it: who waits for it to be used. */
interface GivenLink {
  settle: (used: boolean) => void;
  timer: NodeJS.Timeout;
  check: NodeJS.Timeout;
  keepSecret?: (...secrets: (string | HashedSecret)[]) => void;
}

export interface CredentialPagesOptions {
  cyclr: CyclrOperations;
  /** Hosted mode: the operations over a token Cyclr restricted to one account, for what a link writes there. */
  cyclrForAccount?: (accountId: string) => CyclrOperations;
  /** Where links and bad-token counters live (memory, or Redis shared by the replicas). */
  store: Store;
  redactor: Redactor;
  logger: Logger;
  /**
   * Where links point, e.g. https://mcp.example.com, when another listener mounts `handle` (hosted
   * mode). Without it, a loopback listener of its own is started on the first link.
   */
  publicUrl?: string | (() => string);
  /** The loopback listener's host (stdio mode). */
  host?: string;
  /**
   * Who is asking, for the rate limit of bad tokens: by default the socket's address; behind a
   * trusted reverse proxy (MCP_HTTP_TRUST_PROXY), the address it reports.
   */
  clientAddress?: (req: IncomingMessage) => string;
  /**
   * With a store the replicas share: the keyed hash under which what a person types is shared, so
   * that the session that gave out the link hides it wherever the page was served.
   */
  secretHash?: SecretHash;
  /** Whose service the accounts belong to, as the pages name it (CYCLR_PARTNER_NAME, or the service domain's host). */
  partner?: string;
  /**
   * Hosted with an issuer and the pages' sign-in on: a link made by a person signed in there shows
   * its form only to them, signed in on the page with the same issuer.
   */
  signIn?: PageSignIn;
  now?: () => number;
}

export class CredentialPages implements CredentialLinks {
  /** The links this replica gave out, by the hash of their token. */
  private readonly given = new Map<string, GivenLink>();
  private listener?: Promise<{ server: Server; origin: string }>;
  private readonly now: () => number;
  private readonly store: Store;
  private readonly unsubscribe: () => void;
  private readonly form: CredentialForm;
  private readonly oauthStart: OAuthStart;
  private readonly steps: BrowserSteps;
  /** Names this replica in the events it sends. */
  private readonly replica = randomUUID();

  constructor(private readonly options: CredentialPagesOptions) {
    this.now = options.now ?? Date.now;
    this.store = options.store;
    this.steps = new BrowserSteps(options.store);
    const services: LinkServices = {
      store: options.store,
      cyclr: options.cyclr,
      ...(options.cyclrForAccount && { cyclrForAccount: options.cyclrForAccount }),
      redactor: options.redactor,
      logger: options.logger,
      now: this.now,
    };
    this.form = new CredentialForm({
      ...services,
      steps: this.steps,
      replica: this.replica,
      typed: (hash, secrets) => this.given.get(hash)?.keepSecret?.(...secrets),
      spent: (hash, link) => this.spent(hash, link),
      ...(options.secretHash && { secretHash: options.secretHash }),
    });
    this.oauthStart = new OAuthStart(services);
    this.unsubscribe = this.store.subscribe((event) => {
      // A link given out here and filled on another replica: its session hides what was typed there.
      if (event.kind === "secrets typed") {
        if (event.from !== this.replica) void this.learnTyped(event.link);
      }
      // A link given out here and used on another replica: its `used` resolves here too.
      else if (event.link !== undefined) this.settle(event.link, true);
    });
  }

  /** The origin the pages are served at: the public URL's, or the loopback listener's (started now if need be). */
  async origin(): Promise<string> {
    const { publicUrl } = this.options;
    return publicUrl ? new URL(typeof publicUrl === "function" ? publicUrl() : publicUrl).origin : (await this.listen()).origin;
  }

  /**
   * This server's page for the end of an OAuth sign-in ("Salesforce is connected: you can close this
   * tab"). With the account connector, the URL carries a one-time nonce: the replica that serves the
   * page ends the person's browser step for every replica, and tells every replica's waits to look
   * at Cyclr now, rather than at their next poll.
   */
  async landingUrl(connectorName: string, step?: LandingStep): Promise<string> {
    const url = `${await this.origin()}${CONNECTED_PATH}?name=${encodeURIComponent(connectorName)}`;
    if (!step) return url;
    const nonce = randomBytes(16).toString("base64url");
    const stored = await this.store
      .set(landingKey(linkHash(nonce)), JSON.stringify(step), { ttlMs: LANDING_LIFETIME_MS })
      .catch(() => false);
    return stored ? `${url}&step=${nonce}` : url;
  }

  /**
   * The landing page was reached: the sign-in link is spent, so (once per nonce) its browser step
   * is over whether or not anyone waits, and the waits for that account connector look now. The
   * step stays readable until it expires, so that the page says whose account on a reload too.
   */
  private async landed(nonce: string): Promise<z.infer<typeof LandingStepSchema> | undefined> {
    const hash = linkHash(nonce);
    const step = await readJson(this.store, landingKey(hash), LandingStepSchema);
    if (!step || !(await this.store.set(`landed:${hash}`, "1", { ttlMs: LANDING_LIFETIME_MS, onlyIfAbsent: true }))) return step;
    const { accountId, accountConnectorId, link } = step;
    // The step a link made since belongs to that link: only this link's step ends.
    if (link !== undefined) await this.steps.end(accountId, accountConnectorId, link);
    await this.store.publish({ kind: "step finished", accountId, accountConnectorId });
    return step;
  }

  /** The landing page, naming whose account the connector went to when its nonce says so. */
  private async land(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
    const nonce = query.get("step");
    const step =
      nonce && /^[\w-]{22}$/.test(nonce)
        ? await this.landed(nonce).catch((error: unknown) => {
            this.options.logger.warn("OAuth landing not shared", { error: error instanceof Error ? error.message : String(error) });
            return undefined;
          })
        : undefined;
    const parties = step?.parties && this.shown(step.parties);
    sendPage(res, 200, (styleNonce) => connectedPage(styleNonce, query.get("name") ?? undefined, query.has("error"), parties));
  }

  /** Whether a link's page must check who fills it: hosted with the sign-in, made by a person, for themselves. */
  private checksPerson(parties: LinkParties): parties is LinkParties & { requester: NonNullable<LinkParties["requester"]> } {
    return this.options.signIn !== undefined && parties.requester !== undefined && !parties.forSomeoneElse;
  }

  /** What a page says of whose account, from what the link (or landing) holds. */
  private shown(parties: LinkParties, signedIn?: PagePerson): PageParties {
    return {
      connectorName: parties.connectorName,
      accountId: parties.accountId,
      accountName: parties.accountName,
      partner: this.options.partner,
      requester: parties.requester,
      signedIn,
      forSomeoneElse: parties.forSomeoneElse,
    };
  }

  /** The parts of a binding a link's page shows and checks (nothing secret). */
  private storedParties(binding: LinkParties): Pick<StoredPage, "accountId" | "accountName" | "connectorName" | "requester" | "forSomeoneElse" | "subject"> {
    return {
      accountId: binding.accountId,
      connectorName: binding.connectorName,
      ...(binding.accountName !== undefined && { accountName: binding.accountName }),
      ...(binding.requester && { requester: binding.requester }),
      ...(binding.forSomeoneElse && { forSomeoneElse: true }),
      ...(this.checksPerson(binding) && { subject: binding.requester.subject }),
    };
  }

  async createSignInPage(binding: SignInPageBinding): Promise<PageLink | undefined> {
    // Without a person to check or a sender to name, the sign-in link goes to Cyclr directly, as it always did.
    if (!this.checksPerson(binding) && !binding.forSomeoneElse) return undefined;
    const origin = await this.origin();
    const token = randomBytes(32).toString("base64url");
    const expiresAt = this.now() + LINK_LIFETIME_MS;
    const page: StoredSignInPage = {
      kind: "sign-in",
      ...this.storedParties(binding),
      accountConnectorId: binding.accountConnectorId,
      serviceDomain: binding.serviceDomain,
      username: binding.username,
      targetOrigin: binding.targetOrigin,
      ...(binding.callbackMessage !== undefined && { callbackMessage: binding.callbackMessage }),
      csrfToken: randomBytes(24).toString("base64url"),
      expiresAt,
    };
    await this.store.set(linkKey(linkHash(token)), JSON.stringify(page), { ttlMs: LINK_LIFETIME_MS });
    this.options.logger.info("OAuth sign-in page created", linkLogFields(binding, page));
    return { url: `${origin}${CREDENTIALS_PATH}${token}`, token, expiresAt: new Date(expiresAt) };
  }

  async create(binding: CredentialLinkBinding): Promise<CredentialLink> {
    const origin = await this.origin();
    // The token is as good as the secret it protects until it is spent: it is a secret of the
    // session that gives it out (CredentialLink.token), and this server never logs it.
    const token = randomBytes(32).toString("base64url");
    const hash = linkHash(token);
    const expiresAt = this.now() + LINK_LIFETIME_MS;
    const link: StoredLink = {
      ...this.storedParties(binding),
      accountConnectorId: binding.accountConnectorId,
      request: binding.request,
      remaining: [...binding.request.fields],
      csrfToken: randomBytes(24).toString("base64url"),
      expiresAt,
    };
    await this.store.set(linkKey(hash), JSON.stringify(link), { ttlMs: LINK_LIFETIME_MS });
    let settle!: (used: boolean) => void;
    const used = new Promise<boolean>((resolve) => (settle = resolve));
    // At expiry, and now and then before, the store says whether it was used on a replica whose event was missed.
    const timer = setTimeout(() => void this.checkUsed(hash, true), LINK_LIFETIME_MS);
    const check = setInterval(() => void this.checkUsed(hash, false), USED_CHECK_MS);
    timer.unref();
    check.unref();
    this.given.set(hash, { settle, timer, check, ...(binding.keepSecret && { keepSecret: binding.keepSecret }) });
    this.options.logger.info("credential link created", linkLogFields(binding, link));
    return { url: `${origin}${CREDENTIALS_PATH}${token}`, id: hash, token, expiresAt: new Date(expiresAt), used };
  }

  /** Answers requests under /credentials/ (the pages, and the return from their sign-in) and the OAuth landing page; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if ((path === CONNECTED_PATH || path === PAGE_SIGN_IN_REDIRECT_PATH) && req.method !== "GET" && req.method !== "HEAD") {
      sendPage(res, 405, (nonce) => messagePage(nonce, "Not allowed", "This page can only be viewed."), { allow: "GET" });
      return true;
    }
    let answer: Promise<void>;
    if (path === CONNECTED_PATH) answer = this.land(req, res);
    else if (path === PAGE_SIGN_IN_REDIRECT_PATH) answer = this.options.signIn?.finish(req, res) ?? Promise.resolve(sendPage(res, 404, (nonce) => notFoundPage(nonce)));
    else if (path.startsWith(CREDENTIALS_PATH)) answer = this.respond(req, res, path.slice(CREDENTIALS_PATH.length));
    else return false;
    void answer.catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) {
        // The link is safe in the store: the person only has to come back in a moment.
        this.options.logger.warn("credential page unavailable: the store cannot be reached", { error: error.message });
        if (!res.headersSent) sendPage(res, 503, (nonce) => messagePage(nonce, "Try again in a moment", "This page cannot be shown just now. Your link still works: reload it in a minute."), { "retry-after": "30" });
        else res.end();
        return;
      }
      this.options.logger.error("credential page failed", { error: this.options.redactor.text(error instanceof Error ? error.message : String(error)) });
      if (!res.headersSent) sendPage(res, 500, (nonce) => messagePage(nonce, "Something went wrong", "Try again, or ask the assistant for a new link."));
    });
    return true;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    // The links stay in the store for other replicas; only this replica's waits for them end.
    for (const hash of [...this.given.keys()]) this.settle(hash, false);
    const listener = await this.listener?.catch(() => undefined);
    if (listener) await new Promise<void>((resolve) => listener.server.close(() => resolve()));
  }

  private listen(): Promise<{ server: Server; origin: string }> {
    this.listener ??= new Promise((resolve, reject) => {
      const host = this.options.host ?? "127.0.0.1";
      const server = createServer((req, res) => {
        // Only this listener's own names: a page reached through another host name (DNS rebinding) is refused.
        const { port } = server.address() as AddressInfo;
        const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`]);
        if (!allowed.has(req.headers.host ?? "")) return sendPage(res, 403, (nonce) => messagePage(nonce, "Forbidden", "This page is served on loopback only."));
        if (!this.handle(req, res)) sendPage(res, 404, (nonce) => notFoundPage(nonce));
      });
      server.on("error", reject);
      server.listen(0, host, () => {
        const { port } = server.address() as AddressInfo;
        // Closing stdin ends the process; the listener must not keep it alive by itself.
        server.unref();
        const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
        this.options.logger.info(`credential pages served at ${origin}${CREDENTIALS_PATH}`);
        resolve({ server, origin });
      });
    });
    return this.listener;
  }

  private async respond(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    const hash = linkHash(token);
    const link = await readLink(this.store, hash, this.now());
    // A valid link is never refused: the limit is on guesses, so that one client guessing from an
    // address others share (behind a proxy, say) cannot lock a person out of their own link.
    if (!link) {
      const client = this.options.clientAddress?.(req) ?? req.socket.remoteAddress ?? "unknown";
      // Counted across replicas: a guesser spreading over them gets no more tries.
      const count = await this.store.increment(`bad-tokens:${encodeURIComponent(client)}`, BAD_TOKEN_WINDOW_MS);
      if (count > BAD_TOKEN_LIMIT) {
        return sendPage(res, 429, (nonce) => messagePage(nonce, "Too many attempts", "Wait a minute and try again."), { "retry-after": "60" });
      }
      return sendPage(res, 404, (nonce) => notFoundPage(nonce));
    }
    const read = req.method === "GET" || req.method === "HEAD";
    if (!read && req.method !== "POST") return sendPage(res, 405, (nonce) => messagePage(nonce, "Not allowed", "Use the form."), { allow: "GET, POST" });
    // Where the link names its maker, the page is theirs alone: signed in, as them.
    let signedIn: PagePerson | undefined;
    if (link.subject !== undefined) {
      const signIn = this.options.signIn;
      // A replica configured without the sign-in must not serve a page that needs it.
      if (!signIn) return sendPage(res, 503, (nonce) => messagePage(nonce, "Try again in a moment", "This page cannot check who you are just now. Your link still works: reload it in a minute."), { "retry-after": "30" });
      const person = await signIn.person(req);
      const again = (req.url ?? "").split("?")[1] === SIGN_IN_AGAIN;
      if (!person || (again && read)) {
        // A form sent after the sign-in expired is not taken: the person signs in again, from the link.
        if (!read) return sendPage(res, 403, (nonce) => messagePage(nonce, "Sign in first", "Your sign-in on this page has expired; nothing was sent.", { href: `${CREDENTIALS_PATH}${token}`, text: "Sign in again" }));
        return signIn.start(res, token, again);
      }
      if (person.subject !== link.subject) {
        // Never its form, nor whose account: the link may have been sent to this person to fill in someone else's.
        this.options.logger.warn("credential page refused: signed in as another person than the link's maker", { accountConnectorId: link.accountConnectorId, subject: person.subject });
        return sendPage(res, 403, (nonce) => otherPersonPage(nonce, person, link.connectorName, `${CREDENTIALS_PATH}${token}?${SIGN_IN_AGAIN}`));
      }
      signedIn = person;
    }
    const parties = this.shown(link, signedIn);
    if (read) return link.kind === "sign-in" ? this.oauthStart.show(res, 200, token, link, parties) : sendForm(res, 200, token, link, parties);

    const body = await readForm(req);
    if (body === "too large") return sendPage(res, 413, (nonce) => messagePage(nonce, "Too much data", "The form was too large."));
    // Same origin only: browsers send Origin (or Sec-Fetch-Site) on a form POST; the CSRF token covers the rest.
    // With Referrer-Policy no-referrer, browsers send "Origin: null" on the form's own POST.
    const origin = req.headers.origin === "null" ? undefined : req.headers.origin;
    const sameOrigin = origin === undefined || origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
    const fetchSite = req.headers["sec-fetch-site"];
    if (!sameOrigin || (fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none") || !sameSecret(body.get("csrf") ?? "", link.csrfToken)) {
      return sendPage(res, 403, (nonce) => messagePage(nonce, "Forbidden", "This form can only be sent from its own page. Reload the link and try again."));
    }
    if (link.kind === "sign-in") return this.oauthStart.go(res, token, hash, parties);
    await this.form.submit(res, token, hash, body, parties);
  }

  /** A link used here: its `used` resolves, and every replica is told. */
  private async spent(hash: string, link: StoredLink): Promise<void> {
    this.settle(hash, true);
    await this.store
      .publish({ kind: "step finished", accountId: link.accountId, accountConnectorId: link.accountConnectorId, link: hash })
      .catch((error: unknown) => this.options.logger.warn("could not tell the other replicas that a link was used", { error: String(error) }));
  }

  /** Whether a link given out here was used elsewhere (an event missed): settled if so, or at its expiry either way. */
  private async checkUsed(hash: string, expired: boolean): Promise<void> {
    const used = (await this.store.get(usedKey(hash)).catch(() => undefined)) !== undefined;
    if (used) await this.learnTyped(hash);
    if (used || expired) this.settle(hash, used);
  }

  /** What was typed elsewhere on the page of a link given out here: its session hides it, by keyed hash. */
  private async learnTyped(hash: string): Promise<void> {
    const keepSecret = this.given.get(hash)?.keepSecret;
    const secretHash = this.options.secretHash;
    if (!keepSecret || !secretHash) return;
    const typed = await readTypedSecrets(this.store, hash).catch((error: unknown) => {
      this.options.logger.warn("what was typed on another replica's credential page cannot be hidden here: the store failed", { error: error instanceof Error ? error.message : String(error) });
      return [];
    });
    keepSecret(...typed.map((forms) => ({ hash: secretHash, forms })));
  }

  /** Ends this replica's wait for a link it gave out. */
  private settle(hash: string, used: boolean): void {
    const given = this.given.get(hash);
    if (!given) return;
    this.given.delete(hash);
    clearTimeout(given.timer);
    clearInterval(given.check);
    given.settle(used);
  }
}

const landingKey = (hash: string) => `landing:${hash}`;

/** A link's log line: which account connector, who made it, and whether for someone else or only for its maker (never its token). */
function linkLogFields(binding: LinkParties & { accountConnectorId: number }, stored: Pick<StoredPage, "subject">): Record<string, unknown> {
  return {
    accountId: binding.accountId,
    accountConnectorId: binding.accountConnectorId,
    ...(binding.requester && { by: binding.requester.subject }),
    ...(binding.forSomeoneElse && { forSomeoneElse: true }),
    ...(stored.subject !== undefined && { signInRequired: true }),
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | "too large"> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return "too large";
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
