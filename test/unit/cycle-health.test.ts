import { describe, expect, it } from "vitest";
import { cycleHealth, cyclesSummary, incidentAction, needingAttention, retryNote, runTime, type CycleHealthFacts } from "../../src/setup/cycle-health.js";
import { attentionSummary } from "../../src/setup/attention.js";
import { parseSince } from "../../src/mcp/tools/get-cycle-activity.js";
import { upstreamText } from "../../src/mcp/shared/cycle-health.js";

const NOW = Date.parse("2026-03-02T12:00:00Z");
const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000).toISOString();
const base: CycleHealthFacts = { accountId: "a-1", cycleId: "c-1", name: "Contacts sync", status: "Active", lastRun: hoursAgo(1), connectors: [{ name: "Salesforce", signedIn: true }], recentErrors: 0 };

describe("what an incident asks of a person", () => {
  it.each([
    ["Failed to call the method", '401 Unauthorized\r\n[{"errorCode":"INVALID_SESSION_ID"}]', "reconnect"],
    ["Token has expired", undefined, "reconnect"],
    ["Failed to call the method", '{"error":"invalid_grant","error_description":"refresh token revoked"}', "reconnect"],
    ["Account connector 'Xero' is not authenticated.", undefined, "reconnect"],
    ["Call blocked", "429 Too Many Requests", "wait"],
    ["Failed to call the method", '400 Bad Request {"message":"Field \'Email\' is required"}', "set_value"],
    ["Failed to call the method", "500 Internal Server Error", "partner"],
    [undefined, undefined, "partner"],
  ])("%s / %s: %s", (short, full, expected) => {
    expect(incidentAction(short, full)).toBe(expected);
  });

  it("says there is no API call to retry, and what happens instead", () => {
    expect(retryNote("Retry")).toMatch(/no call to retry.*Retry After a Wait: Cyclr retries a failed call by itself/);
    expect(retryNote("Ignore")).toMatch(/no call to retry.*the next run picks up new data.*transaction id to the partner/);
  });
});

describe("a cycle's health", () => {
  it("runs, no errors: healthy, no attention", () => {
    expect(cycleHealth(base)).toMatchObject({ state: "healthy", attention: false });
  });

  it("errors since its last successful run: failing, to its activity", () => {
    const health = cycleHealth({ ...base, lastRun: hoursAgo(26), recentErrors: 7, latestError: { at: hoursAgo(1), step: "Get updated contacts", message: "401 Unauthorized", action: "reconnect" } });
    expect(health).toMatchObject({ state: "failing", attention: true, urgency: 1, nextStep: { tool: "get_cycle_activity", arguments: { cycleId: "c-1", accountId: "a-1", level: "error" } } });
    expect(health.why).toBe('failing: 7 errors in the last 7 days at step "Get updated contacts", last: "401 Unauthorized"');
  });

  it("errors, but a run went through since: some errors, less urgent", () => {
    expect(cycleHealth({ ...base, recentErrors: 2, latestError: { at: hoursAgo(5), action: "partner" } })).toMatchObject({ state: "some_errors", urgency: 2 });
  });

  it("a connector Cyclr calls not signed in stops it first", () => {
    const health = cycleHealth({ ...base, connectors: [{ name: "Salesforce", signedIn: false }, { name: "MailChimp", signedIn: true }], recentErrors: 3 });
    expect(health).toMatchObject({ state: "not_signed_in", urgency: 0, nextStep: { tool: "get_cycle" } });
    expect(health.why).toBe("Salesforce is not signed in, so its steps fail");
  });

  it("paused after errors: stopped; paused and lacking something: not set up; paused on purpose: no attention", () => {
    expect(cycleHealth({ ...base, status: "Paused", recentErrors: 3, latestError: { at: hoursAgo(2), action: "reconnect" } })).toMatchObject({ state: "stopped", attention: true, urgency: 1 });
    expect(cycleHealth({ ...base, status: "Paused", lastRun: "0001-01-01T00:00:00", connectors: [{ name: "Xero", signedIn: false }] })).toMatchObject({ state: "not_set_up", attention: true });
    expect(cycleHealth({ ...base, status: "Paused", lastRun: "0001-01-01T00:00:00", prerequisitesMissing: true })).toMatchObject({ state: "not_set_up", why: "paused: it still needs values before it can run" });
    expect(cycleHealth({ ...base, status: "Paused" })).toMatchObject({ state: "paused", attention: false });
  });

  it("counts that hit the reading's bound say 'at least'", () => {
    expect(cycleHealth({ ...base, recentErrors: 2000, recentErrorsCapped: true, lastRun: undefined }).why).toMatch(/^failing: at least 2000 errors/);
  });

  it("sorts the cycles most urgent first and words the account's line", () => {
    const cycles = [
      { cycleId: "c-3", name: "B", health: cycleHealth({ ...base, cycleId: "c-3", recentErrors: 1, latestError: { at: hoursAgo(5), action: "partner" } }) },
      { cycleId: "c-1", name: "Z", health: cycleHealth(base) },
      { cycleId: "c-2", name: "A", health: cycleHealth({ ...base, cycleId: "c-2", connectors: [{ name: "Slack", signedIn: false }] }) },
    ];
    const needing = needingAttention(cycles);
    expect(needing.map((c) => c.cycleId)).toEqual(["c-2", "c-3"]);
    expect(cyclesSummary(3, needing)).toMatch(/^2 of 3 integrations need attention: A \(Slack is not signed in, so its steps fail\); B \(runs, but some failed/);
    expect(cyclesSummary(3, [])).toBe("All 3 integrations look fine.");
    expect(cyclesSummary(0, [])).toBe("This account has no integrations (cycles).");
    expect(cyclesSummary(1, [], true)).toMatch(/recent errors could not be read/);
  });

  it("reads Cyclr's times: 'never' is no run, a time without a zone is UTC", () => {
    expect(runTime("0001-01-01T00:00:00")).toBeUndefined();
    expect(runTime("2026-03-02T09:00:00")).toBe(Date.parse("2026-03-02T09:00:00Z"));
    expect(runTime(undefined)).toBeUndefined();
  });
});

describe("a connector's attention line counts the integrations it stops", () => {
  it("Salesforce is not signed in: 2 integrations stopped", () => {
    expect(attentionSummary(3, [{ name: "Salesforce", why: "is not authenticated", stops: [{}, {}] }, { name: "HubSpot", why: "lacks PortalId" }])).toBe(
      "2 of 3 connectors need attention: Salesforce is not authenticated: 2 integrations stopped; HubSpot lacks PortalId.",
    );
  });
});

describe("since and upstream text", () => {
  it("takes a date, a date and time, today, or a time back from now", () => {
    expect(parseSince("2026-03-01", NOW)).toBe(Date.parse("2026-03-01T00:00:00Z"));
    expect(parseSince("2026-03-01T10:00:00", NOW)).toBe(Date.parse("2026-03-01T10:00:00Z"));
    expect(parseSince("today", NOW)).toBe(Date.parse("2026-03-02T00:00:00Z"));
    expect(parseSince("24h", NOW)).toBe(NOW - 86_400_000);
    expect(parseSince("7d", NOW)).toBe(NOW - 7 * 86_400_000);
    expect(() => parseSince("last tuesday", NOW)).toThrow(/is not a date/);
  });

  it("cuts and redacts what an application said, before anything else sees it", () => {
    const long = `Authorization: Bearer abcdefghijklmnop\n${"x".repeat(5000)}`;
    const short = upstreamText(long, 200)!;
    expect(short.length).toBeLessThanOrEqual(200);
    expect(short).not.toContain("abcdefghijklmnop");
    expect(short.endsWith("…")).toBe(true);
    expect(upstreamText("  two\n\nlines  ", 200)).toBe("two lines");
  });
});
