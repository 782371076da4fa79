import { describe, expect, it } from "vitest";
import { checkTargetOrigin } from "../../src/setup/target-origin.js";

const ALLOWED = ["https://acme-h.cyclr.com", "https://app.example.com", "http://127.0.0.1:5173"];

describe("checkTargetOrigin", () => {
  it("accepts an allowed origin, kept an origin", () => {
    expect(checkTargetOrigin("https://app.example.com", ALLOWED)).toEqual({ allowed: true, targetOrigin: "https://app.example.com" });
    expect(checkTargetOrigin("https://APP.example.com:443", ALLOWED)).toEqual({ allowed: true, targetOrigin: "https://app.example.com" });
    expect(checkTargetOrigin("http://127.0.0.1:5173", ALLOWED)).toEqual({ allowed: true, targetOrigin: "http://127.0.0.1:5173" });
  });

  it("accepts a URL to redirect to whose origin is allowed, kept whole", () => {
    expect(checkTargetOrigin("https://app.example.com/connected?from=cyclr", ALLOWED)).toEqual({
      allowed: true,
      targetOrigin: "https://app.example.com/connected?from=cyclr",
    });
  });

  it.each([
    ["https://evil.example/phish", /origin https:\/\/evil\.example, which is not an allowed one/],
    ["https://app.example.com.evil.example", /not an allowed one/],
    ["https://app.example.com:8443", /not an allowed one/],
    ["*", /"\*" is refused/],
    ["javascript:alert(document.cookie)", /https URL or origin, not javascript:/],
    ["data:text/html,hi", /not data:/],
    ["http://evil.example", /must use https \(plain http only for loopback hosts\)/],
    ["http://app.example.com", /must use https/],
    ["https://user:pw@app.example.com", /user name or password/],
    ["app.example.com", /not a URL or an origin with a scheme/],
  ])("refuses %s", (targetOrigin, reason) => {
    const check = checkTargetOrigin(targetOrigin, ALLOWED);
    expect(check.allowed).toBe(false);
    expect(check.allowed ? "" : check.reason).toMatch(reason);
  });

  it("refuses everything when nothing is allowed", () => {
    expect(checkTargetOrigin("https://app.example.com", []).allowed).toBe(false);
  });
});
