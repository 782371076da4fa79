/**
 * The browser step of an account connector, on the memory store with a clock the test moves: a
 * link's use ends its own step only, an expired link's step is over, and a step over is still known
 * for a while (so a wait does not wait for no one).
 */
import { describe, expect, it } from "vitest";
import { BrowserSteps } from "../../src/mcp/shared/authentication-wait.js";
import { MemoryStore } from "../../src/store/memory.js";

const TEN_MINUTES = 10 * 60_000;

function fixture() {
  let clock = 1_000_000;
  const store = new MemoryStore(() => clock);
  return { steps: new BrowserSteps(store, () => clock), store, advance: (ms: number) => (clock += ms), at: (ms: number) => new Date(clock + ms) };
}

describe("BrowserSteps", () => {
  it("a link in use is the person's step until it is used", async () => {
    const { steps, at } = fixture();
    await steps.record("acme", 7, "create_credential_link", at(TEN_MINUTES), "link-1");
    expect(await steps.pending("acme", 7)).toBe("create_credential_link");
    await steps.end("acme", 7, "link-1");
    expect(await steps.pending("acme", 7)).toBeUndefined();
    expect(await steps.step("acme", 7)).toEqual({ tool: "create_credential_link", over: true });
  });

  it("the use of an older link does not end the step of a link given out since", async () => {
    const { steps, at } = fixture();
    await steps.record("acme", 7, "create_credential_link", at(TEN_MINUTES), "link-1");
    await steps.record("acme", 7, "create_oauth_link", at(TEN_MINUTES / 2), "link-2");
    await steps.end("acme", 7, "link-1");
    expect(await steps.pending("acme", 7)).toBe("create_oauth_link");
  });

  it("a new link after one was used is the person's step again", async () => {
    const { steps, at } = fixture();
    await steps.record("acme", 7, "create_credential_link", at(TEN_MINUTES), "link-1");
    await steps.end("acme", 7, "link-1");
    await steps.record("acme", 7, "create_credential_link", at(TEN_MINUTES), "link-2");
    expect(await steps.pending("acme", 7)).toBe("create_credential_link");
  });

  it("a look that saw it done ends the step whatever the link", async () => {
    const { steps, at } = fixture();
    await steps.record("acme", 7, "create_oauth_link", at(TEN_MINUTES), "link-1");
    await steps.end("acme", 7);
    expect(await steps.step("acme", 7)).toEqual({ tool: "create_oauth_link", over: true });
  });

  it("an expired link's step is over, known as such for a while, then forgotten", async () => {
    const { steps, at, advance } = fixture();
    await steps.record("acme", 7, "create_credential_link", at(TEN_MINUTES), "link-1");
    advance(TEN_MINUTES);
    expect(await steps.pending("acme", 7)).toBeUndefined();
    expect(await steps.step("acme", 7)).toEqual({ tool: "create_credential_link", over: true });
    advance(60 * 60_000);
    expect(await steps.step("acme", 7)).toBeUndefined();
  });

  it("each account connector has its own step", async () => {
    const { steps, at } = fixture();
    await steps.record("acme", 7, "create_credential_link", at(TEN_MINUTES), "link-1");
    await steps.record("acme", 8, "create_credential_link", at(TEN_MINUTES), "link-2");
    await steps.end("acme", 7, "link-1");
    expect(await steps.pending("acme", 8)).toBe("create_credential_link");
    expect(await steps.pending("initech", 7)).toBeUndefined();
  });
});
