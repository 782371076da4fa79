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
  private secrets: string[] = [];

  constructor(secrets: Iterable<string | undefined> = []) {
    this.register(...secrets);
  }

  /**
   * Adds secrets that the server learns while running (an API key submitted on a credential page, a
   * link's token): from then on every log line, error and result through this redactor hides them.
   */
  register(...secrets: (string | undefined)[]): void {
    const all = new Set(this.secrets);
    for (const secret of secrets) {
      if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
      all.add(secret);
      all.add(encodeURIComponent(secret));
      all.add(JSON.stringify(secret).slice(1, -1));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...all].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  }

  /**
   * The input with every known secret replaced. `reveal` lists strings meant for the person despite
   * holding a secret (a link carrying its one-time token): they pass whole, everything around them is redacted.
   */
  text(input: string, options: { reveal?: readonly string[] } = {}): string {
    const reveal = options.reveal?.find((allowed) => allowed && input.includes(allowed));
    if (reveal) return input.split(reveal).map((part) => this.text(part, options)).join(reveal);
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
  value<T>(input: T, options: { byKey?: boolean; reveal?: readonly string[] } = {}): T {
    return this.walk(input, options.byKey ?? false, options.reveal ?? []) as T;
  }

  private walk(input: unknown, byKey: boolean, reveal: readonly string[]): unknown {
    if (typeof input === "string") return this.text(input, { reveal });
    if (Array.isArray(input)) return input.map((item) => this.walk(item, byKey, reveal));
    if (input && typeof input === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(input)) {
        const hide = byKey && isSecretKey(key) && value !== null && value !== undefined && value !== "";
        out[key] = hide ? REDACTED : this.walk(value, byKey, reveal);
      }
      return out;
    }
    return input;
  }
}
