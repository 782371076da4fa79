/** Who is asking, behind a reverse proxy the operator trusts (MCP_HTTP_TRUST_PROXY). */
import type { IncomingMessage } from "node:http";

/**
 * The last X-Forwarded-For entry: the one the trusted proxy added, which a client cannot forge
 * (entries before it are whatever the client sent). The socket's address when there is none.
 */
export function forwardedClientAddress(req: IncomingMessage): string {
  const header = req.headers["x-forwarded-for"];
  const entries = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((entry) => entry.trim()).filter(Boolean);
  return entries[entries.length - 1] ?? req.socket.remoteAddress ?? "unknown";
}
