/**
 * 2025-11-25 clients over HTTP, as before the 2026-07-28 revision: a session per client
 * (initialize, then Mcp-Session-Id), on the SDK's NodeStreamableHTTPServerTransport, so the server
 * can send the client requests (form and URL elicitation) and notifications on the session's
 * streams. Sessions are this process's (a load balancer routes them by Mcp-Session-Id), capped and
 * closed when idle (sessions.ts). With --stateless each request gets a server of its own and the
 * client is never sent a request (its answer could reach another replica).
 *
 * The router (http.ts) has checked who is calling, the scope and the limits before anything here.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import { isInitializeRequest } from "@modelcontextprotocol/server";
import type { HttpConfig } from "../config/index.js";
import type { Logger } from "../log.js";
import type { ServerHandle, ToolSelection } from "../mcp/server.js";
import type { Caller } from "./auth.js";
import { jsonRpcError, type JsonRpcId } from "./json-rpc.js";
import type { SessionTable, TrackedSession } from "./sessions.js";

export interface LegacySession extends TrackedSession {
  transport: NodeStreamableHTTPServerTransport;
  /** Offers the session's caller the tools its current token allows. */
  offer: (selection: ToolSelection) => void;
}

export interface LegacySessionsOptions {
  config: HttpConfig;
  table: SessionTable<LegacySession>;
  logger: Logger;
  /** A server for this caller (one per session; one per request with --stateless). */
  newServer: (caller: Caller, kind: "session" | "request") => ServerHandle;
  /** The tools the caller's current token allows. */
  offerFor: (caller: Caller) => ToolSelection;
}

/** The session a request names: found, none named, or refused (with what to answer). */
export type SessionLookup = { session?: LegacySession } | { refused: { status: number; code: number; message: string } };

export class LegacySessions {
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: LegacySessionsOptions) {
    const { config } = options;
    this.sweeper = setInterval(
      () => {
        const idleBefore = Date.now() - config.sessionIdleSeconds * 1000;
        for (const [id, session] of options.table.entries()) if (session.lastSeen < idleBefore && session.calls === 0) void this.closeSession(id, "idle");
      },
      Math.min(60_000, config.sessionIdleSeconds * 500),
    );
    this.sweeper.unref();
  }

  /** The session named by Mcp-Session-Id, which must belong to this caller. */
  find(req: IncomingMessage, caller: Caller): SessionLookup {
    const sessionId = req.headers["mcp-session-id"];
    if (this.options.config.stateless || typeof sessionId !== "string") return {};
    const session = this.options.table.get(sessionId);
    if (!session) return { refused: { status: 404, code: -32001, message: "Session not found: it expired or was closed. Initialize a new session." } };
    // A session belongs to the token, or the person and client, (and account) that opened it.
    if (session.caller !== caller.key) return { refused: { status: 403, code: -32002, message: "This session belongs to another caller." } };
    session.lastSeen = Date.now();
    // The same person may come back with a token of other scopes (a step-up, say): the list follows it.
    session.offer(this.options.offerFor(caller));
    return { session };
  }

  /** A GET (the standing event stream) or DELETE (closing the session). */
  async stream(req: IncomingMessage, res: ServerResponse, session: LegacySession | undefined): Promise<void> {
    if (this.options.config.stateless) return jsonRpcError(res, 405, -32000, "Method not allowed: this server is stateless (--stateless); send POST only.", { allow: "POST" });
    if (!session) return jsonRpcError(res, 400, -32000, "Bad request: no Mcp-Session-Id; initialize a session first.");
    // A standing event stream keeps its session from counting as idle while it is open.
    session.active++;
    res.once("close", () => session.active--);
    return session.transport.handleRequest(req, res);
  }

  /** A POST: to its session, to a server of its own (--stateless), or an initialize that opens a session. */
  async serve(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller, session: LegacySession | undefined, id: JsonRpcId | undefined): Promise<void> {
    if (session) return session.transport.handleRequest(req, res, body);
    if (this.options.config.stateless) return this.serveStateless(req, res, body, caller);
    if (!isInitializeRequest(body)) return jsonRpcError(res, 400, -32000, "Bad request: no Mcp-Session-Id; initialize a session first.", {}, id);
    return this.openSession(req, res, body, caller, id);
  }

  private async openSession(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller, id: JsonRpcId | undefined): Promise<void> {
    const { table, logger } = this.options;
    const admission = table.admit(caller.quota);
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
    const { server: mcp, close, offer } = this.options.newServer(caller, "session");
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        opened = true;
        table.opened(sessionId, { transport, close, offer, caller: caller.key, token: caller.quota, lastSeen: Date.now(), active: 0, calls: 0 });
        logger.info("session opened", {
          session: sessionId,
          ...(caller.pinnedAccountId !== undefined && { pinnedAccountId: caller.pinnedAccountId }),
          ...(caller.subject !== undefined && { subject: caller.subject }),
          ...(caller.client !== undefined && { client: caller.client }),
          ...(!caller.mayWrite && { readOnly: true }),
        });
      },
      onsessionclosed: (sessionId) => void this.closeSession(sessionId, "closed by the client"),
    });
    try {
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body);
    } finally {
      if (!opened) {
        table.abandoned(caller.quota);
        void close().catch(() => undefined);
      }
    }
  }

  private async serveStateless(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
    const { server: mcp, close } = this.options.newServer(caller, "request");
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => void close().catch(() => undefined));
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  private async closeSession(id: string, why: string): Promise<void> {
    const session = this.options.table.delete(id);
    if (!session) return;
    this.options.logger.info("session closed", { session: id, why });
    await session.close().catch(() => undefined);
  }

  /** Closes every session (a shutdown, once the calls in flight are done or cut). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled(this.options.table.ids().map((id) => this.closeSession(id, "server shutting down")));
  }
}
