/**
 * The one redaction mechanism. Secrets are removed two ways:
 * - by value: every string registered as a secret is replaced wherever it appears in text;
 * - by key: object fields whose names denote a secret are replaced whatever their value.
 * Encoded forms that travel on the wire (URL-encoding, Basic base64) are registered too,
 * so a secret echoed back in a URL or an upstream message is still caught.
 */
export const REDACTED = "[redacted]";

const SECRET_KEY =
  /^(authvalue|password|passwd|secret|client_?secret|access_?token|refresh_?token|token|api_?key|authorization|bearer)$/i;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Secrets shorter than this are not matched by value: they would shred ordinary text. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined> = []) {
    const all = new Set<string>();
    for (const secret of secrets) {
      if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
      all.add(secret);
      all.add(encodeURIComponent(secret));
      all.add(JSON.stringify(secret).slice(1, -1));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...all].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  }

  /** A redactor that also knows these secrets (for one call's arguments, say). */
  with(secrets: Iterable<string | undefined>): Redactor {
    return new Redactor([...this.secrets, ...secrets]);
  }

  text(input: string): string {
    let out = input;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /**
   * A deep copy with known secret values replaced; with `byKey`, secret-named fields too (for logs,
   * where a field called "password" is never wanted, unlike a tool result's argument templates).
   */
  value<T>(input: T, options: { byKey?: boolean } = {}): T {
    return this.walk(input, options.byKey ?? false) as T;
  }

  private walk(input: unknown, byKey: boolean): unknown {
    if (typeof input === "string") return this.text(input);
    if (Array.isArray(input)) return input.map((item) => this.walk(item, byKey));
    if (input && typeof input === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(input)) {
        const hide = byKey && isSecretKey(key) && value !== null && value !== undefined && value !== "";
        out[key] = hide ? REDACTED : this.walk(value, byKey);
      }
      return out;
    }
    return input;
  }
}
