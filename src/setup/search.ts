/**
 * Finding the connector a person means from what they typed: case- and accent-insensitive, tolerant
 * of typos and spacing, ranked exact > prefix > word > fuzzy. Pure; the index is built once per
 * loaded catalog and reused by every search until the catalog is reloaded.
 */
import type { Connector } from "../cyclr/schemas.js";
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

interface IndexedConnector {
  connector: Connector;
  /** Normalised name, e.g. "sales force" stays "sales force"; "Société Générale" becomes "societe generale". */
  name: string;
  /** The name with no spaces: "salesforce". */
  compactName: string;
  nameWords: string[];
  /** Name, description and categories, normalised. */
  text: string;
  words: Set<string>;
  categories: string[];
  authTypes: string[];
}

const indexes = new WeakMap<readonly Connector[], IndexedConnector[]>();

function indexOf(catalog: readonly Connector[]): IndexedConnector[] {
  let index = indexes.get(catalog);
  if (!index) {
    index = catalog.map((connector) => {
      const name = normalizeText(connector.Name);
      const categories = connector.Categories.map(normalizeText);
      const text = normalizeText([connector.Name, connector.Description ?? "", ...connector.Categories].join(" "));
      return {
        connector,
        name,
        compactName: name.replace(/ /g, ""),
        nameWords: name.split(" ").filter(Boolean),
        text,
        words: new Set(text.split(" ").filter(Boolean)),
        categories,
        authTypes: authenticationOptions(connector).flatMap((o) => (o.authType ? [o.authType.toLowerCase()] : [])),
      };
    });
    indexes.set(catalog, index);
  }
  return index;
}

/** Connectors that pass the filters and match the query, best match first (then by name). */
export function searchCatalog(catalog: readonly Connector[], filter: CatalogFilter): SearchHit[] {
  const query = filter.query ? normalizeText(filter.query) : "";
  const category = filter.category ? normalizeText(filter.category) : "";
  const authType = filter.authType?.trim().toLowerCase();
  const hits: (SearchHit & { rank: number; name: string })[] = [];
  for (const entry of indexOf(catalog)) {
    if (category && !entry.categories.includes(category)) continue;
    if (authType && !entry.authTypes.includes(authType)) continue;
    if (!query) {
      hits.push({ connector: entry.connector, rank: 0, name: entry.name });
      continue;
    }
    const match = bestMatch(entry, query);
    if (match) hits.push({ connector: entry.connector, match: match.kind, rank: match.rank, name: entry.name });
  }
  hits.sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
  return hits.map(({ connector, match }) => (match ? { connector, match } : { connector }));
}

/** The best way the entry matches the query, with a rank (lower is better) that orders within a kind. */
function bestMatch(entry: IndexedConnector, query: string): { kind: MatchKind; rank: number } | undefined {
  const compactQuery = query.replace(/ /g, "");
  // "sales force" and "Salesforce" are the same name.
  if (entry.name === query || entry.compactName === compactQuery) return { kind: "exact", rank: 0 };
  if (entry.name.startsWith(query) || entry.compactName.startsWith(compactQuery)) return { kind: "prefix", rank: 1 };
  const queryWords = query.split(" ");
  // Words of the name outrank words of the description or categories.
  if (queryWords.every((word) => entry.nameWords.some((n) => n.startsWith(word)))) return { kind: "word", rank: 2 };
  if (queryWords.every((word) => entry.words.has(word))) return { kind: "word", rank: 2.5 };
  if (entry.text.includes(query) || (compactQuery.length >= 3 && entry.text.replace(/ /g, "").includes(compactQuery))) {
    return { kind: "word", rank: 2.7 };
  }
  if (isFuzzyMatch(entry, queryWords, compactQuery)) return { kind: "fuzzy", rank: 3 };
  return undefined;
}

/** Every query word within a few typos of a word of the name, categories or description; or the whole name. */
function isFuzzyMatch(entry: IndexedConnector, queryWords: string[], compactQuery: string): boolean {
  const budget = typoBudget(compactQuery);
  if (budget > 0 && withinDistance(compactQuery, entry.compactName, budget)) return true;
  // A typed prefix of a long name: "hubspt" against "hubspot crm".
  if (budget > 0 && compactQuery.length < entry.compactName.length && withinDistance(compactQuery, entry.compactName.slice(0, compactQuery.length), budget)) {
    return true;
  }
  return queryWords.every((word) => {
    const wordBudget = typoBudget(word);
    if (wordBudget === 0) return entry.words.has(word);
    for (const candidate of entry.words) {
      if (withinDistance(word, candidate, wordBudget)) return true;
    }
    return false;
  });
}

/** Short words allow no typo (too many false friends), medium one, long two; numbers none ("v2" is not "v3"). */
function typoBudget(word: string): number {
  if (/\d/.test(word)) return 0;
  return word.length < 4 ? 0 : word.length < 8 ? 1 : 2;
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps) is at most max. */
export function withinDistance(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  if (a === b) return true;
  const width = b.length + 1;
  let previous2 = new Array<number>(width).fill(0);
  let previous = Array.from({ length: width }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(width);
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, previous2[j - 2]! + 1);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return false;
    previous2 = previous;
    previous = current;
  }
  return previous[b.length]! <= max;
}
