/**
 * Cyclr lists are bare arrays with page/pageSize; whether they carry a paging header is unknown,
 * and neither the default nor the maximum pageSize is documented (api-notes §3, "What remains
 * unknown"). So the walk works with either answer:
 * - a Total-Pages count, when the first page has one, says which pages to fetch;
 * - without one, the walk stops at an empty page, at a page shorter than one already seen, or at a
 *   page with nothing new (a server that ignores `page`). A first page shorter than asked may be a
 *   server cap, so one more page settles it.
 * After the first page, pages are fetched several at a time (bounded): all the counted pages, or,
 * without a count, a window of pages once a full page suggests there are more. A window's pages are
 * taken in order as they come, and a page that ends the walk ends the wait: the pages after it,
 * asked in vain, finish unread. Each window is asked for, and its requests given a turn of the
 * event loop to go out, before the pages in hand are read (a catalog page's reading is its
 * parsing, synchronous work), so the parsing of one round overlaps the round trip of the next.
 */
export interface Page<T> {
  items: T[];
  /** The Total-Pages count, when the server gave one. */
  totalPages?: number;
}

/**
 * A page whose items are read (parsed) only when the walk takes them: how many there are is known
 * as it arrives, so the walk asks for the next pages first and reads this one while they travel.
 */
export interface UnreadPage<T> {
  count: number;
  read: () => T[];
  totalPages?: number;
}

/** A page as the walk holds it; `unread` when reading it is work worth overlapping with the next round trip. */
interface HeldPage<T> extends UnreadPage<T> {
  unread: boolean;
}

export interface CollectPagesOptions<T> {
  pageSize: number;
  /** Identity of an item, to notice a server that repeats the same page. */
  key: (item: T) => unknown;
  maxPages?: number;
  /** Pages in flight at once after the first; default 4. */
  concurrency?: number;
}

export const DEFAULT_PAGE_CONCURRENCY = 4;

export async function collectPages<T>(
  fetchPage: (page: number, pageSize: number) => Promise<T[] | Page<T> | UnreadPage<T>>,
  options: CollectPagesOptions<T>,
): Promise<T[]> {
  const maxPages = options.maxPages ?? 1000;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_PAGE_CONCURRENCY);
  const fetchOne = async (page: number): Promise<HeldPage<T>> => {
    const result = await fetchPage(page, options.pageSize);
    if (Array.isArray(result)) return { count: result.length, read: () => result, unread: false };
    if ("read" in result) return { ...result, unread: true };
    return { count: result.items.length, read: () => result.items, unread: false, ...(result.totalPages !== undefined && { totalPages: result.totalPages }) };
  };
  /** Pages from..to, asked now, at most `concurrency` at a time: each page's promise, in order. */
  const ask = (from: number, to: number): Promise<HeldPage<T>>[] => {
    const asked = startConcurrently(range(from, to), concurrency, fetchOne);
    // A page past the end is never awaited: its failure is nobody's.
    for (const page of asked) page.catch(() => undefined);
    return asked;
  };

  const items: T[] = [];
  const seen = new Set<unknown>();
  let longest = 0;
  /** Takes one page's items in order; false when the walk ends with it. */
  const take = (batch: T[]): boolean => {
    const fresh = batch.filter((item) => !seen.has(options.key(item)));
    if (fresh.length === 0) return false;
    for (const item of fresh) {
      seen.add(options.key(item));
      items.push(item);
    }
    if (batch.length < longest) return false;
    longest = Math.max(longest, batch.length);
    return true;
  };
  /** Whether the walk goes on after pages of these sizes, as far as their sizes tell (take may still end it: a repeated page). */
  const goesOn = (pages: readonly HeldPage<T>[]): boolean => {
    let seenLongest = longest;
    for (const { count } of pages) {
      if (count === 0 || count < seenLongest) return false;
      seenLongest = Math.max(seenLongest, count);
    }
    return true;
  };

  const first = await fetchOne(1);
  const counted = first.totalPages;
  // With a count, the counted pages come next, all together; after them (the count may be out of
  // date) or without one, a page at a time until a full page shows there is more, then windows.
  let countedLast = counted !== undefined && Number.isInteger(counted) && counted >= 1 ? Math.min(counted, maxPages) : undefined;
  let width = countedLast === undefined && first.count >= options.pageSize ? concurrency : 1;
  let window: Promise<HeldPage<T>>[] = [Promise.resolve(first)];
  let last = 1;
  for (;;) {
    const pages: HeldPage<T>[] = [];
    for (const asked of window) {
      pages.push(await asked);
      if (!goesOn(pages)) break;
    }
    const from = last + 1;
    let to: number;
    if (countedLast !== undefined && countedLast >= from) {
      to = countedLast;
      countedLast = undefined;
    } else {
      to = Math.min(from + width - 1, maxPages);
      width = concurrency;
    }
    let ahead: Promise<HeldPage<T>>[] | undefined;
    if (pages.some((page) => page.unread)) {
      // Asked for before these are read, so that reading them overlaps the round trip (a page that
      // repeats the one before, from a server ignoring `page`, then costs one window in vain).
      ahead = from <= maxPages && goesOn(pages) ? ask(from, to) : undefined;
      if (ahead) await requestsSent();
      for (const page of pages) if (!take(page.read())) return items;
    } else {
      for (const page of pages) if (!take(page.read())) return items;
      ahead = from <= maxPages ? ask(from, to) : undefined;
    }
    if (!ahead) return items;
    window = ahead;
    last = to;
  }
}

/**
 * A turn of the event loop, for requests just asked to leave before synchronous work: undici
 * writes them, and opens the connections they need, in callbacks of its own (a timer's turn, not a
 * microtask's, lets those callbacks run).
 */
function requestsSent(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function range(from: number, to: number): number[] {
  return to < from ? [] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** fn over items with at most `limit` in flight; results in the items' order. The first failure rejects. */
export function mapConcurrently<I, O>(items: readonly I[], limit: number, fn: (item: I) => Promise<O>): Promise<O[]> {
  return Promise.all(startConcurrently(items, limit, fn));
}

/** fn over items, started in order with at most `limit` in flight: each item's promise, in the items' order. */
export function startConcurrently<I, O>(items: readonly I[], limit: number, fn: (item: I) => Promise<O>): Promise<O>[] {
  let running = 0;
  const waiting: (() => void)[] = [];
  return items.map(async (item) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await fn(item);
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  });
}
