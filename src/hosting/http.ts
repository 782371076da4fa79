/**
 * Hosted mode: MCP over the SDK's Streamable HTTP transport at /mcp, for support copilots and
 * onboarding bots serving many customers' accounts.
 *
 * - Who may call: bearer tokens (compared in constant time), Host and Origin allow-lists against DNS
 *   rebinding, a body size limit; /healthz and /readyz need no token and reveal nothing.
 * - Tenant pinning: a token bound to an account, or X-Cyclr-Account from a backend whose token is
 *   not bound, pins the session: every tool then acts on that account only (resolveAccountId).
 * - Sessions: stateful by default (closed after an idle time), or --stateless for replicas.
 * - The credential pages are served by the same listener.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { HttpConfig } from "../config.js";
import { withLogContext, type Logger } from "../log.js";
import { createServer, type ToolSelection } from "../mcp/server.js";
import type { ServerDeps } from "../mcp/tool.js";
import type { Redactor } from "../redact.js";

const MAX_BODY_BYTES = 1024 * 1024;
const SHUTDOWN_GRACE_MS = 10_000;

export interface HttpHostingOptions {
  config: HttpConfig;
  /** Dependencies shared by every session; each session adds its account policy. */
  deps: ServerDeps;
  accountAllowlist?: readonly string[];
  redactor: Redactor;
  logger: Logger;
  /** Whether the server can do its work: the Cyclr token endpoint (or the sandbox) answers. */
  ready: () => Promise<boolean>;
  selection?: ToolSelection;
  /** Serves the credential pages' paths; returns false for others. */
  credentialPages?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface HttpHost {
  /** The listener's own origin, e.g. http://127.0.0.1:3333. */
  origin: string;
  /** Stops accepting, lets calls in flight finish (up to 10 s), closes every session. */
  close: () => Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  close: () => Promise<void>;
  /** Which caller opened it: later requests must come from the same token and account. */
  caller: string;
  lastSeen: number;
}

/** Who is calling: the token they proved (hashed) and the account they are pinned to, if any. */
interface Caller {
  key: string;
  pinnedAccountId?: string;
}

export async function serveHttp(options: HttpHostingOptions): Promise<HttpHost> {
  const { config, logger } = options;
  const sessions = new Map<string, Session>();
  const tokens = options.config.tokens.map((t) => ({ ...t, digest: digest(t.token) }));
  options.redactor.register(...tokens.map((t) => t.token));
  let inFlight = 0;
  let closing = false;

  const server = createHttpServer((req, res) => {
    const requestId = (typeof req.headers["x-request-id"] === "string" && /^[\w.-]{1,64}$/.test(req.headers["x-request-id"]) ? req.headers["x-request-id"] : randomUUID());
    res.setHeader("x-request-id", requestId);
    const started = performance.now();
    res.on("finish", () =>
      logger.debug("http request", { method: req.method, path: (req.url ?? "").split("?")[0], status: res.statusCode, ms: Math.round(performance.now() - started) }),
    );
    withLogContext({ requestId }, () => {
      route(req, res).catch((error: unknown) => {
        logger.error("http request failed", { error: options.redactor.text(error instanceof Error ? (error.stack ?? error.message) : String(error)) });
        if (!res.headersSent) jsonRpcError(res, 500, -32603, "Internal error; see the server's log.");
        else res.end();
      });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    // Probes need no token and say nothing about the configuration.
    if (path === "/healthz") return json(res, 200, { status: "ok" });
    if (path === "/readyz") return (await options.ready().catch(() => false)) ? json(res, 200, { status: "ready" }) : json(res, 503, { status: "not ready" });

    if (!hostAllowed(req.headers.host)) return json(res, 403, { error: "Host not allowed" });
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin)) return json(res, 403, { error: "Origin not allowed" });
    if (options.credentialPages?.(req, res)) return;
    if (path !== "/mcp") return json(res, 404, { error: "Not found: MCP is served at /mcp" });
    if (closing) return jsonRpcError(res, 503, -32000, "The server is shutting down; try again shortly.", { "retry-after": "5" });

    const caller = authenticate(req, res);
    if (!caller) return;
    // A POST is a call in flight until its response ends; a GET is a standing event stream, not a call.
    if (req.method === "POST") {
      inFlight++;
      res.once("close", () => inFlight--);
    }
    await (config.stateless ? handleStateless(req, res, caller) : handleStateful(req, res, caller));
  }

  function authenticate(req: IncomingMessage, res: ServerResponse): Caller | undefined {
    let token: (typeof tokens)[number] | undefined;
    if (tokens.length > 0) {
      const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
      const presentedDigest = presented ? digest(presented) : undefined;
      token = presentedDigest ? tokens.find((t) => timingSafeEqual(t.digest, presentedDigest)) : undefined;
      if (!token) {
        const error = presented ? ', error="invalid_token"' : "";
        jsonRpcError(res, 401, -32001, "Unauthorized: send Authorization: Bearer <one of MCP_HTTP_TOKENS>.", {
          "www-authenticate": `Bearer realm="cyclr-mcp"${error}`,
        });
        return undefined;
      }
    }
    const header = req.headers["x-cyclr-account"];
    const requested = typeof header === "string" && header.trim() !== "" ? header.trim() : undefined;
    const pinned = token?.accountId ?? requested;
    if (token?.accountId !== undefined && requested !== undefined && requested !== token.accountId) {
      jsonRpcError(res, 403, -32002, "This token is bound to another account than X-Cyclr-Account names.");
      return undefined;
    }
    if (pinned !== undefined && options.accountAllowlist && !options.accountAllowlist.includes(pinned)) {
      jsonRpcError(res, 403, -32002, "That account is not one this server may act on (CYCLR_ACCOUNT_ALLOWLIST).");
      return undefined;
    }
    const caller: Caller = { key: `${token ? token.digest.toString("hex") : "open"}\n${pinned ?? ""}` };
    if (pinned !== undefined) caller.pinnedAccountId = pinned;
    return caller;
  }

  function sessionDeps(caller: Caller): ServerDeps {
    const accounts = {
      ...(caller.pinnedAccountId !== undefined && { pinnedAccountId: caller.pinnedAccountId }),
      ...(options.accountAllowlist !== undefined && { allowlist: options.accountAllowlist }),
    };
    return { ...options.deps, accounts };
  }

  async function handleStateful(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const session = sessions.get(sessionId);
      if (!session) return jsonRpcError(res, 404, -32001, "Session not found: it expired or was closed. Initialize a new session.");
      // A session belongs to the token (and account) that opened it.
      if (session.caller !== caller.key) return jsonRpcError(res, 403, -32002, "This session belongs to another caller.");
      session.lastSeen = Date.now();
      const body = req.method === "POST" ? await readJson(req, res) : undefined;
      if (body === INVALID) return;
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== "POST") return jsonRpcError(res, 400, -32000, "Bad request: no Mcp-Session-Id; initialize a session first.");
    const body = await readJson(req, res);
    if (body === INVALID) return;
    if (!isInitializeRequest(body)) return jsonRpcError(res, 400, -32000, "Bad request: no Mcp-Session-Id; initialize a session first.");

    const { server: mcp, close } = createServer({ deps: sessionDeps(caller), redactor: options.redactor, logger, ...(options.selection && { selection: options.selection }) });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, close, caller: caller.key, lastSeen: Date.now() });
        logger.info("session opened", { session: id, ...(caller.pinnedAccountId !== undefined && { pinnedAccountId: caller.pinnedAccountId }) });
      },
      onsessionclosed: (id) => void closeSession(id, "closed by the client"),
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handleStateless(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    if (req.method !== "POST") return jsonRpcError(res, 405, -32000, "Method not allowed: this server is stateless (--stateless); send POST only.", { allow: "POST" });
    const body = await readJson(req, res);
    if (body === INVALID) return;
    const { server: mcp, close } = createServer({ deps: sessionDeps(caller), redactor: options.redactor, logger, ...(options.selection && { selection: options.selection }) });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => void close().catch(() => undefined));
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function closeSession(id: string, why: string): Promise<void> {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    logger.info("session closed", { session: id, why });
    await session.close().catch(() => undefined);
  }

  const sweeper = setInterval(
    () => {
      const idleBefore = Date.now() - config.sessionIdleSeconds * 1000;
      for (const [id, session] of sessions) if (session.lastSeen < idleBefore) void closeSession(id, "idle");
    },
    Math.min(60_000, config.sessionIdleSeconds * 500),
  );
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const bracketed = config.host.includes(":") ? `[${config.host}]` : config.host;
  const origin = `http://${bracketed}:${port}`;
  const loopbackNames = ["127.0.0.1", "localhost", "[::1]"];
  const allowedHosts = (config.allowedHosts ?? [...loopbackNames, bracketed].map((name) => `${name}:${port}`)).map((h) => h.toLowerCase());
  const allowedOrigins = config.allowedOrigins ?? [...loopbackNames, bracketed].map((name) => `http://${name}:${port}`);

  function hostAllowed(host: string | undefined): boolean {
    if (!host) return false;
    const lower = host.toLowerCase();
    // An entry without a port allows that name on any port (behind a proxy the port varies).
    return allowedHosts.some((allowed) => allowed === lower || (!/:\d+$/.test(allowed) && lower.replace(/:\d+$/, "") === allowed));
  }
  function originAllowed(value: string): boolean {
    return allowedOrigins.includes(value);
  }

  return {
    origin,
    close: async () => {
      closing = true;
      clearInterval(sweeper);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.allSettled([...sessions.keys()].map((id) => closeSession(id, "server shutting down")));
      server.closeAllConnections();
      await stopped;
    },
  };
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

const INVALID = Symbol("invalid body");

/** The request's JSON body, or INVALID after answering with the JSON-RPC error that fits. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      jsonRpcError(res, 413, -32600, `Request body too large: at most ${MAX_BODY_BYTES} bytes.`, { connection: "close" });
      req.destroy();
      return INVALID;
    }
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    jsonRpcError(res, 400, -32700, "Parse error: the body is not valid JSON.");
    return INVALID;
  }
  if (Array.isArray(body)) {
    // JSON-RPC batches were removed from MCP (protocol 2025-06-18): one message per request.
    jsonRpcError(res, 400, -32600, "Invalid request: batches are not supported; send one JSON-RPC message per request.");
    return INVALID;
  }
  return body;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { jsonrpc: "2.0", error: { code, message }, id: null }, headers);
}
