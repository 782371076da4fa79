/**
 * Where a person's browser may go when an OAuth sign-in ends (create_oauth_link's targetOrigin).
 * The link is a genuine service-domain link the person trusts, so where it ends, and which window
 * may read its callback message, must be a place the operator chose, not whatever a caller passes.
 */
import { isLoopbackHost } from "../loopback.js";

export type TargetOriginCheck =
  /** targetOrigin: what goes in the link, the origin alone when only an origin was given, else the whole URL. */
  | { allowed: true; targetOrigin: string }
  /** reason: why not, to follow "targetOrigin ...". */
  | { allowed: false; reason: string };

/**
 * Whether a targetOrigin (an origin, or a URL to redirect to) may go in an OAuth link, given the
 * allowed origins. Only http(s), plain http only for loopback, never "*".
 */
export function checkTargetOrigin(targetOrigin: string, allowedOrigins: readonly string[]): TargetOriginCheck {
  const raw = targetOrigin.trim();
  if (raw === "*") return { allowed: false, reason: `"*" is refused: it would let any window that opened the link read the callback message` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { allowed: false, reason: "is not a URL or an origin with a scheme, such as https://app.example.com" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { allowed: false, reason: `must be an https URL or origin, not ${url.protocol}` };
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return { allowed: false, reason: `must use https (plain http only for loopback hosts); got ${url.origin}` };
  }
  if (url.username || url.password) return { allowed: false, reason: "must not carry a user name or password" };
  const allowed = new Set(allowedOrigins.map(originOf));
  if (!allowed.has(url.origin)) return { allowed: false, reason: `has origin ${url.origin}, which is not an allowed one` };
  // An origin alone stays an origin (postMessage compares it exactly); a URL is where to redirect.
  const originOnly = url.pathname === "/" && !raw.endsWith("/") && !url.search && !url.hash;
  return { allowed: true, targetOrigin: originOnly ? url.origin : url.href };
}

function originOf(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}
