/**
 * The one redaction mechanism. Secrets are removed two ways:
 * - by value: every string registered as a secret is replaced wherever it appears in text, in the
 *   encodings an upstream message or a page may quote it in (URL and form encoding, JSON and HTML
 *   escapes, base64 and base64url, also inside a longer base64 text);
 * - by key: object fields whose names denote a secret are replaced whatever their value.
 *
 * Redactors form scopes, so a secret is hidden where its owner's output goes and nowhere else:
 * the process's (operator secrets: the client secret, bearer tokens, Cyclr's access token), under
 * it one per session (what that session's calls used or were given), under that one per call. A
 * caller can only ever change what its own session sees, and each scope is bounded, so
 * registering and redacting cost the same however many secrets other sessions had.
 */
export const REDACTED = "[redacted]";

const SECRET_KEY =
  /^(authvalue|password|passwd|secret|client_?secret|access_?token|refresh_?token|token|api_?key|authorization|bearer)$/i;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Secrets shorter than this are not matched by value: they would shred ordinary text. */
const MIN_SECRET_LENGTH = 4;
/** An encoded form shorter than this is not matched (the core of a short secret's base64, say). */
const MIN_ENCODED_LENGTH = 8;
/** Secrets a session's or a call's scope keeps; past it the oldest is forgotten. */
export const DEFAULT_SCOPE_LIMIT = 64;
/** Secrets the process's own scope learns (Cyclr access tokens as they are renewed, bearer tokens). */
const PROCESS_LIMIT = 1024;

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** The forms a secret travels in: as is, and as an upstream error, a URL, a form or a page may quote it. */
export function encodedForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const add = (form: string) => {
    if (form.length >= MIN_ENCODED_LENGTH || form === secret) forms.add(form);
  };
  const uri = encodeURIComponent(secret);
  add(uri);
  add(uri.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  add(new URLSearchParams({ s: secret }).toString().slice(2));
  add(JSON.stringify(secret).slice(1, -1));
  const html = secret.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
  add(html);
  add(html.replace(/&#39;/g, "&#x27;"));
  const bytes = Buffer.from(secret, "utf8");
  for (const encoding of ["base64", "base64url"] as const) {
    add(bytes.toString(encoding));
    add(bytes.toString(encoding).replace(/=+$/, ""));
    // Inside a longer base64 text the secret's characters depend on where it starts: for each of
    // the three alignments, the part made of the secret's bytes alone.
    for (let offset = 0; offset < 3; offset++) {
      const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(encoding);
      const first = offset === 0 ? 0 : 4;
      const last = Math.floor((offset + bytes.length) / 3) * 4;
      if (last > first) add(encoded.slice(first, last));
    }
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface ScopeOptions {
  /** How many secrets this scope keeps; past it the oldest is forgotten. */
  limit?: number;
}

export class Redactor {
  /** The secrets it was made with (the operator's): never forgotten. */
  private readonly permanent: string[] = [];
  /** Secrets learnt since, oldest first, each with its encoded forms; bounded by `limit`. */
  private readonly own = new Map<string, string[]>();
  private readonly limit: number;
  private version = 0;
  private compiled?: { key: string; pattern: RegExp | undefined };

  constructor(
    secrets: Iterable<string | undefined> = [],
    options: ScopeOptions = {},
    private readonly parent?: Redactor,
  ) {
    this.limit = options.limit ?? PROCESS_LIMIT;
    for (const secret of secrets) if (secret && secret.length >= MIN_SECRET_LENGTH) this.permanent.push(...encodedForms(secret));
  }

  /** A scope under this one: it hides this one's secrets and its own; what it learns stays in it. */
  scope(options: ScopeOptions = {}): Redactor {
    return new Redactor([], { limit: options.limit ?? DEFAULT_SCOPE_LIMIT }, this);
  }

  /**
   * Adds secrets that this scope's owner learns while running (an API key it sent to Cyclr, a link's
   * sign-in token): from then on everything redacted through this scope hides them.
   */
  register(...secrets: (string | undefined)[]): void {
    for (const secret of secrets) {
      if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
      if (this.own.has(secret)) {
        // Seen again: it is the newest now.
        const forms = this.own.get(secret) ?? [];
        this.own.delete(secret);
        this.own.set(secret, forms);
        continue;
      }
      this.own.set(secret, encodedForms(secret));
      this.version++;
      while (this.own.size > this.limit) this.own.delete(this.own.keys().next().value as string);
    }
  }

  /** How many secrets this scope holds itself (not counting the scopes above it). */
  get size(): number {
    return this.own.size;
  }

  /**
   * The input with every known secret replaced. `reveal` lists strings meant for the person despite
   * holding a secret (a link carrying its one-time token): they pass whole, everything around them is redacted.
   */
  text(input: string, options: { reveal?: readonly string[] } = {}): string {
    const reveal = options.reveal?.find((allowed) => allowed && input.includes(allowed));
    if (reveal) return input.split(reveal).map((part) => this.text(part, options)).join(reveal);
    const pattern = this.pattern();
    return pattern ? input.replace(pattern, REDACTED) : input;
  }

  /**
   * A deep copy with known secret values replaced; with `byKey`, secret-named fields too (for logs,
   * where a field called "password" is never wanted, unlike a tool result's argument templates).
   */
  value<T>(input: T, options: { byKey?: boolean; reveal?: readonly string[] } = {}): T {
    return this.walk(input, options.byKey ?? false, options.reveal ?? []) as T;
  }

  /** Changes whenever this scope or one above it learns a secret. */
  private key(): string {
    return `${this.version}/${this.parent?.key() ?? ""}`;
  }

  private forms(): string[] {
    return [...(this.parent?.forms() ?? []), ...this.permanent, ...[...this.own.values()].flat()];
  }

  /** One expression for every form of every secret in reach, longest first so that a secret containing another goes whole. */
  private pattern(): RegExp | undefined {
    if (this.own.size === 0 && this.permanent.length === 0 && this.parent) return this.parent.pattern();
    const key = this.key();
    if (this.compiled?.key !== key) {
      const forms = [...new Set(this.forms())].sort((a, b) => b.length - a.length);
      this.compiled = { key, pattern: forms.length > 0 ? new RegExp(forms.map(escapeRegExp).join("|"), "g") : undefined };
    }
    return this.compiled.pattern;
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
