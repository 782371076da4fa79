/** What the setup card shows of an integration, from the server's own results (the card's pure module, run in Node). */
import { describe, expect, it } from "vitest";
import { cycleCardView, cycleSupportDetails, cycleWaits, mergeCycles, readAccountActivity, readCycle, readCycleList, timeWords } from "../../src/apps/cycle-view.js";
import { computeCycleSetup, type CycleFacts } from "../../src/setup/cycle-setup.js";
import { WAIT_SECONDS } from "../../src/setup/setup-state.js";

const facts = (overrides: Partial<CycleFacts> = {}): CycleFacts => ({
  accountId: "acme",
  cycleId: "c-1",
  name: "Contacts to Mailchimp",
  status: "Paused",
  connectors: [
    { accountConnectorId: 1, name: "Salesforce", ready: true },
    { accountConnectorId: 2, name: "MailChimp", ready: true },
  ],
  values: [],
  blockers: [],
  webhooks: [],
  hasPrerequisites: false,
  ...overrides,
});
/** As get_cycle gives it. */
const result = (overrides: Partial<CycleFacts> = {}, extra: Record<string, unknown> = {}) => {
  const f = facts(overrides);
  return { accountId: f.accountId, cycleId: f.cycleId, name: f.name, status: f.status, setup: computeCycleSetup(f), ...extra };
};

describe("the setup card's integration", () => {
  it("reads the cycle tools' results, and not an account connector's (a link tool's, carrying the cycle)", () => {
    expect(readCycle(result())).toMatchObject({ cycleId: "c-1", name: "Contacts to Mailchimp", setup: { state: "ready_to_activate" } });
    expect(readCycle({ accountId: "acme", cycleId: "c-1", accountConnectorId: 1, setup: { state: "needs_authentication" } })).toBeUndefined();
    expect(readCycle({ accountId: "acme", accountConnectorId: 1 })).toBeUndefined();
    expect(readCycle({ accountId: "acme", cycleId: "c-1", setup: { state: "weird" } })).toBeUndefined();
  });

  it("ticks each connector as it is signed in, then the values, then running", () => {
    const oauthStep = { tool: "create_oauth_link", arguments: { accountConnectorId: 1, accountId: "acme", cycleId: "c-1" }, instruction: "Sign in." };
    const first = readCycle({
      ...result(),
      setup: { state: "needs_connectors", connectors: [{ accountConnectorId: 1, name: "Salesforce", ready: false }, { accountConnectorId: 2, name: "MailChimp", ready: false }], values: [{ name: "List", step: "Add" }], nextStep: oauthStep },
    })!;
    const view = cycleCardView(first);
    expect(view.steps.map((s) => `${s.label}:${s.status}`)).toEqual(["Salesforce:current", "MailChimp:todo", "Values:todo", "Running:todo"]);
    expect(view.primary).toEqual({ kind: "oauth_link", label: "Sign in to Salesforce", tool: "create_oauth_link", args: oauthStep.arguments });

    const waiting = readCycle({ ...result(), setup: { ...first.setup, nextStep: { tool: "get_cycle", arguments: { cycleId: "c-1", accountId: "acme", waitForActivation: WAIT_SECONDS }, instruction: "Wait." } } })!;
    expect(cycleWaits(waiting)).toBe(true);
    expect(cycleCardView(waiting)).toMatchObject({ primary: { kind: "wait" }, status: expect.stringMatching(/^Waiting for you to finish with Salesforce in your browser/) });

    const values = mergeCycles(first, readCycle(result({ values: [{ stepId: "s", stepName: "Add", kind: "parameter", id: "9", name: "List", visible: true, lookup: true }] }))!);
    expect(cycleCardView(values).steps.map((s) => `${s.label}:${s.status}`)).toEqual(["Salesforce:done", "MailChimp:done", "Values:current", "Running:todo"]);
    expect(cycleCardView(values).status).toBe("The assistant asks you for List.");

    // The values are set: their step stays, ticked; running is next, then done.
    const ready = mergeCycles(values, readCycle(result())!);
    expect(cycleCardView(ready).steps.map((s) => `${s.label}:${s.status}`)).toEqual(["Salesforce:done", "MailChimp:done", "Values:done", "Running:current"]);
    const running = mergeCycles(ready, readCycle(result({ status: "Active" }))!);
    expect(cycleCardView(running)).toMatchObject({ status: "Running.", primary: { kind: "none" } });
    expect(cycleCardView(running).steps.at(-1)).toMatchObject({ label: "Running", status: "done" });
    expect(cycleWaits(running)).toBe(false);
  });

  it("shows its health: status, last run, recent problems and what to do, as words; what only the partner can fix", () => {
    const activity = {
      accountId: "acme",
      cycleId: "c-1",
      name: "Contacts to Mailchimp",
      status: "Active",
      lastRun: "2026-03-01T09:15:00.000Z",
      health: "failing",
      why: 'failing: 7 errors in the last 7 days at step "Get contacts"',
      incidents: [
        { at: "2026-03-02T08:00:00Z", level: "Error", step: "Get contacts", message: "<b>401</b> Unauthorized", action: "reconnect" },
        { at: "2026-03-02T07:00:00Z", level: "Error", step: "Get contacts", message: "401", action: "reconnect" },
        { level: "Warning", message: "429", action: "wait" },
        { level: "Error", message: "older", action: "partner" },
      ],
    };
    const seen = readCycle(activity)!;
    const view = cycleCardView(seen);
    expect(view.health).toEqual({
      line: "Active · last successful run 2026-03-01 09:15 UTC · it fails",
      tone: "bad",
      problems: [
        { text: "Get contacts: <b>401</b> Unauthorized", detail: "2026-03-02 08:00 UTC · Its connector needs signing in again" },
        { text: "Get contacts: 401", detail: "2026-03-02 07:00 UTC · Its connector needs signing in again" },
        { text: "429", detail: "Cyclr retries by itself" },
      ],
    });
    // Without problems to list, the server's words say why.
    expect(cycleCardView({ ...seen, health: { ...seen.health!, recent: [] } }).health?.line).toBe('Active · last successful run 2026-03-01 09:15 UTC · Failing: 7 errors in the last 7 days at step "Get contacts"');
    // The health stays when a later result (get_cycle) carries the setup only.
    const later = mergeCycles(seen, readCycle(result({ status: "Active" }))!);
    expect(cycleCardView(later)).toMatchObject({ status: "Running, but it fails: see below.", health: { tone: "bad" } });
    expect(cycleSupportDetails(later)).toEqual([
      { label: "Account ID", value: "acme" },
      { label: "Cycle ID", value: "c-1" },
      { label: "Setup state", value: "active" },
      { label: "Health", value: "failing" },
    ]);
    const partner = readCycle(result({ values: [{ stepId: "s", kind: "field", id: "3", name: "Tax Type", visible: false, lookup: false }] }))!;
    expect(cycleCardView(partner).status).toMatch(/^Nothing is left for you to set\. Waiting on the partner for: .*Tax Type/);
  });

  it("reads list_cycles and the account's activity", () => {
    expect(readCycleList({ accountId: "acme", summary: "1 of 2 need attention", cycles: [{ cycleId: "c-1", name: "A", status: "Active", health: "failing", why: "failing" }, { bad: true }] })).toEqual({
      rows: [{ accountId: "acme", cycleId: "c-1", name: "A", status: "Active", health: "failing", why: "failing" }],
      summary: "1 of 2 need attention",
    });
    expect(readAccountActivity({ accountId: "acme", incidents: [{ level: "Error", cycle: "A", message: "x", action: "partner" }] })).toEqual({ accountId: "acme", incidents: [{ level: "Error", cycle: "A", message: "x", action: "partner" }] });
    expect(readAccountActivity({ accountId: "acme", cycleId: "c-1", incidents: [] })).toBeUndefined();
  });

  it("writes times the same for everyone", () => {
    expect(timeWords("2026-03-02T09:15:42.123Z")).toBe("2026-03-02 09:15 UTC");
    expect(timeWords("not a time")).toBeUndefined();
  });
});
