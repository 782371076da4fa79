/**
 * Credential links: a page where the person types an API key, a password or a secret property, which
 * goes from their browser to this server and on to Cyclr without passing through the chat. Each link
 * has a one-time token (256 random bits) bound to one account connector and account, valid for
 * 10 minutes and spent once Cyclr accepts what was typed.
 *
 * In stdio mode the pages are served by a loopback listener started on the first link; in hosted mode
 * the HTTP transport's listener mounts `handle` and links use the public base URL.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CyclrOperations } from "../cyclr/client.js";
import { CyclrError, CyclrHttpError } from "../cyclr/errors.js";
import type { Logger } from "../log.js";
import type { CredentialLink, CredentialLinkBinding, CredentialLinks } from "../mcp/tool.js";
import { existingPropertyId } from "../mcp/properties.js";
import type { Redactor } from "../redact.js";
import { basicAuthValue } from "../setup/auth-values.js";
import { PROPERTY_FIELD, type CredentialField } from "../setup/credential-request.js";
import { connectedPage, credentialFormPage, messagePage, notFoundPage, successPage } from "./credential-page-html.js";

export const CREDENTIALS_PATH = "/credentials/";
/** Where an OAuth sign-in ends by default: ?name= the connector's name; ?error= when the person denied access. */
export const CONNECTED_PATH = "/connected";
const LINK_LIFETIME_MS = 10 * 60_000;
const MAX_BODY_BYTES = 16 * 1024;
/** Bad tokens allowed per client address per minute before its guesses are turned away. */
const BAD_TOKEN_LIMIT = 20;
const BAD_TOKEN_WINDOW_MS = 60_000;
/** Client addresses counted at once: a flood of addresses cannot grow the table without bound. */
const MAX_COUNTED_CLIENTS = 10_000;

interface PendingLink extends CredentialLinkBinding {
  /** Fields still to be set: a retry after a partial failure asks only for these. */
  remaining: CredentialField[];
  csrfToken: string;
  expiresAt: number;
  settle: (used: boolean) => void;
  timer: NodeJS.Timeout;
}

export interface CredentialPagesOptions {
  cyclr: CyclrOperations;
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
  private readonly links = new Map<string, PendingLink>();
  private readonly badTokens = new Map<string, { count: number; since: number }>();
  private listener?: Promise<{ server: Server; origin: string }>;
  private readonly now: () => number;

  constructor(private readonly options: CredentialPagesOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The origin the pages are served at: the public URL's, or the loopback listener's (started now if need be). */
  private async origin(): Promise<string> {
    const { publicUrl } = this.options;
    return publicUrl ? new URL(typeof publicUrl === "function" ? publicUrl() : publicUrl).origin : (await this.listen()).origin;
  }

  /** This server's page for the end of an OAuth sign-in ("Salesforce is connected: you can close this tab"). */
  async landingUrl(connectorName: string): Promise<string> {
    return `${await this.origin()}${CONNECTED_PATH}?name=${encodeURIComponent(connectorName)}`;
  }

  async create(binding: CredentialLinkBinding): Promise<CredentialLink> {
    const origin = await this.origin();
    // The token is as good as the secret it protects until it is spent: it is a secret of the
    // session that gives it out (CredentialLink.token), and this server never logs it.
    const token = randomBytes(32).toString("base64url");
    let settle!: (used: boolean) => void;
    const used = new Promise<boolean>((resolve) => (settle = resolve));
    const expiresAt = this.now() + LINK_LIFETIME_MS;
    const timer = setTimeout(() => this.spend(token, false), LINK_LIFETIME_MS);
    timer.unref();
    this.links.set(token, {
      ...binding,
      remaining: [...binding.request.fields],
      csrfToken: randomBytes(24).toString("base64url"),
      expiresAt,
      settle,
      timer,
    });
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
      this.send(res, 200, (nonce) => connectedPage(nonce, query.get("name") ?? undefined, query.has("error")));
      return true;
    }
    if (!path.startsWith(CREDENTIALS_PATH)) return false;
    void this.respond(req, res, path.slice(CREDENTIALS_PATH.length)).catch((error: unknown) => {
      this.options.logger.error("credential page failed", { error: this.options.redactor.text(error instanceof Error ? error.message : String(error)) });
      if (!res.headersSent) this.send(res, 500, (nonce) => messagePage(nonce, "Something went wrong", "Try again, or ask the assistant for a new link."));
    });
    return true;
  }

  async close(): Promise<void> {
    for (const token of [...this.links.keys()]) this.spend(token, false);
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
    const link = this.links.get(token);
    // A valid link is never refused: the limit is on guesses, so that one client guessing from an
    // address others share (behind a proxy, say) cannot lock a person out of their own link.
    if (!link || link.expiresAt <= this.now()) {
      const client = this.options.clientAddress?.(req) ?? req.socket.remoteAddress ?? "unknown";
      if (this.isRateLimited(client)) {
        return this.send(res, 429, (nonce) => messagePage(nonce, "Too many attempts", "Wait a minute and try again."), { "retry-after": "60" });
      }
      this.countBadToken(client);
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
    const values = new Map<string, string>();
    const secrets: string[] = [];
    for (const field of link.remaining) {
      const value = body.get(field.field) ?? "";
      if (field.secret) secrets.push(value);
      if (value.trim() === "") return this.sendForm(res, 400, token, link, `Please fill in ${field.label}.`);
      values.set(field.field, field.secret ? value : value.trim());
    }
    if (link.request.authValue === "basic" && values.has("password")) {
      secrets.push(basicAuthValue(values.get("username") ?? "", values.get("password") ?? ""));
    }
    // What the person typed is hidden from this submission's page and log lines, and from the
    // answers of the session that gave out the link; no other session's output changes.
    const redactor = this.options.redactor.scope();
    redactor.register(...secrets);
    link.keepSecret?.(...secrets.filter((secret) => secret.trim() !== ""));

    const failure = await this.store(link, values, redactor);
    if (failure) return this.sendForm(res, 400, token, link, failure);
    this.options.logger.info("credential link used", { accountId: link.accountId, accountConnectorId: link.accountConnectorId });
    this.spend(token, true);
    return this.send(res, 200, (nonce) => successPage(nonce, link.connectorName));
  }

  /** Sets each secret property, then the AuthValue; what Cyclr accepted is not asked again. Returns a message for the person on failure. */
  private async store(link: PendingLink, values: Map<string, string>, redactor: Redactor): Promise<string | undefined> {
    try {
      // A property it already has is corrected with a PUT of that property, not posted again.
      const current = link.remaining.some((f) => f.field.startsWith(PROPERTY_FIELD))
        ? await this.options.cyclr.getAccountConnector(link.accountId, link.accountConnectorId)
        : undefined;
      for (const field of [...link.remaining]) {
        if (!field.field.startsWith(PROPERTY_FIELD)) continue;
        const name = field.field.slice(PROPERTY_FIELD.length);
        const id = current && existingPropertyId(current, name);
        await this.options.cyclr.setAccountConnectorProperty(link.accountId, link.accountConnectorId, {
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
        await this.options.cyclr.setAccountConnectorAuthValue(link.accountId, link.accountConnectorId, authValue);
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

  private spend(token: string, used: boolean): void {
    const link = this.links.get(token);
    if (!link) return;
    this.links.delete(token);
    clearTimeout(link.timer);
    link.settle(used);
  }

  private isRateLimited(client: string): boolean {
    const entry = this.badTokens.get(client);
    if (!entry) return false;
    if (this.now() - entry.since > BAD_TOKEN_WINDOW_MS) {
      this.badTokens.delete(client);
      return false;
    }
    return entry.count >= BAD_TOKEN_LIMIT;
  }

  private countBadToken(client: string): void {
    const entry = this.badTokens.get(client);
    if (entry && this.now() - entry.since <= BAD_TOKEN_WINDOW_MS) {
      entry.count++;
      return;
    }
    this.badTokens.delete(client);
    if (this.badTokens.size >= MAX_COUNTED_CLIENTS) {
      // Oldest first (Map order is insertion order): forget windows that are over, else the oldest.
      for (const [key, counted] of this.badTokens) {
        if (this.badTokens.size < MAX_COUNTED_CLIENTS && this.now() - counted.since <= BAD_TOKEN_WINDOW_MS) break;
        this.badTokens.delete(key);
      }
    }
    this.badTokens.set(client, { count: 1, since: this.now() });
  }

  private sendForm(res: ServerResponse, status: number, token: string, link: PendingLink, error?: string): void {
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
