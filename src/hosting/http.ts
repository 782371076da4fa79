/**
 * Hosted mode: MCP at /mcp over Streamable HTTP, for support copilots and onboarding bots serving
 * many customers' accounts. This file is the router: every request passes the same guards, whichever
 * protocol revision it speaks, and then goes where its revision is served.
 *
 * - Who may call (auth.ts): bearer tokens, or OAuth access tokens (MCP authorization: this server is
 *   a protected resource, its metadata at /.well-known/oauth-protected-resource); Host and Origin
 *   allow-lists against DNS rebinding, a body size limit; /healthz and /readyz need no token and reveal nothing.
 * - Scopes: a caller without cyclr:write is offered the read-only tools, and a tools/call beyond its
 *   scopes is answered 403 insufficient_scope here, before the SDK sees it.
 * - Tenant pinning: a token bound to an account, or X-Cyclr-Account from a backend whose token is
 *   not bound, pins the caller: every tool then acts on that account only (resolveAccountId).
 * - Limits (calls in flight per token and per session, sessions) and the audit trail, here.
 * - Then by revision (the SDK's isLegacyRequest): 2025-11-25 requests to their sessions
 *   (legacy-sessions.ts: stateful, or --stateless for replicas), 2026-07-28 requests to a server of
 *   their own (modern-requests.ts: no session, any replica).
 * - The credential pages are served by the same listener.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CallToolRequestSchema } from "@modelcontextprotocol/core";
import { toWebRequest } from "@modelcontextprotocol/node";
import { isLegacyRequest, type CallToolRequest } from "@modelcontextprotocol/server";
import type { HttpConfig } from "../config/index.js";
import type { CyclrOperations } from "../cyclr/client.js";
import { withLogContext, type Logger } from "../log.js";
import type { InputRounds } from "../mcp/input-rounds.js";
import { createServer, type ToolCallRecord, type ToolSelection } from "../mcp/server.js";
import type { ServerDeps } from "../mcp/tool.js";
import type { Redactor } from "../redact.js";
import { CallerAuthentication, callerSelection, type Caller, type Refusal } from "./auth.js";
import { CREDENTIALS_PATH } from "./credential-pages.js";
import { INVALID, json, jsonRpcError, MAX_BODY_BYTES, readJson, refuse, requestId } from "./json-rpc.js";
import { LegacySessions, type LegacySession } from "./legacy-sessions.js";
import { ModernRequests } from "./modern-requests.js";
import { Readiness, type ReadinessChecks } from "./readiness.js";
import { SessionTable } from "./sessions.js";

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
   * callers pinned to it (so a bug in pinning still cannot reach another account). Without it
   * (a ready CYCLR_ACCESS_TOKEN cannot be narrowed) pinned callers use the shared client.
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
  /** Asking the person on 2026-07-28: input_required rounds with signed requestStates, bound to each caller. */
  inputRounds?: InputRounds;
}

export interface HttpHost {
  /** The listener's own origin, e.g. http://127.0.0.1:3333. */
  origin: string;
  /** Stops accepting, lets calls in flight finish (up to 10 s), closes every session. */
  close: () => Promise<void>;
}

type ToolCall = CallToolRequest;

/** The tools/call being answered, while it is: whether its audit line has been written. */
const unaudited = new AsyncLocalStorage<{ audited: boolean }>();

export async function serveHttp(options: HttpHostingOptions): Promise<HttpHost> {
  const { config, logger } = options;
  const table = new SessionTable<LegacySession>(config);
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

  function callerDeps(caller: Caller): ServerDeps {
    const accounts = {
      ...(caller.pinnedAccountId !== undefined && { pinnedAccountId: caller.pinnedAccountId }),
      ...(options.accountAllowlist !== undefined && { allowlist: options.accountAllowlist }),
    };
    const pinned = caller.pinnedAccountId;
    const cyclr = pinned !== undefined && options.cyclrForAccount ? options.cyclrForAccount(pinned) : options.deps.cyclr;
    // Who asks for the links this session makes, for their pages to name and check.
    return { ...options.deps, cyclr, accounts, ...(caller.person && { requester: caller.person }) };
  }

  /** A server for this caller: one per 2025-11-25 session (or request, --stateless), one per 2026-07-28 request. */
  function newServer(caller: Caller, kind: "session" | "request") {
    return createServer({
      // A session's caller may come back with a token of other scopes: its tool list follows (offer).
      toolsMayChange: kind === "session",
      deps: callerDeps(caller),
      redactor: options.redactor,
      logger,
      shutdown,
      ...(options.selection && { selection: options.selection }),
      offered: callerSelection(caller, options.selection),
      audit: (entry) => audit(caller, entry),
      // Stateless: the client's answer to a request of ours could reach another replica.
      ...(config.stateless && { clientRequests: false }),
      ...(options.inputRounds && { inputRounds: options.inputRounds }),
      // A requestState answers only the caller it was given to: the same token, or person and client, and account.
      caller: caller.key,
    });
  }

  const legacy = new LegacySessions({ config, table, logger, newServer, offerFor: (caller) => callerSelection(caller, options.selection) });
  const modern = new ModernRequests({ logger, redactor: options.redactor, newServer: (caller) => newServer(caller, "request") });

  async function handleMcp(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    if (req.method !== "POST") {
      // A standing event stream (GET) or the end of a session (DELETE): 2025-11-25 sessions only.
      const found = legacy.find(req, caller);
      if ("refused" in found) return refuse(req, res, found.refused.status, found.refused.code, found.refused.message);
      return legacy.stream(req, res, found.session);
    }

    const body = await readJson(req, res);
    if (body === INVALID) return;
    const id = requestId(body);
    // The SDK's own test of the revision, so the two legs never disagree: no per-request _meta envelope is 2025-11-25.
    const isModern = !(await isLegacyRequest(await toWebRequest(req, body), body, { maxRequestBodySize: MAX_BODY_BYTES }));
    let session: LegacySession | undefined;
    if (!isModern) {
      const found = legacy.find(req, caller);
      if ("refused" in found) return jsonRpcError(res, found.refused.status, found.refused.code, found.refused.message, {}, id);
      session = found.session;
    }
    // Read once: the scope check, the audit of refused calls and the audit of rejected ones use it.
    const parsedCall = CallToolRequestSchema.safeParse(body);
    const toolCall = parsedCall.success ? parsedCall.data : undefined;
    const beyondScope = callers.checkCall(caller, body, options.selection ?? {});
    if (beyondScope) {
      auditRefused(caller, toolCall, "insufficient_scope");
      return jsonRpcError(res, beyondScope.status, beyondScope.code, beyondScope.message, beyondScope.headers, id);
    }
    // Limits apply where requests enter: a caller past them is told so at once, with no work done.
    const call = id !== undefined ? table.startCall(caller.quota, session) : { done: () => undefined };
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
    const serve = () => (isModern ? modern.serve(req, res, body, caller) : legacy.serve(req, res, body, caller, session, id));
    // A tools/call that the SDK turns away before any tool runs (an unknown tool, arguments that do
    // not fit its schema, a 2026-07-28 header that disagrees with the body) gets its audit line
    // here, when its answer has gone. (An initialize is never a tools/call.)
    if (toolCall && (isModern || session || config.stateless)) {
      const pending = { audited: false };
      res.once("close", () => {
        if (!pending.audited) auditRefused(caller, toolCall, "rejected");
      });
      return unaudited.run(pending, serve);
    }
    return serve();
  }

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
      await Promise.allSettled([legacy.close(), modern.close()]);
      server.closeAllConnections();
      await stopped;
    },
  };
}

/** The path for the log: a credential link's token is the person's secret, so it is never written. */
function loggedPath(url: string | undefined): string {
  const path = (url ?? "").split("?")[0] ?? "";
  return path.startsWith(CREDENTIALS_PATH) ? `${CREDENTIALS_PATH}…` : path;
}

