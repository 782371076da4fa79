import { describe, expect, it } from "vitest";
import { REDACTED, Redactor } from "../../src/redact.js";

describe("Redactor", () => {
  const redactor = new Redactor(["s3cr3t+key/=", undefined, "abc"]);

  it("replaces secrets in text, also URL- and JSON-encoded", () => {
    expect(redactor.text("key s3cr3t+key/= here")).toBe(`key ${REDACTED} here`);
    expect(redactor.text(`?token=${encodeURIComponent("s3cr3t+key/=")}`)).toBe(`?token=${REDACTED}`);
  });

  it("ignores very short values that would shred ordinary text", () => {
    expect(redactor.text("abc")).toBe("abc");
  });

  it("adds per-call secrets without changing the original", () => {
    const call = redactor.with(["hunter22"]);
    expect(call.text("hunter22 s3cr3t+key/=")).toBe(`${REDACTED} ${REDACTED}`);
    expect(redactor.text("hunter22")).toBe("hunter22");
  });

  it("redacts secret-named fields only when asked (logs), and values always", () => {
    const input = { AuthValue: "x1", nested: [{ password: "p", note: "s3cr3t+key/=" }], Name: "n" };
    expect(redactor.value(input, { byKey: true })).toEqual({ AuthValue: REDACTED, nested: [{ password: REDACTED, note: REDACTED }], Name: "n" });
    expect(redactor.value(input)).toEqual({ AuthValue: "x1", nested: [{ password: "p", note: REDACTED }], Name: "n" });
  });
});
