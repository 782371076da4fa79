import { describe, expect, it } from "vitest";
import { REDACTED, Redactor, SecretHash } from "../../src/redact.js";

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

describe("Redactor scopes", () => {
  it("a scope hides what is above it and its own, and what it learns stays in it", () => {
    const process = new Redactor(["operator-secret-1"]);
    const alice = process.scope();
    const bob = process.scope();
    alice.register("needs_authentication");
    expect(alice.text("needs_authentication operator-secret-1")).toBe(`${REDACTED} ${REDACTED}`);
    expect(bob.text("needs_authentication operator-secret-1")).toBe(`needs_authentication ${REDACTED}`);
    expect(process.text("needs_authentication")).toBe("needs_authentication");
  });

  it("is bounded: 17,000 registrations keep a scope at its limit and leave other scopes as they were", () => {
    const process = new Redactor(["operator-secret-1"]);
    const busy = process.scope({ limit: 64 });
    const quiet = process.scope();
    for (let i = 0; i < 17_000; i++) busy.register(`registered-secret-${i}`);
    expect(busy.size).toBe(64);
    expect(busy.text("registered-secret-16999")).toBe(REDACTED);
    expect(busy.text("operator-secret-1")).toBe(REDACTED);
    expect(quiet.size).toBe(0);
    expect(quiet.text("registered-secret-16999 operator-secret-1")).toBe(`registered-secret-16999 ${REDACTED}`);
  });
});

describe("encodings an upstream message may quote a secret in", () => {
  const secret = 'k3y+/&<"é>=0001';
  const redactor = new Redactor([secret]);
  const forms = {
    base64: Buffer.from(secret).toString("base64"),
    "base64 without padding": Buffer.from(secret).toString("base64").replace(/=+$/, ""),
    base64url: Buffer.from(secret).toString("base64url"),
    "inside a longer base64 text": Buffer.from(`user:${secret}`).toString("base64"),
    "URL-encoded": encodeURIComponent(secret),
    "URL-encoded, lower-case": encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    "form-encoded": new URLSearchParams({ k: secret }).toString().slice(2),
    "JSON-escaped": JSON.stringify(secret).slice(1, -1),
    "HTML-escaped": secret.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"),
  };
  for (const [name, form] of Object.entries(forms)) {
    it(`finds it ${name}`, () => {
      expect(form).not.toBe(secret);
      expect(redactor.text(`Cyclr says: ${form}.`)).not.toContain(form);
    });
  }
});

describe("secrets known by their keyed hashes (typed on another replica's page)", () => {
  const hash = SecretHash.derivedFrom("partner-client-secret");
  const hashed = (secret: string) => ({ hash, forms: hash.forms(secret) });

  it("hides the secret wherever it stands apart, in the forms it may be quoted in", () => {
    const secret = 'p@ss w0rd/+"é';
    const redactor = new Redactor().scope();
    redactor.register(hashed(secret));
    const quoted = [
      `Key ${secret} rejected`,
      `Key "${JSON.stringify(secret).slice(1, -1)}" rejected`,
      `?key=${encodeURIComponent(secret)}&next=1`,
      `form: k=${new URLSearchParams({ k: secret }).toString().slice(2)}`,
      `<p>${secret.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}</p>`,
      `base64 ${Buffer.from(secret).toString("base64")}.`,
    ];
    for (const text of quoted) {
      const out = redactor.text(text);
      expect(out, text).toContain(REDACTED);
      expect(out, text).not.toContain("w0rd");
    }
    expect(redactor.text(`(${secret}).`)).toBe(`(${REDACTED}).`);
  });

  it("finds it only standing apart, and only under the same key (its limits)", () => {
    const redactor = new Redactor().scope();
    redactor.register(hashed("abc123secret"));
    expect(redactor.text("xabc123secretx")).toBe("xabc123secretx");
    const other = new Redactor().scope();
    other.register({ hash: SecretHash.derivedFrom("another-partner"), forms: hash.forms("abc123secret") });
    expect(other.text("key abc123secret")).toBe("key abc123secret");
  });

  it("stays in its scope, and counts toward the scope's bound", () => {
    const process = new Redactor();
    const owner = process.scope({ limit: 2 });
    const sibling = process.scope();
    owner.register(hashed("first-secret-1"), hashed("second-secret-2"), "plain-secret-3");
    expect(owner.size).toBe(2);
    expect(owner.text("first-secret-1 second-secret-2 plain-secret-3")).toBe(`first-secret-1 ${REDACTED} ${REDACTED}`);
    expect(owner.scope().text("second-secret-2")).toBe(REDACTED);
    expect(sibling.text("second-secret-2")).toBe("second-secret-2");
  });

  it("its forms hold no secret", () => {
    expect(JSON.stringify(hash.forms("abc123secret"))).not.toContain("abc123secret");
  });
});
