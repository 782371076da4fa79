/**
 * Waits for the person, against the sandbox over loopback HTTP: concurrent waits on one account
 * connector share one poll of Cyclr; one waiter's cancellation leaves the others waiting; all see
 * the person finish; the poll stops when the last waiter leaves.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CyclrClient } from "../../src/cyclr/client.js";
import { AccountConnectorPolls, waitForAuthentication, type WaitOutcome } from "../../src/mcp/shared/authentication-wait.js";
import { buildOAuthLink } from "../../src/setup/auth-values.js";
import { approveOAuthLink, type Sandbox } from "../../src/sandbox/index.js";
import { startSandboxWithClient } from "../cyclr-on-sandbox.js";

const XERO = 1007;
let sandbox: Sandbox;
let cyclr: CyclrClient;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ sandbox, cyclr, close } = await startSandboxWithClient());
});
afterAll(() => close?.());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function oauthConnector(): Promise<{ id: number; url: string }> {
  const { Id } = await cyclr.installConnector(sandbox.accountId, XERO, { Name: `Xero ${randomUUID()}` });
  const { Token } = await cyclr.createSignInToken(sandbox.accountId, "tests");
  const url = buildOAuthLink({ serviceDomain: sandbox.serviceDomainUrl, accountConnectorId: Id, signInToken: Token, targetOrigin: sandbox.serviceDomainUrl });
  return { id: Id, url };
}

describe("concurrent waits on one account connector", () => {
  it("50 waits share one poll; cancelling one leaves the others waiting; all finish done when the person does", async () => {
    const { id, url } = await oauthConnector();
    const polls = new AccountConnectorPolls(cyclr);
    const path = `/v1.0/account/connectors/${id}`;
    const looks = (mark: number) => sandbox.requests.slice(mark).filter((r) => r.method === "GET" && r.path === path).length;
    const mark = sandbox.requests.length;

    const waiters = Array.from({ length: 50 }, () => {
      const controller = new AbortController();
      const waiter = { controller, polled: 0, settled: undefined as WaitOutcome | "failed" | undefined, result: undefined as Promise<unknown> | undefined };
      waiter.result = waitForAuthentication(polls, sandbox.accountId, id, {
        timeoutMs: 60_000,
        signal: controller.signal,
        waitingFor: "create_oauth_link",
        onPoll: async () => {
          waiter.polled += 1;
        },
      }).then(
        ({ outcome }) => (waiter.settled = outcome),
        () => (waiter.settled = "failed"),
      );
      return waiter;
    });

    await sleep(3_000);
    // Alone, each wait would have looked 3 times by now (at 0, 1 and 2.5 s): 150 requests.
    expect(looks(mark)).toBeLessThan(10);
    expect(polls.active).toBe(1);
    // Every waiter got its own views (progress per waiter).
    expect(waiters.every((w) => w.polled >= 2)).toBe(true);

    const [cancelled, ...others] = waiters;
    cancelled?.controller.abort();
    await cancelled?.result;
    expect(cancelled?.settled).toBe("failed");
    const afterCancel = looks(mark);
    await sleep(2_500);
    expect(others.every((w) => w.settled === undefined)).toBe(true);
    // The poll goes on for the others.
    expect(looks(mark)).toBeGreaterThan(afterCancel);

    expect((await approveOAuthLink(url, "approve")).status).toBeLessThan(400);
    await Promise.all(others.map((w) => w.result));
    expect(others.every((w) => w.settled === "done")).toBe(true);

    // The last waiter gone, the poll stops.
    expect(polls.active).toBe(0);
    const afterDone = looks(mark);
    await sleep(1_500);
    expect(looks(mark)).toBe(afterDone);
  }, 20_000);

  it("a waiter joining a running poll gets a view at once, and keeps its own timeout", async () => {
    const { id } = await oauthConnector();
    const polls = new AccountConnectorPolls(cyclr);
    const long = new AbortController();
    const first = waitForAuthentication(polls, sandbox.accountId, id, { timeoutMs: 60_000, signal: long.signal, waitingFor: "create_oauth_link" });
    await sleep(200);
    const mark = sandbox.requests.length;
    // Joins a poll whose latest view is fresh: no new look needed for its first answer.
    const short = await waitForAuthentication(polls, sandbox.accountId, id, { timeoutMs: 1, signal: new AbortController().signal, waitingFor: "create_oauth_link" });
    expect(short.outcome).toBe("timed_out");
    expect(short.view.setup.state).toBe("needs_authentication");
    expect(sandbox.requests.slice(mark).filter((r) => r.path === `/v1.0/account/connectors/${id}`)).toHaveLength(0);
    long.abort();
    await expect(first).rejects.toBeDefined();
    expect(polls.active).toBe(0);
  });

  it("a failed look fails the waits with the Cyclr error, as before", async () => {
    const polls = new AccountConnectorPolls(cyclr);
    const signal = new AbortController().signal;
    const results = await Promise.allSettled([1, 2, 3].map(() => waitForAuthentication(polls, sandbox.accountId, 999_999, { timeoutMs: 5_000, signal })));
    expect(results.every((r) => r.status === "rejected" && /Cyclr answered 404/.test(String(r.reason)))).toBe(true);
    expect(polls.active).toBe(0);
  });
});
