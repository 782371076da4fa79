/**
 * Hosted mode's sessions and the limits on them: how many may be open (in all and per bearer
 * token) and how many requests each session and each token may have in flight. Past a session
 * cap the least recently used idle session makes room (idle: no request in flight and no event
 * stream open); when none is idle the caller is told to come back later. Plain bookkeeping: the
 * HTTP entry answers 429.
 */

export interface SessionLimits {
  maxSessions: number;
  maxSessionsPerToken: number;
  maxCallsPerSession: number;
  maxCallsPerToken: number;
}

export interface TrackedSession {
  /** Which caller opened it (token and pinned account): later requests must match. */
  caller: string;
  /** Which bearer token it counts against. */
  token: string;
  lastSeen: number;
  /** Requests in flight and event streams open: a session with none is idle. */
  active: number;
  /** Requests in flight (JSON-RPC requests, not responses or notifications). */
  calls: number;
  close: () => Promise<void>;
}

export type Admission<S> = { admitted: true; evict?: [string, S] } | { admitted: false; limit: "session" | "token"; setting: string; max: number };

export class SessionTable<S extends TrackedSession> {
  private readonly sessions = new Map<string, S>();
  /** Sessions being opened (initialize in progress), per token: they count before they have an id. */
  private readonly opening = new Map<string, number>();
  /** Requests in flight per token, sessions and stateless requests together. */
  private readonly tokenCalls = new Map<string, number>();

  constructor(private readonly limits: SessionLimits) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): S | undefined {
    return this.sessions.get(id);
  }

  ids(): string[] {
    return [...this.sessions.keys()];
  }

  entries(): [string, S][] {
    return [...this.sessions.entries()];
  }

  /**
   * Whether a new session of this token may open: it may, possibly after closing an idle one
   * (returned in `evict`, for the caller to close). While admitted, call opened() or abandoned().
   */
  admit(token: string): Admission<S> {
    const opening = this.opening.get(token) ?? 0;
    const ofToken = [...this.sessions.entries()].filter(([, s]) => s.token === token);
    let evict: [string, S] | undefined;
    if (ofToken.length + opening >= this.limits.maxSessionsPerToken) {
      evict = leastRecentlyUsedIdle(ofToken);
      if (!evict) return { admitted: false, limit: "token", setting: "MCP_HTTP_MAX_SESSIONS_PER_TOKEN", max: this.limits.maxSessionsPerToken };
    } else if (this.sessions.size + this.totalOpening() >= this.limits.maxSessions) {
      evict = leastRecentlyUsedIdle([...this.sessions.entries()]);
      if (!evict) return { admitted: false, limit: "session", setting: "MCP_HTTP_MAX_SESSIONS", max: this.limits.maxSessions };
    }
    if (evict) this.sessions.delete(evict[0]);
    this.opening.set(token, opening + 1);
    return evict ? { admitted: true, evict } : { admitted: true };
  }

  /** An admitted session has its id. */
  opened(id: string, session: S): void {
    this.abandoned(session.token);
    this.sessions.set(id, session);
  }

  /** An admitted session did not open after all (a failed initialize), or has opened. */
  abandoned(token: string): void {
    const opening = (this.opening.get(token) ?? 1) - 1;
    if (opening > 0) this.opening.set(token, opening);
    else this.opening.delete(token);
  }

  delete(id: string): S | undefined {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    return session;
  }

  /**
   * Counts a request in flight against its session and token, or says which limit it is over.
   * The returned function ends it.
   */
  startCall(token: string, session?: S): { done: () => void } | { limit: "session" | "token"; setting: string; max: number } {
    if (session && session.calls >= this.limits.maxCallsPerSession) {
      return { limit: "session", setting: "MCP_HTTP_MAX_CALLS_PER_SESSION", max: this.limits.maxCallsPerSession };
    }
    const inFlight = this.tokenCalls.get(token) ?? 0;
    if (inFlight >= this.limits.maxCallsPerToken) return { limit: "token", setting: "MCP_HTTP_MAX_CALLS_PER_TOKEN", max: this.limits.maxCallsPerToken };
    this.tokenCalls.set(token, inFlight + 1);
    if (session) session.calls++;
    let ended = false;
    return {
      done: () => {
        if (ended) return;
        ended = true;
        if (session) session.calls--;
        const left = (this.tokenCalls.get(token) ?? 1) - 1;
        if (left > 0) this.tokenCalls.set(token, left);
        else this.tokenCalls.delete(token);
      },
    };
  }

  private totalOpening(): number {
    let total = 0;
    for (const opening of this.opening.values()) total += opening;
    return total;
  }
}

function leastRecentlyUsedIdle<S extends TrackedSession>(candidates: [string, S][]): [string, S] | undefined {
  let oldest: [string, S] | undefined;
  for (const entry of candidates) {
    if (entry[1].active > 0) continue;
    if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
  }
  return oldest;
}
