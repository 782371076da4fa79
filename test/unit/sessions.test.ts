import { describe, expect, it } from "vitest";
import { SessionTable, type TrackedSession } from "../../src/hosting/sessions.js";

const limits = { maxSessions: 3, maxSessionsPerToken: 2, maxCallsPerSession: 2, maxCallsPerToken: 3 };
const session = (token: string, lastSeen: number, active = 0): TrackedSession => ({ caller: token, token, lastSeen, active, calls: 0, close: async () => undefined });

function open(table: SessionTable<TrackedSession>, id: string, s: TrackedSession) {
  const admission = table.admit(s.token);
  if (admission.admitted) table.opened(id, s);
  return admission;
}

describe("SessionTable", () => {
  it("makes room by closing the token's least recently used idle session", () => {
    const table = new SessionTable<TrackedSession>(limits);
    open(table, "a1", session("a", 10));
    open(table, "a2", session("a", 5));
    const third = open(table, "a3", session("a", 20));
    expect(third).toMatchObject({ admitted: true, evict: ["a2", expect.anything()] });
    expect(table.ids().sort()).toEqual(["a1", "a3"]);
  });

  it("refuses when every session of the token is in use", () => {
    const table = new SessionTable<TrackedSession>(limits);
    open(table, "a1", session("a", 1, 1));
    open(table, "a2", session("a", 2, 1));
    expect(open(table, "a3", session("a", 3))).toEqual({ admitted: false, limit: "token", setting: "MCP_HTTP_MAX_SESSIONS_PER_TOKEN", max: 2 });
  });

  it("counts sessions being opened, so a burst cannot overshoot", () => {
    const table = new SessionTable<TrackedSession>(limits);
    expect(table.admit("a").admitted).toBe(true);
    expect(table.admit("a").admitted).toBe(true);
    expect(table.admit("a")).toMatchObject({ admitted: false });
    table.abandoned("a");
    expect(table.admit("a").admitted).toBe(true);
  });

  it("applies the server's cap over all tokens", () => {
    const table = new SessionTable<TrackedSession>(limits);
    open(table, "a1", session("a", 1, 1));
    open(table, "b1", session("b", 2, 1));
    open(table, "c1", session("c", 3, 1));
    expect(open(table, "d1", session("d", 4))).toMatchObject({ admitted: false, limit: "session", setting: "MCP_HTTP_MAX_SESSIONS" });
  });

  it("limits calls in flight per session and per token", () => {
    const table = new SessionTable<TrackedSession>(limits);
    const one = session("a", 1);
    const two = session("a", 2);
    const first = table.startCall("a", one);
    table.startCall("a", one);
    expect(table.startCall("a", one)).toMatchObject({ setting: "MCP_HTTP_MAX_CALLS_PER_SESSION" });
    table.startCall("a", two);
    expect(table.startCall("a", two)).toMatchObject({ setting: "MCP_HTTP_MAX_CALLS_PER_TOKEN" });
    if ("done" in first) first.done();
    expect("done" in table.startCall("a", two)).toBe(true);
  });
});
