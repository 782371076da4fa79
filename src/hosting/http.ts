/**
 * Hosted mode: MCP over the SDK's Streamable HTTP transport at /mcp, for support copilots and
 * onboarding bots serving many customers' accounts.
 *
 * - Who may call (auth.ts): bearer tokens, or OAuth access tokens (MCP authorization: this server is
 *   a protected resource, its metadata at /.well-known/oauth-protected-resource); Host and Origin
 *   allow-lists against DNS rebinding, a body size limit; /healthz and /readyz need no token and reveal nothing.
 * - Scopes: a caller without cyclr:write is offered the read-only tools, and a tools/call beyond its
 *   scopes is answered 403 insufficient_scope here, before the SDK sees it.
 * - Tenant pinning: a token bound to an account, or X-Cyclr-Account from a backend whose token is
 *   not bound, pins the session: every tool then acts on that account only (resolveAccountId).
 * - Sessions: stateful by default (closed after an idle time), or --stateless for replicas.
 * - The credential pages are served by the same listener.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, isInitializeRequest, type CallToolRequest } from "@modelcontextprotocol/sdk/types.js";
import type { HttpConfig } from "../config/index.js";
import type { CyclrOperations } from "../cyclr/client.js";
import { withLogContext, type Logger } from "../log.js";
import { createServer, type ToolCallRecord, type ToolSelection } from "../mcp/server.js";
import type { ServerDeps } from "../mcp/tool.js";
import type { Redactor } from "../redact.js";
import { CallerAuthentication, callerSelection, type Caller, type Refusal } from "./auth.js";
import { CREDENTIALS_PATH } from "./credential-pages.js";
import { Readiness, type ReadinessChecks } from "./readiness.js";
import { SessionTable, type TrackedSession } from "./sessions.js";

const MAX_BODY_BYTES = 1024 * 1024;
const SHUTDOWN_GRACE_MS = 10_000;
/** After the grace, how long cut calls have to send their "restarting" answer. */
const CUT_ANSWER_MS = 2_000;

export interface HttpHostingOptions {
  config: HttpConfig;
  /** Dependencies shared by every session; each session adds its account policy. */
  deps: ServerDeps;
  accountAllowlist?: readonly string[];
  /**
   * Least privilege toward Cyclr: the operations with a token restricted to one account, for the
   * sessions pinned to it (so a bug in pinning still cannot reach another account). Without it
   * (a ready CYCLR_ACCESS_TOKEN cannot be narrowed) pinned sessions use the shared client.
   */
  cyclrForAccount?: (accountId: string) => CyclrOperations;
  redactor: Redactor;
  logger: Logger;
  /** Whether the server can do its work: the Cyclr token endpoint (or the sandbox) answers. */
  ready: () => Promise<boolean>;
  selection?: ToolSelection;
  /** The shared store, for /readyz (readiness.ts). */
  store?: ReadinessChecks["store"];
  /** Serves the credential pages' paths; returns false for others. */
  credentialPages?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface HttpHost {
  /** The listener's own origin, e.g. http://127.0.0.1:3333. */
  origin: string;
  /** Stops accepting, lets calls in flight finish (up to 10 s), closes every session. */
  close: () => Promise<void>;
}

interface Session extends TrackedSession {
  transport: StreamableHTTPServerTransport;
  /** Offers the session's caller the tools its current token allows. */
  offer: (selection: ToolSelection) => void;
}

type ToolCall = CallToolRequest;

/** The tools/call being answered, while it is: whether its audit line has been written. */
const unaudited = new AsyncLocalStorage<{ audited: boolean }>();

export async function serveHttp(options: HttpHostingOptions): Promise<HttpHost> {
  const { config, logger } = options;
  const sessions = new SessionTable<Session>(config);
  // POSTs whose responses have not ended: a shutdown waits for them.
  let inFlight = 0;
  let closing = false;
  const stopping = new AbortController();
  const cut = new AbortController();
  const shutdown = { stopping: stopping.signal, cut: cut.signal };

  // Requests are taken once the listener's address (without CYCLR_MCP_PUBLIC_URL, the resource URL) is known.
  const server = createHttpServer();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const requestId = (typeof req.headers["x-request-id"] === "string" && /^[\w.-]{1,64}$/.test(req.headers["x-request-id"]) ? req.headers["x-request-id"] : randomUUID());
    res.setHeader("x-request-id", requestId);
    const started = performance.now();
    res.on("finish", () =>
      logger.debug("http request", { method: req.method, path: loggedPath(req.url), status: res.statusCode, ms: Math.round(performance.now() - started) }),
    );
    withLogContext({ requestId }, () => {
      route(req, res).catch((error: unknown) => {
        logger.error("http request failed", { error: options.redactor.text(error instanceof Error ? (error.stack ?? error.message) : String(error)) });
        if (!res.headersSent) jsonRpcError(res, 500, -32603, "Internal error; see the server's log.");
        else res.end();
      });
    });
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    // Probes need no token and say nothing about the configuration.
    if (path === "/healthz") return json(res, 200, { status: "ok" });
    if (path === "/readyz") {
      const answer = await readiness.probe(closing);
      return json(res, answer.status, answer.body, answer.headers);
    }

    if (!hostAllowed(req.headers.host)) return json(res, 403, { error: "Host not allowed" });
    // Where to get a token: public, needed before any token, and read by browser-based clients too.
    const metadata = callers.resourceMetadata();
    if (metadata && req.method === "GET" && callers.resourceMetadataPaths.includes(path)) return json(res, 200, metadata, { "access-control-allow-origin": "*" });
    // While shutting down the listener still answers, so a load balancer's retry goes elsewhere.
    if (closing) return refuse(req, res, 503, -32000, "The server is restarting; try again shortly.", { "retry-after": "5", connection: "close" });
    // The credential pages come before the Origin allow-list: a browser posts their form with
    // "Origin: null" (the page sends Referrer-Policy: no-referrer), and they check their own
    // requests (same origin or null, Sec-Fetch-Site, a CSRF token bound to the link).
    if (options.credentialPages?.(req, res)) return;
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin)) return json(res, 403, { error: "Origin not allowed" });
    if (path !== "/mcp") return json(res, 404, { error: "Not found: MCP is served at /mcp" });

    const authentication = await callers.authenticate(req);
    if ("refused" in authentication) return refuseWith(req, res, authentication.refused);
    await handleMcp(req, res, authentication.caller);
  }

  /**
   * The audit trail: one line per tool call, whoever called and however it ended (the request id
   * joins from the log context). Never arguments, never tokens.
   */
  function audit(caller: Caller, entry: ToolCallRecord): void {
    const pending = unaudited.getStore();
    if (pending) pending.audited = true;
    logger.info("audit", {
      subject: caller.subject,
      ...(caller.client !== undefined && { client: caller.client }),
      ...(entry.account !== undefined && { account: entry.account }),
      ...(entry.cycle !== undefined && { cycle: entry.cycle }),
      tool: entry.tool,
      outcome: entry.outcome,
      ms: entry.ms,
    });
  }

  /** A tools/call refused here, before MCP saw it, is in the audit trail too. */
  function auditRefused(caller: Caller, call: ToolCall | undefined, outcome: string): void {
    if (!call) return;
    const named = call.params.arguments?.accountId;
    const account = caller.pinnedAccountId ?? (typeof named === "string" ? named : options.deps.defaultAccountId);
    audit(caller, { tool: call.params.name.slice(0, 100), ...(account !== undefined && { account }), outcome, ms: 0 });
  }

  function refuseWith(req: IncomingMessage, res: ServerResponse, refusal: Refusal): Promise<void> {
    return refuse(req, res, refusal.status, refusal.code, refusal.message, refusal.headers);
  }

  function sessionDeps(caller: Caller): ServerDeps {
    const accounts = {
      ...(caller.pinnedAccountId !== undefined && { pinnedAccountId: caller.pinnedAccountId }),
      ...(options.accountAllowlist !== undefined && { allowlist: options.accountAllowlist }),
    };
    const pinned = caller.pinnedAccountId;
    const cyclr = pinned !== undefined && options.cyclrForAccount ? options.cyclrForAccount(pinned) : options.deps.cyclr;
    return { ...options.deps, cyclr, accounts };
  }

  function newServer(caller: Caller) {
    return createServer({
      deps: sessionDeps(caller),
      redactor: options.redactor,
      logger,
      shutdown,
      ...(options.selection && { selection: options.selection }),
      offered: callerSelection(caller, options.selection),
      audit: (entry) => audit(caller, entry),
      // Stateless: the client's answer to a request of ours could reach another replica.
      ...(config.stateless && { clientRequests: false }),
    });
  }

  async function handleMcp(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    const sessionId = req.headers["mcp-session-id"];
    let session: Session | undefined;
    if (!config.stateless && typeof sessionId === "string") {
      session = sessions.get(sessionId);
      if (!session) return refuse(req, res, 404, -32001, "Session not found: it expired or was closed. Initialize a new session.");
      // A session belongs to the token, or the person and client, (and account) that opened it.
      if (session.caller !== caller.key) return refuse(req, res, 403, -32002, "This session belongs to another caller.");
      session.lastSeen = Date.now();
      // The same person may come back with a token of other scopes (a step-up, say): the list follows it.
      session.offer(callerSelection(caller, options.selection));
    }
    if (req.method !== "POST") {
      if (config.stateless) return jsonRpcError(res, 405, -32000, "Method not allowed: this server is stateless (--stateless); send POST only.", { allow: "POST" });
      if (!session) return jsonRpcError(res, 400, -32000, "Bad request: no Mcp-Session-Id; initialize a session first.");
      // A standing event stream (GET) keeps its session from counting as idle while it is open.
      const open = session;
      open.active++;
      res.once("close", () => open.active--);
      return open.transport.handleRequest(req, res);
    }

    const body = await readJson(req, res);
    if (body === INVALID) return;
    const id = requestId(body);
    // Read once: the scope check, the audit of refused calls and the audit of rejected ones use it.
    const parsedCall = CallToolRequestSchema.safeParse(body);
    const toolCall = parsedCall.success ? parsedCall.data : undefined;
    const beyondScope = callers.checkCall(caller, body, options.selection ?? {});
    if (beyondScope) {
      auditRefused(caller, toolCall, "insufficient_scope");
      return jsonRpcError(res, beyondScope.status, beyondScope.code, beyondScope.message, beyondScope.headers, id);
    }
    // Limits apply where requests enter: a caller past them is told so at once, with no work done.
    const call = id !== undefined ? sessions.startCall(caller.quota, session) : { done: () => undefined };
    if ("limit" in call) {
      auditRefused(caller, toolCall, "rate_limited");
      const whose = call.limit === "session" ? "this session" : `${caller.quotaOwner}, over all ${caller.quotaOwner === "this token" ? "its" : "their"} sessions`;
      return jsonRpcError(res, 429, -32000, `Too many requests in flight for ${whose} (at most ${call.max}, ${call.setting}): wait for one to finish, then try again.`, { "retry-after": "1" }, id);
    }
    // A POST is a call in flight until its response ends; a GET is a standing event stream, not a call.
    inFlight++;
    if (session) session.active++;
    const counted = session;
    res.once("close", () => {
      inFlight--;
      call.done();
      if (counted) {
        counted.active--;
        counted.lastSeen = Date.now();
      }
    });
    // A tools/call that the SDK turns away before any tool runs (an unknown tool, arguments that do
    // not fit its schema) gets its audit line here, when its answer has gone.
    const served = session;
    if ((served || config.stateless) && toolCall) {
      const pending = { audited: false };
      res.once("close", () => {
        if (!pending.audited) auditRefused(caller, toolCall, "rejected");
      });
      return unaudited.run(pending, () => (served ? served.transport.handleRequest(req, res, body) : handleStateless(req, res, body, caller)));
    }
    if (session) return session.transport.handleRequest(req, res, body);
    if (config.stateless) return handleStateless(req, res, body, caller);
    if (!isInitializeRequest(body)) return jsonRpcError(res, 400, -32000, "Bad request: no Mcp-Session-Id; initialize a session first.", {}, id);
    return openSession(req, res, body, caller, id);
  }

  async function openSession(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller, id: JsonRpcId | undefined): Promise<void> {
    const admission = sessions.admit(caller.quota);
    if (!admission.admitted) {
      const advice =
        admission.limit === "token"
          ? "close a session you no longer use (HTTP DELETE with its Mcp-Session-Id) or try again later"
          : "try again later";
      logger.warn("session refused: at the limit", { setting: admission.setting, max: admission.max });
      return jsonRpcError(res, 429, -32000, `Too many sessions open (at most ${admission.max}, ${admission.setting}), none of them idle: ${advice}.`, { "retry-after": "30" }, id);
    }
    if (admission.evict) {
      const [evictedId, evicted] = admission.evict;
      logger.info("session closed", { session: evictedId, why: "least recently used idle session, to make room" });
      void evicted.close().catch(() => undefined);
    }
    let opened = false;
    const { server: mcp, close, offer } = newServer(caller);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        opened = true;
        sessions.opened(sessionId, { transport, close, offer, caller: caller.key, token: caller.quota, lastSeen: Date.now(), active: 0, calls: 0 });
        logger.info("session opened", {
          session: sessionId,
          ...(caller.pinnedAccountId !== undefined && { pinnedAccountId: caller.pinnedAccountId }),
          ...(caller.subject !== undefined && { subject: caller.subject }),
          ...(caller.client !== undefined && { client: caller.client }),
          ...(!caller.mayWrite && { readOnly: true }),
        });
      },
      onsessionclosed: (sessionId) => void closeSession(sessionId, "closed by the client"),
    });
    try {
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body);
    } finally {
      if (!opened) {
        sessions.abandoned(caller.quota);
        void close().catch(() => undefined);
      }
    }
  }

  async function handleStateless(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
    const { server: mcp, close } = newServer(caller);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => void close().catch(() => undefined));
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function closeSession(id: string, why: string): Promise<void> {
    const session = sessions.delete(id);
    if (!session) return;
    logger.info("session closed", { session: id, why });
    await session.close().catch(() => undefined);
  }

  const sweeper = setInterval(
    () => {
      const idleBefore = Date.now() - config.sessionIdleSeconds * 1000;
      for (const [id, session] of sessions.entries()) if (session.lastSeen < idleBefore && session.calls === 0) void closeSession(id, "idle");
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
  const callers = new CallerAuthentication({
    tokens: config.tokens,
    ...(config.jwt && { jwt: config.jwt }),
    ...(options.accountAllowlist && { accountAllowlist: options.accountAllowlist }),
    resource: new URL("/mcp", config.publicUrl ?? origin),
    redactor: options.redactor,
    logger,
  });
  // Ready when the store answers, Cyclr gives a token and, with an issuer, its keys are at hand; within a bound.
  const readiness = new Readiness({ ...(options.store && { store: options.store }), cyclr: options.ready, keys: () => callers.ready() });
  server.on("request", handle);

  function hostAllowed(host: string | undefined): boolean {
    if (!host) return false;
    const lower = host.toLowerCase();
    // An entry without a port allows that name on any port (behind a proxy the port varies).
    return allowedHosts.some((allowed) => allowed === lower || (!/:\d+$/.test(allowed) && lower.replace(/:\d+$/, "") === allowed));
  }
  function originAllowed(value: string): boolean {
    return allowedOrigins.includes(value);
  }

  async function drained(deadline: number): Promise<void> {
    while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    origin,
    close: async () => {
      closing = true;
      clearInterval(sweeper);
      // Waits for the person end now (they are safe to repeat); other calls get the grace, then are cut.
      // Either way each gets an answer saying the server is restarting, before the connections close.
      stopping.abort();
      server.closeIdleConnections();
      await drained(Date.now() + SHUTDOWN_GRACE_MS);
      if (inFlight > 0) {
        cut.abort();
        await drained(Date.now() + CUT_ANSWER_MS);
      }
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled(sessions.ids().map((id) => closeSession(id, "server shutting down")));
      server.closeAllConnections();
      await stopped;
    },
  };
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

type JsonRpcId = string | number;

/** The id of a JSON-RPC request (a message with a method and an id); undefined for notifications and responses. */
function requestId(body: unknown): JsonRpcId | undefined {
  if (!body || typeof body !== "object" || !("method" in body) || !("id" in body)) return undefined;
  const { id } = body as { id: unknown };
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

/** The path for the log: a credential link's token is the person's secret, so it is never written. */
function loggedPath(url: string | undefined): string {
  const path = (url ?? "").split("?")[0] ?? "";
  return path.startsWith(CREDENTIALS_PATH) ? `${CREDENTIALS_PATH}…` : path;
}

/** The most of a refused request's body read to find its id, and how long to wait for it. */
const REFUSED_BODY_BYTES = 64 * 1024;
const REFUSED_BODY_MS = 2_000;

/**
 * A JSON-RPC error for a request refused before its body was needed (no token, no session, shutting
 * down): the body is read, within a small limit and time, so the error carries the request's id
 * and the client can match it; null when it cannot be read.
 */
async function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): Promise<void> {
  let id: JsonRpcId | null = null;
  if (req.method === "POST" && !req.readableEnded) {
    const text = await readSome(req, REFUSED_BODY_BYTES, REFUSED_BODY_MS);
    if (text !== undefined) {
      try {
        id = requestId(JSON.parse(text)) ?? null;
      } catch {
        // Not JSON: there is no id to give back.
      }
    }
  }
  jsonRpcError(res, status, code, message, { ...headers, ...(id === null && req.method === "POST" && !req.readableEnded && { connection: "close" }) }, id);
}

/** The whole body as text if it is at most `limit` bytes and arrives within `ms`; otherwise undefined. */
function readSome(req: IncomingMessage, limit: number, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (value: string | undefined) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onEnd);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(undefined);
      else chunks.push(chunk);
    };
    const onEnd = () => finish(size <= limit ? Buffer.concat(chunks).toString("utf8") : undefined);
    const timer = setTimeout(() => finish(undefined), ms);
    req.on("data", onData).once("end", onEnd).once("error", onEnd);
  });
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}, id: JsonRpcId | null = null): void {
  json(res, status, { jsonrpc: "2.0", error: { code, message }, id }, headers);
}
