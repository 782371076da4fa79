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


  it("redacts secret-named fields only when asked (logs), and values always", () => {
    const input = { AuthValue: "x1", nested: [{ password: "p", note: "s3cr3t+key/=" }], Name: "n" };
    expect(redactor.value(input, { byKey: true })).toEqual({ AuthValue: REDACTED, nested: [{ password: REDACTED, note: REDACTED }], Name: "n" });
    expect(redactor.value(input)).toEqual({ AuthValue: "x1", nested: [{ password: "p", note: REDACTED }], Name: "n" });
  });
});

describe("Redactor.register", () => {
  it("hides secrets learnt while running, from then on", () => {
    const redactor = new Redactor(["client-secret-1"]);
    expect(redactor.text("pasted-key-99")).toBe("pasted-key-99");
    redactor.register("pasted-key-99", "ab");
    expect(redactor.text("a pasted-key-99 b client-secret-1")).toBe(`a ${REDACTED} b ${REDACTED}`);
  });
});

describe("Redactor reveal", () => {
  it("lets a link meant for the person through whole, and nothing else", () => {
    const redactor = new Redactor(["tok-123456"]);
    const url = "http://127.0.0.1:9/credentials/tok-123456";
    expect(redactor.text(`open ${url} (tok-123456)`, { reveal: [url] })).toBe(`open ${url} (${REDACTED})`);
    expect(redactor.value({ url, note: "tok-123456" }, { reveal: [url] })).toEqual({ url, note: REDACTED });
  });

});
