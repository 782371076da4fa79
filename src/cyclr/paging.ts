/**
 * Cyclr lists are bare arrays with page/pageSize; whether they carry a paging header is unknown,
 * and neither the default nor the maximum pageSize is documented (api-notes §3, "What remains
 * unknown"). So the walk works with either answer:
 * - a Total-Pages count, when the first page has one, says which pages to fetch;
 * - without one, the walk stops at an empty page, at a page shorter than one already seen, or at a
 *   page with nothing new (a server that ignores `page`). A first page shorter than asked may be a
 *   server cap, so one more page settles it.
 * After the first page, pages are fetched several at a time (bounded): all the counted pages, or,
 * without a count, a window of pages once a full page suggests there are more.
 */
export interface Page<T> {
  items: T[];
  /** The Total-Pages count, when the server gave one. */
  totalPages?: number;
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
  fetchPage: (page: number, pageSize: number) => Promise<T[] | Page<T>>,
  options: CollectPagesOptions<T>,
): Promise<T[]> {
  const maxPages = options.maxPages ?? 1000;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_PAGE_CONCURRENCY);
  const fetchOne = async (page: number): Promise<Page<T>> => {
    const result = await fetchPage(page, options.pageSize);
    return Array.isArray(result) ? { items: result } : result;
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

  const first = await fetchOne(1);
  if (!take(first.items)) return items;
  let next = 2;

  const counted = first.totalPages;
  if (counted !== undefined && Number.isInteger(counted) && counted >= 1) {
    const last = Math.min(counted, maxPages);
    const pages = await mapConcurrently(range(next, last), concurrency, fetchOne);
    for (const page of pages) if (!take(page.items)) return items;
    // Every counted page was full: the count may be out of date, so the walk goes on (one page, then windows).
    next = last + 1;
  }

  // No count: a page at a time until a full page shows there is more, then windows of pages.
  let width = counted === undefined && first.items.length >= options.pageSize ? concurrency : 1;
  while (next <= maxPages) {
    const pages = await mapConcurrently(range(next, Math.min(next + width - 1, maxPages)), concurrency, fetchOne);
    for (const page of pages) if (!take(page.items)) return items;
    next += pages.length;
    width = concurrency;
  }
  return items;
}

function range(from: number, to: number): number[] {
  return to < from ? [] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** fn over items with at most `limit` in flight; results in the items' order. The first failure rejects. */
export async function mapConcurrently<I, O>(items: readonly I[], limit: number, fn: (item: I) => Promise<O>): Promise<O[]> {
  const results = new Array<O>(items.length);
  let cursor = 0;
  const worker = async () => {
    while (cursor < items.length) {
      const index = cursor++;
      results[index] = await fn(items[index] as I);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
