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
 * that the store holds no usable link, for its lifetime. Using it is a claim in the store: of two
 * submissions at once, on any replicas, one writes to Cyclr and the other sees "not valid". The
 * bad-token counters are in the store too, so the limit holds across replicas.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { CyclrOperations } from "../cyclr/client.js";
import { CyclrError, CyclrHttpError } from "../cyclr/errors.js";
import type { Logger } from "../log.js";
import type { CredentialLink, CredentialLinkBinding, CredentialLinks } from "../mcp/tool.js";
import { existingPropertyId } from "../mcp/shared/properties.js";
import type { Redactor } from "../redact.js";
import { basicAuthValue } from "../setup/auth-values.js";
import { PROPERTY_FIELD } from "../setup/credential-request.js";
import { readJson, StoreUnavailableError, type Store } from "../store/index.js";
import { connectedPage, credentialFormPage, messagePage, notFoundPage, successPage } from "./credential-page-html.js";

export const CREDENTIALS_PATH = "/credentials/";
/** Where an OAuth sign-in ends by default: ?name= the connector's name; ?error= when the person denied access. */
export const CONNECTED_PATH = "/connected";
const LINK_LIFETIME_MS = 10 * 60_000;
const MAX_BODY_BYTES = 16 * 1024;
/** Bad tokens allowed per client address per minute before its guesses are turned away. */
const BAD_TOKEN_LIMIT = 20;
const BAD_TOKEN_WINDOW_MS = 60_000;
/**
 * How long one submission holds its link while it writes to Cyclr. Past it (the replica died
 * mid-write) the person may submit again; a submission that succeeds removes the link first.
 */
const CLAIM_MS = 2 * 60_000;
/** How often a replica that gave out a link checks whether it was used elsewhere, in case it missed the event. */
const USED_CHECK_MS = 15_000;

const CredentialFieldSchema = z.object({ field: z.string(), label: z.string(), description: z.string().optional(), secret: z.boolean() });

/** Which account connector an OAuth landing nonce is for (stored under the nonce's hash). */
const LandingStepSchema = z.object({ accountId: z.string(), accountConnectorId: z.number() });

/** A link as the store keeps it (the token itself is not kept: the key is its hash). */
const StoredLinkSchema = z.object({
  accountId: z.string(),
  accountConnectorId: z.number(),
  connectorName: z.string(),
  request: z.object({ authValue: z.enum(["apiKey", "basic"]).optional(), properties: z.array(z.string()), fields: z.array(CredentialFieldSchema) }),
  /** Fields still to be set: a retry after a partial failure asks only for these. */
  remaining: z.array(CredentialFieldSchema),
  csrfToken: z.string(),
  expiresAt: z.number(),
});
type StoredLink = z.infer<typeof StoredLinkSchema>;

/** What the replica that gave out a link keeps of it: who waits for it to be used. */
interface GivenLink {
  settle: (used: boolean) => void;
  timer: NodeJS.Timeout;
  check: NodeJS.Timeout;
  keepSecret?: (...secrets: string[]) => void;
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
  now?: () => number;
}

export class CredentialPages implements CredentialLinks {
  /** The links this replica gave out, by the hash of their token. */
  private readonly given = new Map<string, GivenLink>();
  private listener?: Promise<{ server: Server; origin: string }>;
  private readonly now: () => number;
  private readonly store: Store;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: CredentialPagesOptions) {
    this.now = options.now ?? Date.now;
    this.store = options.store;
    // A link given out here and used on another replica: its `used` resolves here too.
    this.unsubscribe = this.store.subscribe((event) => {
      if (event.link !== undefined) this.settle(event.link, true);
    });
  }

  /** The origin the pages are served at: the public URL's, or the loopback listener's (started now if need be). */
  private async origin(): Promise<string> {
    const { publicUrl } = this.options;
    return publicUrl ? new URL(typeof publicUrl === "function" ? publicUrl() : publicUrl).origin : (await this.listen()).origin;
  }

  /**
   * This server's page for the end of an OAuth sign-in ("Salesforce is connected: you can close this
   * tab"). With the account connector, the URL carries a one-time nonce: the replica that serves the
   * page tells every replica's waits to look at Cyclr now, rather than at their next poll.
   */
  async landingUrl(connectorName: string, step?: { accountId: string; accountConnectorId: number }): Promise<string> {
    const url = `${await this.origin()}${CONNECTED_PATH}?name=${encodeURIComponent(connectorName)}`;
    if (!step) return url;
    const nonce = randomBytes(16).toString("base64url");
    const stored = await this.store
      .set(landingKey(linkHash(nonce)), JSON.stringify(step), { ttlMs: LINK_LIFETIME_MS })
      .catch(() => false);
    return stored ? `${url}&step=${nonce}` : url;
  }

  /** The landing page was reached: the waits for that account connector look now (once per nonce). */
  private async landed(nonce: string): Promise<void> {
    const key = landingKey(linkHash(nonce));
    const text = await this.store.get(key);
    if (text === undefined || !(await this.store.delete(key))) return;
    const step = LandingStepSchema.safeParse(JSON.parse(text));
    if (step.success) await this.store.publish({ kind: "step finished", ...step.data });
  }

  async create(binding: CredentialLinkBinding): Promise<CredentialLink> {
    const origin = await this.origin();
    // The token is as good as the secret it protects until it is spent: it is a secret of the
    // session that gives it out (CredentialLink.token), and this server never logs it.
    const token = randomBytes(32).toString("base64url");
    const hash = linkHash(token);
    const expiresAt = this.now() + LINK_LIFETIME_MS;
    const link: StoredLink = {
      accountId: binding.accountId,
      accountConnectorId: binding.accountConnectorId,
      connectorName: binding.connectorName,
      request: binding.request,
      remaining: [...binding.request.fields],
      csrfToken: randomBytes(24).toString("base64url"),
      expiresAt,
    };
    await this.store.set(linkKey(hash), JSON.stringify(link), { ttlMs: LINK_LIFETIME_MS });
    let settle!: (used: boolean) => void;
    const used = new Promise<boolean>((resolve) => (settle = resolve));
    // At expiry, and now and then before, the store says whether it was used on a replica whose event was missed.
    const timer = setTimeout(() => void this.wasUsed(hash).then((wasUsed) => this.settle(hash, wasUsed)), LINK_LIFETIME_MS);
    const check = setInterval(() => void this.wasUsed(hash).then((wasUsed) => wasUsed && this.settle(hash, true)), USED_CHECK_MS);
    timer.unref();
    check.unref();
    this.given.set(hash, { settle, timer, check, ...(binding.keepSecret && { keepSecret: binding.keepSecret }) });
    this.options.logger.info("credential link created", { accountId: binding.accountId, accountConnectorId: binding.accountConnectorId });
    return { url: `${origin}${CREDENTIALS_PATH}${token}`, token, expiresAt: new Date(expiresAt), used };
  }

  /** Answers requests under /credentials/ and the OAuth landing page; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === CONNECTED_PATH) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        this.send(res, 405, (nonce) => messagePage(nonce, "Not allowed", "This page can only be viewed."), { allow: "GET" });
        return true;
      }
      const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
      const step = query.get("step");
      if (step && /^[\w-]{22}$/.test(step)) {
        void this.landed(step).catch((error: unknown) => this.options.logger.warn("OAuth landing not shared", { error: error instanceof Error ? error.message : String(error) }));
      }
      this.send(res, 200, (nonce) => connectedPage(nonce, query.get("name") ?? undefined, query.has("error")));
      return true;
    }
    if (!path.startsWith(CREDENTIALS_PATH)) return false;
    void this.respond(req, res, path.slice(CREDENTIALS_PATH.length)).catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) {
        // The link is safe in the store: the person only has to come back in a moment.
        this.options.logger.warn("credential page unavailable: the store cannot be reached", { error: error.message });
        if (!res.headersSent) this.send(res, 503, (nonce) => messagePage(nonce, "Try again in a moment", "This page cannot be shown just now. Your link still works: reload it in a minute."), { "retry-after": "30" });
        else res.end();
        return;
      }
      this.options.logger.error("credential page failed", { error: this.options.redactor.text(error instanceof Error ? error.message : String(error)) });
      if (!res.headersSent) this.send(res, 500, (nonce) => messagePage(nonce, "Something went wrong", "Try again, or ask the assistant for a new link."));
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
        if (!allowed.has(req.headers.host ?? "")) return this.send(res, 403, (nonce) => messagePage(nonce, "Forbidden", "This page is served on loopback only."));
        if (!this.handle(req, res)) this.send(res, 404, (nonce) => notFoundPage(nonce));
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
    const link = await this.readLink(hash);
    // A valid link is never refused: the limit is on guesses, so that one client guessing from an
    // address others share (behind a proxy, say) cannot lock a person out of their own link.
    if (!link) {
      const client = this.options.clientAddress?.(req) ?? req.socket.remoteAddress ?? "unknown";
      // Counted across replicas: a guesser spreading over them gets no more tries.
      const count = await this.store.increment(`bad-tokens:${encodeURIComponent(client)}`, BAD_TOKEN_WINDOW_MS);
      if (count > BAD_TOKEN_LIMIT) {
        return this.send(res, 429, (nonce) => messagePage(nonce, "Too many attempts", "Wait a minute and try again."), { "retry-after": "60" });
      }
      return this.send(res, 404, (nonce) => notFoundPage(nonce));
    }
    if (req.method === "GET" || req.method === "HEAD") return this.sendForm(res, 200, token, link);
    if (req.method !== "POST") return this.send(res, 405, (nonce) => messagePage(nonce, "Not allowed", "Use the form."), { allow: "GET, POST" });

    const body = await readForm(req);
    if (body === "too large") return this.send(res, 413, (nonce) => messagePage(nonce, "Too much data", "The form was too large."));
    // Same origin only: browsers send Origin (or Sec-Fetch-Site) on a form POST; the CSRF token covers the rest.
    // With Referrer-Policy no-referrer, browsers send "Origin: null" on the form's own POST.
    const origin = req.headers.origin === "null" ? undefined : req.headers.origin;
    const sameOrigin = origin === undefined || origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
    const fetchSite = req.headers["sec-fetch-site"];
    if (!sameOrigin || (fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none") || !sameSecret(body.get("csrf") ?? "", link.csrfToken)) {
      return this.send(res, 403, (nonce) => messagePage(nonce, "Forbidden", "This form can only be sent from its own page. Reload the link and try again."));
    }
    // One submission at a time, over every replica: the other sees the page of a used link.
    const claim = randomUUID();
    if (!(await this.store.set(claimKey(hash), claim, { ttlMs: CLAIM_MS, onlyIfAbsent: true }))) return this.send(res, 404, (nonce) => notFoundPage(nonce));
    let spent = false;
    try {
      // Read again under the claim: a submission that finished just before took the link away, or
      // set some of its fields (a partial failure) on another replica.
      const current = await this.readLink(hash);
      if (!current) return this.send(res, 404, (nonce) => notFoundPage(nonce));
      spent = await this.submit(res, token, hash, current, body);
    } finally {
      // A used link keeps its claim until the claim expires: nothing can use it again meanwhile.
      if (!spent) await this.store.delete(claimKey(hash), claim).catch(() => undefined);
    }
  }

  /** Checks and stores what was typed; true once Cyclr accepted it all and the link is spent. */
  private async submit(res: ServerResponse, token: string, hash: string, link: StoredLink, body: URLSearchParams): Promise<boolean> {
    const values = new Map<string, string>();
    const secrets: string[] = [];
    for (const field of link.remaining) {
      const value = body.get(field.field) ?? "";
      if (field.secret) secrets.push(value);
      if (value.trim() === "") {
        this.sendForm(res, 400, token, link, `Please fill in ${field.label}.`);
        return false;
      }
      values.set(field.field, field.secret ? value : value.trim());
    }
    if (link.request.authValue === "basic" && values.has("password")) {
      secrets.push(basicAuthValue(values.get("username") ?? "", values.get("password") ?? ""));
    }
    // What the person typed is hidden from this submission's page and log lines, and from the
    // answers of the session that gave out the link (when it lives on this replica); no other
    // session's output changes.
    const redactor = this.options.redactor.scope();
    redactor.register(...secrets);
    this.given.get(hash)?.keepSecret?.(...secrets.filter((secret) => secret.trim() !== ""));

    const failure = await this.save(link, values, redactor);
    if (failure) {
      // What Cyclr accepted is not asked again, on whichever replica the person retries.
      const ttlMs = link.expiresAt - this.now();
      if (ttlMs > 0) await this.store.set(linkKey(hash), JSON.stringify(link), { ttlMs }).catch(() => undefined);
      this.sendForm(res, 400, token, link, failure);
      return false;
    }
    this.options.logger.info("credential link used", { accountId: link.accountId, accountConnectorId: link.accountConnectorId });
    // Cyclr has it: the person is told so even if the store fails now (the claim, kept, still bars a second use).
    await this.spend(hash, link).catch((error: unknown) => this.options.logger.warn("credential link used, but not marked used in the store", { error: String(error) }));
    this.send(res, 200, (nonce) => successPage(nonce, link.connectorName));
    return true;
  }

  /** Sets each secret property, then the AuthValue; what Cyclr accepted is not asked again. Returns a message for the person on failure. */
  private async save(link: StoredLink, values: Map<string, string>, redactor: Redactor): Promise<string | undefined> {
    // Hosted mode: over a token Cyclr restricted to the link's account (least privilege).
    const cyclr = this.options.cyclrForAccount?.(link.accountId) ?? this.options.cyclr;
    try {
      // A property it already has is corrected with a PUT of that property, not posted again.
      const current = link.remaining.some((f) => f.field.startsWith(PROPERTY_FIELD))
        ? await cyclr.getAccountConnector(link.accountId, link.accountConnectorId)
        : undefined;
      for (const field of [...link.remaining]) {
        if (!field.field.startsWith(PROPERTY_FIELD)) continue;
        const name = field.field.slice(PROPERTY_FIELD.length);
        const id = current && existingPropertyId(current, name);
        await cyclr.setAccountConnectorProperty(link.accountId, link.accountConnectorId, {
          name,
          value: values.get(field.field) ?? "",
          sensitive: true,
          ...(id !== undefined && { id }),
        });
        link.remaining = link.remaining.filter((f) => f !== field);
      }
      if (link.request.authValue) {
        const authValue =
          link.request.authValue === "basic" ? basicAuthValue(values.get("username") ?? "", values.get("password") ?? "") : (values.get("apiKey") ?? "");
        await cyclr.setAccountConnectorAuthValue(link.accountId, link.accountConnectorId, authValue);
      }
      return undefined;
    } catch (error) {
      this.options.logger.warn("credential submission failed", {
        accountConnectorId: link.accountConnectorId,
        error: redactor.text(error instanceof Error ? error.message : String(error)),
      });
      return redactor.text(forThePerson(error));
    }
  }

  /** The link, gone from the store; a mark that it was used, for the replica that gave it out; and every replica told. */
  private async spend(hash: string, link: StoredLink): Promise<void> {
    await this.store.delete(linkKey(hash));
    const ttlMs = Math.max(1_000, link.expiresAt - this.now());
    await this.store.set(usedKey(hash), "1", { ttlMs }).catch(() => undefined);
    this.settle(hash, true);
    await this.store
      .publish({ kind: "step finished", accountId: link.accountId, accountConnectorId: link.accountConnectorId, link: hash })
      .catch((error: unknown) => this.options.logger.warn("could not tell the other replicas that a link was used", { error: String(error) }));
  }

  private async readLink(hash: string): Promise<StoredLink | undefined> {
    const link = await readJson(this.store, linkKey(hash), StoredLinkSchema);
    return link && link.expiresAt > this.now() ? link : undefined;
  }

  private async wasUsed(hash: string): Promise<boolean> {
    return (await this.store.get(usedKey(hash)).catch(() => undefined)) !== undefined;
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

  private sendForm(res: ServerResponse, status: number, token: string, link: StoredLink, error?: string): void {
    this.send(res, status, (nonce) =>
      credentialFormPage({
        nonce,
        connectorName: link.connectorName,
        fields: link.remaining,
        csrfToken: link.csrfToken,
        action: `${CREDENTIALS_PATH}${token}`,
        expiresAt: new Date(link.expiresAt),
        ...(error !== undefined && { error }),
      }),
    );
  }

  private send(res: ServerResponse, status: number, page: (nonce: string) => string, headers: Record<string, string> = {}): void {
    const nonce = randomBytes(16).toString("base64");
    res.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      pragma: "no-cache",
      "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      ...headers,
    });
    res.end(page(nonce));
  }
}

/** What went wrong, in words for the person at the page (not the assistant's next-tool advice). */
function forThePerson(error: unknown): string {
  if (error instanceof CyclrHttpError) {
    if (error.status === 400 && error.upstreamMessage) return `Cyclr did not accept it: ${error.upstreamMessage} Check what you typed and try again.`;
    if (error.status === 404) return "This connector is no longer installed. Ask the assistant what to do next.";
    return `Cyclr could not save it just now (${error.status}). Try again in a moment.`;
  }
  if (error instanceof CyclrError) return "Cyclr could not be reached just now. Try again in a moment.";
  return "Something went wrong while saving. Try again in a moment.";
}

/** The store's key for a link: a hash of its token, so that what the store holds opens no page. */
function linkHash(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
const linkKey = (hash: string) => `link:${hash}`;
const landingKey = (hash: string) => `landing:${hash}`;
const claimKey = (hash: string) => `link-claim:${hash}`;
const usedKey = (hash: string) => `link-used:${hash}`;

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
