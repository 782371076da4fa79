/**
 * 2026-07-28 clients over HTTP: each request is answered by a server of its own, made for its
 * caller, through the SDK's createMcpHandler (strict: 2025-era requests never reach it, http.ts
 * routes them to the sessions). No session, nothing kept between requests, so any replica can take
 * any request: no sticky routing. The SDK checks what the revision requires of a request (its _meta
 * envelope, the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers agreeing with the body).
 *
 * The router (http.ts) has checked who is calling, the scope and the limits before anything here;
 * the verified caller reaches the server's factory through the request's authInfo.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { toNodeHandler, type NodeMcpRequestHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, type AuthInfo, type McpHttpHandler } from "@modelcontextprotocol/server";
import type { Logger } from "../log.js";
import type { ServerHandle } from "../mcp/server.js";
import type { Redactor } from "../redact.js";
import { SCOPES, type Caller } from "./auth.js";
import { MAX_BODY_BYTES } from "./json-rpc.js";

export interface ModernRequestsOptions {
  logger: Logger;
  redactor: Redactor;
  /** A server for this caller, for one request. */
  newServer: (caller: Caller) => ServerHandle;
}

export class ModernRequests {
  /** The caller each request's authInfo stands for (the factory is handed the authInfo, as it was given). */
  private readonly callers = new WeakMap<AuthInfo, Caller>();
  private readonly handler: McpHttpHandler;
  private readonly node: NodeMcpRequestHandler;

  constructor(options: ModernRequestsOptions) {
    // A request the SDK refuses (a header that disagrees with the body, a malformed envelope) is the client's problem: noted, not alarming.
    const onerror = (error: Error) => options.logger.debug("2026-07-28 request refused or failed", { error: options.redactor.text(error.message) });
    this.handler = createMcpHandler(
      ({ authInfo }) => {
        const caller = authInfo && this.callers.get(authInfo);
        // Unreachable: every request comes through serve(), which names its caller.
        if (!caller) throw new Error("a 2026-07-28 request reached the server without a verified caller");
        return options.newServer(caller).server;
      },
      { legacy: "reject", maxRequestBodySize: MAX_BODY_BYTES, onerror },
    );
    this.node = toNodeHandler(this.handler, { onerror, maxRequestBodySize: MAX_BODY_BYTES });
  }

  /** Answers one request whose body the router has read. */
  async serve(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
    // What the SDK and the tools may read of the caller: never its token.
    const authInfo: AuthInfo = {
      token: "",
      clientId: caller.client ?? caller.subject,
      scopes: [SCOPES.read, ...(caller.mayWrite ? [SCOPES.write] : []), ...(caller.mayChangeCycles ? [SCOPES.cycles] : [])],
    };
    this.callers.set(authInfo, caller);
    (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
    await this.node(req, res, body);
  }

  /** Ends the requests still in flight (a shutdown, after their grace). */
  close(): Promise<void> {
    return this.handler.close();
  }
}
