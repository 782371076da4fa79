/**
 * Finding the connector (or the account) a person means from what they typed: case- and
 * accent-insensitive, tolerant of typos and spacing, ranked exact > prefix > word > fuzzy. Pure;
 * the index is built once per loaded catalog and reused by every search until it is reloaded.
 */
import type { Account, Connector } from "../cyclr/schemas.js";
import { authenticationOptions, normalizeText } from "./catalog.js";

/** How a connector matched, best first. */
export type MatchKind = "exact" | "prefix" | "word" | "fuzzy";

export interface SearchHit {
  connector: Connector;
  match?: MatchKind;
}

export interface CatalogFilter {
  query?: string;
  category?: string;
  authType?: string;
}

/** What a search looks at in an item: its name, the rest of its text, and what the filters test. */
interface Described {
  name: string;
  text: string;
  categories?: readonly string[];
  authTypes?: readonly string[];
}

/**
 * One item as searched. A catalog of ten thousand connectors has ten thousand of these in memory for
 * as long as it is loaded, so they hold no more than the hot loop reads: the name's words are split
 * again for the few items that pass the first test, and lists that many items share (categories,
 * auth types) are one array each.
 */
interface IndexedConnector<T = Connector> {
  connector: T;
  /** Normalised name, e.g. "Société Générale" becomes "societe generale". */
  name: string;
  /** The name with no spaces: "salesforce". */
  compactName: string;
  /** Name, description and categories, normalised; and the same with no spaces. */
  text: string;
  compactText: string;
  categories: readonly string[];
  authTypes: readonly string[];
}

interface CatalogIndex<T = Connector> {
  entries: IndexedConnector<T>[];
  /**
   * Every word of the catalog and the entries that have it (a lone entry as a number: most words are
   * one item's own): typos are looked up once per word, not per connector.
   */
  vocabulary: Map<string, number | number[]>;
  /** The words without digits, by length: the only ones a typo can reach (see typoBudget). */
  wordsByLength: Map<number, string[]>;
}

const indexes = new WeakMap<readonly object[], CatalogIndex<never>>();

function describeConnector(connector: Connector): Described {
  return {
    name: connector.Name,
    text: [connector.Name, connector.Description ?? "", ...connector.Categories].join(" "),
    categories: connector.Categories,
    authTypes: authenticationOptions(connector).flatMap((o) => (o.authType ? [o.authType] : [])),
  };
}

function indexOf<T extends object>(items: readonly T[], describe: (item: T) => Described): CatalogIndex<T> {
  let index = indexes.get(items) as CatalogIndex<T> | undefined;
  if (!index) {
    const lists = new Map<string, readonly string[]>();
    /** One array for every item with the same list. */
    const shared = (values: string[]): readonly string[] => {
      const key = values.join("\n");
      const known = lists.get(key);
      if (known) return known;
      lists.set(key, values);
      return values;
    };
    // Joins, not replaces: a replace's result is a rope of its pieces (see normalizeText).
    const compact = (normalized: string) => normalized.split(" ").join("");
    const entries = items.map((item): IndexedConnector<T> => {
      const described = describe(item);
      const name = normalizeText(described.name);
      const text = normalizeText(described.text);
      return {
        connector: item,
        name,
        compactName: compact(name),
        text,
        compactText: compact(text),
        categories: shared((described.categories ?? []).map(normalizeText)),
        authTypes: shared((described.authTypes ?? []).map((type) => type.toLowerCase())),
      };
    });
    // In name order once, so that results come out in name order within each rank without sorting.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const vocabulary = new Map<string, number | number[]>();
    entries.forEach((entry, position) => {
      for (const word of new Set(entry.text.split(" ").filter(Boolean))) {
        const holders = vocabulary.get(word);
        if (holders === undefined) vocabulary.set(word, position);
        else if (typeof holders === "number") vocabulary.set(word, [holders, position]);
        else holders.push(position);
      }
    });
    const wordsByLength = new Map<number, string[]>();
    for (const word of vocabulary.keys()) {
      if (/\d/.test(word)) continue;
      const same = wordsByLength.get(word.length);
      if (same) same.push(word);
      else wordsByLength.set(word.length, [word]);
    }
    index = { entries, vocabulary, wordsByLength };
    indexes.set(items, index as CatalogIndex<never>);
  }
  return index;
}

/** A query, prepared once for a whole search. */
interface PreparedQuery {
  text: string;
  compact: string;
  words: string[];
  /**
   * For each query word: the entries having it as a word, and those having a word within its typo
   * budget, as a byte per entry (1: has it). A common word's holders are most of the catalog: a
   * byte each is a tenth of what a Set of their positions allocates, for every search.
   */
  exactWords: Uint8Array[];
  nearWords: Uint8Array[];
  compactBudget: number;
  /** The query word fewest connectors have: a connector whose text lacks it can only match by a typo. */
  rarest: string;
  /** Name starts already compared with the query, and the answer: many names start alike. */
  seenStarts: Map<string, boolean>;
  distance: BoundedDistance;
}

function prepare<T>(index: CatalogIndex<T>, query: string): PreparedQuery {
  const words = query.split(" ");
  const distance = new BoundedDistance();
  const holdersOf = (word: string): readonly number[] => {
    const holders = index.vocabulary.get(word);
    return holders === undefined ? [] : typeof holders === "number" ? [holders] : holders;
  };
  const mark = (marks: Uint8Array, word: string) => {
    for (const holder of holdersOf(word)) marks[holder] = 1;
    return marks;
  };
  const exactWords = words.map((word) => mark(new Uint8Array(index.entries.length), word));
  const nearWords = words.map((word) => {
    const near = mark(new Uint8Array(index.entries.length), word);
    const budget = typoBudget(word);
    for (let length = word.length - budget; budget > 0 && length <= word.length + budget; length++) {
      for (const candidate of index.wordsByLength.get(length) ?? []) {
        if (candidate !== word && distance.within(word, candidate, budget)) mark(near, candidate);
      }
    }
    return near;
  });
  const compact = query.replace(/ /g, "");
  const holders = (word: string) => holdersOf(word).length;
  const rarest = words.reduce((a, b) => (holders(b) < holders(a) || (holders(b) === holders(a) && b.length > a.length) ? b : a));
  return { text: query, compact, words, exactWords, nearWords, compactBudget: typoBudget(compact), rarest, seenStarts: new Map(), distance };
}

/** Connectors that pass the filters and match the query, best match first (then by name). */
export function searchCatalog(catalog: readonly Connector[], filter: CatalogFilter): SearchHit[] {
  return rankedSearch(indexOf(catalog, describeConnector), filter);
}

export interface AccountHit {
  account: Account;
  match?: MatchKind;
}

/**
 * Accounts whose name (or description, or id) matches what the person typed, best first: the
 * catalog's search, so "acme corp", "ACME Corportion" and "Société" find what they mean. An id
 * typed whole comes first.
 */
export function searchAccounts(accounts: readonly Account[], query: string): AccountHit[] {
  const typed = query.trim().toLowerCase();
  const byId = accounts.filter((account) => account.Id.toLowerCase() === typed);
  const others = rankedSearch(
    indexOf(accounts, (account) => ({ name: account.Name ?? account.Id, text: [account.Name ?? "", account.Description ?? "", account.Id.replace(/[-_]/g, " ")].join(" ") })),
    { query },
  ).filter((hit) => !byId.includes(hit.connector));
  return [...byId.map((account) => ({ account, match: "exact" as const })), ...others.map((hit) => ({ account: hit.connector, ...(hit.match && { match: hit.match }) }))];
}

/** What a template search reads of a template: the shape Cyclr's list gives (cyclr/schemas.ts Template). */
export interface SearchableTemplate {
  Name: string;
  Description?: string | undefined;
  Tags: readonly string[];
  Connectors: readonly { Name: string }[];
}

export interface TemplateHit<T> {
  template: T;
  match?: MatchKind;
}

/**
 * Words that join what a person asks for ("salesforce to mailchimp", "sync hubspot with slack")
 * without naming anything: left out of a template search, unless nothing else is left.
 */
const JOINING_WORDS = new Set(["a", "an", "and", "between", "connect", "for", "from", "in", "integrate", "integration", "into", "my", "of", "on", "sync", "syncing", "the", "to", "with"]);

/**
 * Templates that match what the person typed, best first: the catalog's search over each template's
 * name, description, tags and connector names, so a connector's name (or a typo of it) finds the
 * templates that use it. `connector` keeps only the templates using a connector that matches it.
 */
export function searchTemplates<T extends SearchableTemplate>(templates: readonly T[], filter: { query?: string; connector?: string }): TemplateHit<T>[] {
  let pool = templates;
  if (filter.connector?.trim()) {
    const names = [...new Set(templates.flatMap((t) => t.Connectors.map((c) => c.Name)))].map((name) => ({ name }));
    const matching = new Set(rankedSearch(indexOf(names, (n) => ({ name: n.name, text: n.name })), { query: filter.connector }).map((hit) => hit.connector.name));
    pool = templates.filter((t) => t.Connectors.some((c) => matching.has(c.Name)));
  }
  const words = normalizeText(filter.query ?? "").split(" ").filter(Boolean);
  const meaningful = words.filter((word) => !JOINING_WORDS.has(word));
  const query = (meaningful.length ? meaningful : words).join(" ");
  const index = indexOf(pool, (t) => ({ name: t.Name, text: [t.Name, t.Description ?? "", ...t.Tags, ...t.Connectors.map((c) => c.Name)].join(" ") }));
  return rankedSearch(index, { query }).map((hit) => ({ template: hit.connector, ...(hit.match && { match: hit.match }) }));
}

function rankedSearch<T>(index: CatalogIndex<T>, filter: CatalogFilter): { connector: T; match?: MatchKind }[] {
  const query = filter.query ? normalizeText(filter.query) : "";
  const prepared = query ? prepare(index, query) : undefined;
  const category = filter.category ? normalizeText(filter.category) : "";
  const authType = filter.authType?.trim().toLowerCase();
  // One list per rank, each filled in name order.
  const byRank = new Map<number, { connector: T; match?: MatchKind }[]>();
  const add = (rank: number, hit: { connector: T; match?: MatchKind }) => {
    const list = byRank.get(rank);
    if (list) list.push(hit);
    else byRank.set(rank, [hit]);
  };
  index.entries.forEach((entry, position) => {
    if (category && !entry.categories.includes(category)) return;
    if (authType && !entry.authTypes.includes(authType)) return;
    if (!prepared) return add(0, { connector: entry.connector });
    const match = bestMatch(entry, position, prepared);
    if (match) add(match.rank, { connector: entry.connector, match: match.kind });
  });
  return [...byRank.keys()].sort((a, b) => a - b).flatMap((rank) => byRank.get(rank) ?? []);
}

/** The best way the entry matches the query, with a rank (lower is better) that orders within a kind. */
function bestMatch<T>(entry: IndexedConnector<T>, position: number, query: PreparedQuery): { kind: MatchKind; rank: number } | undefined {
  // Every match but a typo needs each query word somewhere in the text: one test, with the rarest, rules most connectors out.
  if (!entry.compactText.includes(query.rarest)) return isFuzzyMatch(entry, position, query) ? { kind: "fuzzy", rank: 3 } : undefined;
  // "sales force" and "Salesforce" are the same name.
  if (entry.name === query.text || entry.compactName === query.compact) return { kind: "exact", rank: 0 };
  if (entry.name.startsWith(query.text) || entry.compactName.startsWith(query.compact)) return { kind: "prefix", rank: 1 };
  // Words of the name outrank words of the description or categories.
  const nameWords = entry.name.split(" ");
  if (query.words.every((word) => nameWords.some((n) => n.startsWith(word)))) return { kind: "word", rank: 2 };
  if (query.exactWords.every((holders) => holders[position] === 1)) return { kind: "word", rank: 2.5 };
  if (entry.text.includes(query.text) || (query.compact.length >= 3 && entry.compactText.includes(query.compact))) return { kind: "word", rank: 2.7 };
  if (isFuzzyMatch(entry, position, query)) return { kind: "fuzzy", rank: 3 };
  return undefined;
}

/** Every query word within a few typos of a word of the connector; or the whole name (or its start) a typo or two away. */
function isFuzzyMatch<T>(entry: IndexedConnector<T>, position: number, query: PreparedQuery): boolean {
  if (query.nearWords.every((near) => near[position] === 1)) return true;
  const budget = query.compactBudget;
  // Names are compared whole only when they start alike: a first-letter typo is rare, and this keeps a search fast.
  if (budget === 0 || entry.compactName[0] !== query.compact[0]) return false;
  if (query.distance.within(query.compact, entry.compactName, budget)) return true;
  // A typed prefix of a long name: "hubspt" against "hubspot crm".
  if (query.compact.length >= entry.compactName.length) return false;
  const start = entry.compactName.slice(0, query.compact.length);
  let near = query.seenStarts.get(start);
  if (near === undefined) {
    near = query.distance.within(query.compact, start, budget);
    query.seenStarts.set(start, near);
  }
  return near;
}

/** Short words allow no typo (too many false friends), medium one, long two; numbers none ("v2" is not "v3"). */
function typoBudget(word: string): number {
  if (/\d/.test(word)) return 0;
  return word.length < 4 ? 0 : word.length < 8 ? 1 : 2;
}

/** The optimal string alignment distance (Levenshtein plus adjacent swaps), bounded; its table rows are reused across comparisons. */
class BoundedDistance {
  private rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

  /** Whether a and b are at most max edits apart. */
  within(a: string, b: string, max: number): boolean {
    if (Math.abs(a.length - b.length) > max) return false;
    if (a === b) return true;
    const width = b.length + 1;
    if (this.rows[0]!.length < width) this.rows = [new Int32Array(width * 2), new Int32Array(width * 2), new Int32Array(width * 2)];
    let [previous2, previous, current] = this.rows as [Int32Array, Int32Array, Int32Array];
    for (let j = 0; j < width; j++) previous[j] = j;
    for (let i = 1; i <= a.length; i++) {
      current[0] = i;
      let rowMin = i;
      for (let j = 1; j < width; j++) {
        const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
        let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
        if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) value = Math.min(value, previous2[j - 2]! + 1);
        current[j] = value;
        if (value < rowMin) rowMin = value;
      }
      if (rowMin > max) return false;
      [previous2, previous, current] = [previous, current, previous2];
    }
    return previous[b.length]! <= max;
  }
}

/** Whether a and b are at most max edits apart (insertions, deletions, substitutions, adjacent swaps). */
export function withinDistance(a: string, b: string, max: number): boolean {
  return new BoundedDistance().within(a, b, max);
}
