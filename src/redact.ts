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
 *
 * A secret this process never saw (typed on a credential page another replica served) can be
 * registered as a HashedSecret: keyed hashes (HMAC, SecretHash) of its encoded forms and their
 * lengths, made by the replica that saw it, so that the store between them holds no secret. Text is
 * then searched by hashing each stretch that starts and ends at a boundary (text's start or end,
 * whitespace, punctuation) and has one of those lengths. Its limits, by design: a hashed secret is
 * found only where it stands apart from the text around it, not inside a longer word or a longer
 * base64 text (a Basic credential is registered as a whole value instead), only in the forms the
 * other replica hashed (as is, URL- and form-encoded, JSON- and HTML-escaped, base64 of it alone),
 * and in a text's first MAX_HASHED_SEARCH characters (the search hashes a stretch per boundary and length).
 */
import { createHmac, hkdfSync } from "node:crypto";

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

/**
 * The forms a secret travels in: as is, and as an upstream error, a URL, a form or a page may quote
 * it. `within`: also the parts of a longer base64 text made of the secret's bytes alone.
 */
export function encodedForms(secret: string, options: { within?: boolean } = {}): string[] {
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
    if (options.within === false) continue;
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

/**
 * The keyed hash every replica uses for secrets it shares without sharing them: HMAC-SHA256 under a
 * key every replica derives alike (from the partner's credentials), so the hashes in the store are
 * no use to someone who guesses secrets without the key.
 */
export class SecretHash {
  constructor(private readonly key: Buffer) {}

  /** The key every replica derives alike from a secret they all have (the partner's client secret). */
  static derivedFrom(secret: string): SecretHash {
    return new SecretHash(Buffer.from(hkdfSync("sha256", secret, "cyclr-mcp", "secrets shared as keyed hashes", 32)));
  }

  of(text: string): string {
    return createHmac("sha256", this.key).update(text, "utf8").digest("base64url");
  }

  /** A secret as another replica can hide it: the hash and length of each form it may be quoted in (standing apart). */
  forms(secret: string): HashedForm[] {
    return encodedForms(secret, { within: false }).map((form) => ({ digest: this.of(form), length: form.length }));
  }
}

export interface HashedForm {
  digest: string;
  /** In UTF-16 code units, as JavaScript counts a string's length. */
  length: number;
}

/** A secret known only by the keyed hashes of its forms (SecretHash.forms). */
export interface HashedSecret {
  hash: SecretHash;
  forms: readonly HashedForm[];
}

function isHashed(secret: string | HashedSecret | undefined): secret is HashedSecret {
  return typeof secret === "object";
}

/** What ends a stretch of text that may be a secret standing apart: whitespace and punctuation. */
const BOUNDARY = /[\s"'`()[\]{}<>,;:=&?!|\\/.*#]/;
/** A longer text is searched only this far for hashed secrets: the cost of the search stays bounded. */
const MAX_HASHED_SEARCH = 100_000;

export interface ScopeOptions {
  /** How many secrets this scope keeps; past it the oldest is forgotten. */
  limit?: number;
}

export class Redactor {
  /** The secrets it was made with (the operator's): never forgotten. */
  private readonly permanent: string[] = [];
  /** Secrets learnt since, oldest first, each with its encoded forms; bounded by `limit`. */
  private readonly own = new Map<string, string[]>();
  /** Secrets learnt by their keyed hashes (under the digest of the secret as is), oldest first; bounded by `limit` with `own`. */
  private readonly hashed = new Map<string, HashedSecret>();
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
  register(...secrets: (string | HashedSecret | undefined)[]): void {
    for (const secret of secrets) {
      if (isHashed(secret)) {
        this.registerHashed(secret);
        continue;
      }
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
      this.bound();
    }
  }

  private registerHashed(secret: HashedSecret): void {
    const forms = secret.forms.filter((form) => form.length >= MIN_SECRET_LENGTH);
    const name = forms[0]?.digest;
    if (name === undefined) return;
    // Seen again (the same secret typed twice): it is the newest now.
    this.hashed.delete(name);
    this.hashed.set(name, { hash: secret.hash, forms });
    this.version++;
    this.bound();
  }

  /** At most `limit` secrets, plain and hashed together: the oldest of the kind that has more goes first. */
  private bound(): void {
    while (this.own.size + this.hashed.size > this.limit) {
      const from = this.hashed.size > this.own.size ? this.hashed : this.own;
      from.delete(from.keys().next().value as string);
    }
  }

  /** How many secrets this scope holds itself (not counting the scopes above it). */
  get size(): number {
    return this.own.size + this.hashed.size;
  }

  /**
   * The input with every known secret replaced. `reveal` lists strings meant for the person despite
   * holding a secret (a link carrying its one-time token): they pass whole, everything around them is redacted.
   */
  text(input: string, options: { reveal?: readonly string[] } = {}): string {
    const reveal = options.reveal?.find((allowed) => allowed && input.includes(allowed));
    if (reveal) return input.split(reveal).map((part) => this.text(part, options)).join(reveal);
    const pattern = this.pattern();
    const plain = pattern ? input.replace(pattern, REDACTED) : input;
    const hashed = this.hashedInReach();
    return hashed.length > 0 ? redactHashed(plain, hashed) : plain;
  }

  /** The hashed secrets of this scope and those above it. */
  private hashedInReach(): HashedSecret[] {
    const above = this.parent?.hashedInReach() ?? [];
    return this.hashed.size === 0 ? above : [...above, ...this.hashed.values()];
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

/**
 * Every stretch of `input` that starts and ends at a boundary, has the length of a form of a hashed
 * secret and hashes to it, replaced. Longer forms are tried first, so a stretch goes whole.
 */
function redactHashed(input: string, secrets: readonly HashedSecret[]): string {
  const searched = input.length > MAX_HASHED_SEARCH ? input.slice(0, MAX_HASHED_SEARCH) : input;
  const byHash = new Map<SecretHash, { digests: Set<string>; lengths: Set<number> }>();
  for (const secret of secrets) {
    const known = byHash.get(secret.hash) ?? { digests: new Set<string>(), lengths: new Set<number>() };
    for (const form of secret.forms) {
      known.digests.add(form.digest);
      known.lengths.add(form.length);
    }
    byHash.set(secret.hash, known);
  }
  const n = searched.length;
  const boundary = (i: number) => i <= 0 || i >= n || BOUNDARY.test(searched[i] ?? "") || BOUNDARY.test(searched[i - 1] ?? "");
  const found: [number, number][] = [];
  for (const [hash, { digests, lengths }] of byHash) {
    const longestFirst = [...lengths].sort((a, b) => b - a);
    for (let start = 0; start < n; start++) {
      if (!boundary(start)) continue;
      for (const length of longestFirst) {
        const end = start + length;
        if (end > n || !boundary(end) || !digests.has(hash.of(searched.slice(start, end)))) continue;
        found.push([start, end]);
        start = end - 1;
        break;
      }
    }
  }
  if (found.length === 0) return input;
  found.sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  for (const [start, end] of found) {
    if (end <= at) continue;
    out += searched.slice(at, Math.max(at, start)) + REDACTED;
    at = end;
  }
  return out + input.slice(at);
}
