/**
 * The sandbox's cycles at work (issue 25), through the Cyclr client over real loopback HTTP: an
 * active cycle runs on its interval in compressed time, a connector whose sign-in the application
 * revoked makes its steps fail with incidents until it is signed in again, and the incidents and
 * transactions come back in Cyclr's shapes, paged and filtered as Cyclr's tests show.
 */
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CyclrClient } from "../../src/cyclr/client.js";
import { CyclrHttpError } from "../../src/cyclr/errors.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxCyclrClient, startSandboxWithClient } from "../cyclr-on-sandbox.js";

const ZENDESK_TO_SLACK = "b52e7c04-91d3-4f6a-8e2b-6a7c0d9e1f33";
const MINUTE_MS = 20;
let sandbox: Sandbox;
let cyclr: CyclrClient;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ sandbox, cyclr, close } = await startSandboxWithClient({ minuteMs: MINUTE_MS }));
});
afterAll(() => close?.());

const token = () => sandbox.issueAccessToken();
const raw = async (path: string, account: string) => {
  const response = await fetch(new URL(path, sandbox.url), { headers: { authorization: `Bearer ${token()}`, "x-cyclr-account": account } });
  return { status: response.status, body: (await response.json()) as unknown };
};

/** A Zendesk-to-Slack cycle in the account, active every minute (of compressed time), its connectors not signed in yet. */
function activeCycle(account: string) {
  const [cycle] = sandbox.installCycles(account, ZENDESK_TO_SLACK, 1, { Status: "Active", Interval: 1 });
  return { cycle: cycle!, zendesk: cycle!.steps[0]!.AccountConnectorId!, slack: cycle!.steps[1]!.AccountConnectorId! };
}

async function signIn(account: string, { zendesk, slack }: { zendesk: number; slack: number }) {
  await cyclr.setAccountConnectorAuthValue(account, zendesk, "YW5hOnpkLTAwMDE=");
  await cyclr.setAccountConnectorAuthValue(account, slack, JSON.stringify({ AccessToken: "xoxb-slack-sandbox-0001", RefreshToken: "r", Expires: "2099-01-01T00:00:00Z" }));
}

/** The cycle with its connectors signed in: set up, and running. */
async function runningCycle(account: string) {
  const active = activeCycle(account);
  await signIn(account, active);
  return active;
}

describe("an active cycle runs on its interval", () => {
  it("makes transactions and moves its last successful run on, one interval after it starts", async () => {
    const started = Date.now();
    // Checked before its connectors are signed in, when no run can succeed: a minute here is 20 ms,
    // so a busy machine may see a run as soon as they are.
    const active = activeCycle("umbrella-9001");
    const { cycle } = active;
    expect((await cyclr.getCycle("umbrella-9001", cycle.Id)).LastSuccessfulRunDate).toBe("0001-01-01T00:00:00");
    await signIn("umbrella-9001", active);
    await delay(MINUTE_MS * 4);
    const after = await cyclr.getCycle("umbrella-9001", cycle.Id);
    expect(Date.parse(after.LastSuccessfulRunDate ?? "")).toBeGreaterThan(started);
    const transactions = await raw(`/v1.0/cycles/${cycle.Id}/transactions?sortOrderAsc=false&status=Completed`, "umbrella-9001");
    expect(transactions.status).toBe(200);
    expect((transactions.body as { Status: string; CycleId: string }[])[0]).toMatchObject({ Status: "Completed", CycleId: cycle.Id });
    const account = await raw("/v1.0/cycles/transactions?pageSize=100", "umbrella-9001");
    expect((account.body as unknown[]).length).toBeGreaterThan(0);
  });

  it("a revoked sign-in makes the step fail with an incident on every run, while Cyclr calls the connector authenticated; signed in again, runs succeed", async () => {
    const { cycle, slack } = await runningCycle("umbrella-9001");
    await delay(MINUTE_MS * 3);
    sandbox.revokeSignIn("umbrella-9001", slack);
    await delay(MINUTE_MS * 2);
    const since = (await cyclr.getCycle("umbrella-9001", cycle.Id)).LastSuccessfulRunDate;
    await delay(MINUTE_MS * 4);
    expect((await cyclr.getAccountConnector("umbrella-9001", slack)).Authenticated).toBe(true);
    expect((await cyclr.getCycle("umbrella-9001", cycle.Id)).LastSuccessfulRunDate).toBe(since);
    const page = await cyclr.listCycleIncidentsPage("umbrella-9001", cycle.Id, { page: 1, pageSize: 2, newestFirst: true });
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({ CycleId: cycle.Id, IncidentLevel: "Error", StepName: "Post message", ShortMessage: "Failed to call the method", TransactionId: expect.any(String) });
    expect(page.items[0]?.FullMessage).toMatch(/^401 Unauthorized/);
    expect(Date.parse(page.items[0]!.At!)).toBeGreaterThanOrEqual(Date.parse(page.items[1]!.At!));
    expect((await cyclr.getCycle("umbrella-9001", cycle.Id)).Status).toBe("Active");

    // Signed in again (a new credential): the next run goes through.
    await cyclr.deauthenticateAccountConnector("umbrella-9001", slack);
    await cyclr.setAccountConnectorAuthValue("umbrella-9001", slack, JSON.stringify({ AccessToken: "xoxb-slack-sandbox-0002", RefreshToken: "r", Expires: "2099-01-01T00:00:00Z" }));
    await delay(MINUTE_MS * 3);
    expect(Date.parse((await cyclr.getCycle("umbrella-9001", cycle.Id)).LastSuccessfulRunDate ?? "")).toBeGreaterThan(Date.parse(since ?? ""));
  });

  it("a connector signed out fails its steps too, and the cycle's ErrorCount follows its incidents", async () => {
    const { cycle, zendesk } = await runningCycle("umbrella-9001");
    await cyclr.deauthenticateAccountConnector("umbrella-9001", zendesk);
    await delay(MINUTE_MS * 3);
    const [incident] = (await cyclr.listCycleIncidentsPage("umbrella-9001", cycle.Id, { page: 1, pageSize: 1, newestFirst: true })).items;
    expect(incident).toMatchObject({ StepName: "Get new tickets", FullMessage: expect.stringMatching(/is not authenticated/) });
    const listed = (await raw(`/v1.0/cycles/${cycle.Id}`, "umbrella-9001")).body as { ErrorCount: number };
    expect(listed.ErrorCount).toBeGreaterThan(0);
  });
});

describe("incidents, in Cyclr's shapes", () => {
  it("the account's errors and warnings across its cycles, with after and before, paged; oldest first unless sortOrderAsc=false", async () => {
    const errors = await raw("/v1.0/cycles/incidents/error?pageSize=100&sortOrderAsc=true&after=2020-01-01", "initech-0042");
    const items = errors.body as { CycleId: string; CycleName: string; IncidentLevel: string; ShortMessage: string; FullMessage: string; StepId: string; StepName: string; TransactionId: string; CreatedOnUtc: string }[];
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item).toMatchObject({ CycleName: "Pipedrive won deals to Xero invoices", IncidentLevel: "Error" });
      for (const field of ["CycleId", "ShortMessage", "FullMessage", "StepId", "StepName", "TransactionId"] as const) expect(item[field], field).not.toBe("");
    }
    expect(items.map((i) => i.CreatedOnUtc)).toEqual([...items.map((i) => i.CreatedOnUtc)].sort());
    const warnings = (await raw("/v1.0/cycles/incidents/warning?after=01/01/2022", "initech-0042")).body as { IncidentLevel: string }[];
    expect(warnings.map((w) => w.IncidentLevel)).toEqual(["Warning"]);
    expect((await raw("/v1.0/cycles/incidents/error?before=01/02/2021", "initech-0042")).body).toEqual([]);
    // Another account's incidents are not this one's.
    const acme = (await raw("/v1.0/cycles/incidents/error?pageSize=100", "acme-corp-4821")).body as { CycleName: string }[];
    expect(acme.every((i) => i.CycleName === "Salesforce contacts to Mailchimp")).toBe(true);
  });

  it("ten thousand incidents of one cycle are served a page at a time", async () => {
    const [cycle] = sandbox.installCycles("sg-paris-33", ZENDESK_TO_SLACK, 1);
    sandbox.addIncidents("sg-paris-33", cycle!.Id, { ShortMessage: "Failed to call the method", FullMessage: "500 Internal Server Error" }, 10_000);
    const last = await cyclr.listCycleIncidentsPage("sg-paris-33", cycle!.Id, { page: 100, pageSize: 100, newestFirst: true });
    expect(last.items).toHaveLength(100);
    expect((await cyclr.listCycleIncidentsPage("sg-paris-33", cycle!.Id, { page: 101, pageSize: 100, newestFirst: true })).items).toEqual([]);
  });

  it("an unknown cycle is a 404; a malformed id a 400", async () => {
    const unknown = await cyclr.listCycleIncidentsPage("initech-0042", "11111111-c5ff-4352-8985-53b68704636e", { page: 1, pageSize: 100, newestFirst: false }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(CyclrHttpError);
    expect((unknown as CyclrHttpError).status).toBe(404);
    expect((await raw("/v1.0/cycles/not-a-guid/incidents", "initech-0042")).status).toBe(400);
  });
});

describe("reading incidents from a Cyclr that caps pageSize", () => {
  it("counts and filters past the first page, however short Cyclr makes it", async () => {
    const { readActivity } = await import("../../src/mcp/shared/cycle-activity.js");
    const { tallyRecentErrors, recentSince } = await import("../../src/mcp/shared/cycle-health.js");
    const capped = await startSandbox({ minuteMs: 60_000, maxPageSize: 30 });
    const made = sandboxCyclrClient(capped);
    try {
      const [cycle] = capped.installCycles("umbrella-9001", ZENDESK_TO_SLACK, 1);
      capped.addIncidents("umbrella-9001", cycle!.Id, { IncidentLevel: "Warning", ShortMessage: "429" }, 5);
      capped.addIncidents("umbrella-9001", cycle!.Id, { ShortMessage: "Failed to call the method" }, 100);
      const deps = { cyclr: made.client };
      const tally = await tallyRecentErrors(deps, "umbrella-9001", recentSince(), {});
      expect(tally?.tallies.get(cycle!.Id.toLowerCase())?.count).toBe(100);
      const warnings = await readActivity(deps, "umbrella-9001", { cycleId: cycle!.Id, level: "warning", page: 1, pageSize: 20, full: false }, {});
      expect(warnings.incidents.map((i) => i.message)).toEqual(["429", "429", "429", "429", "429"]);
    } finally {
      await made.close();
      await capped.close();
    }
  });
});
