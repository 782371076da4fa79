/**
 * Cyclr lists are bare arrays with page/pageSize and no paging headers, and neither the default nor
 * the maximum pageSize is documented (api-notes §3). So: ask for pageSize, and stop at an empty page,
 * or at a page shorter than one already seen. A first page shorter than asked may be a server cap,
 * so one more page settles it. A server that ignores `page` (repeats itself) also ends the walk.
 */
export interface CollectPagesOptions<T> {
  pageSize: number;
  /** Identity of an item, to notice a server that repeats the same page. */
  key: (item: T) => unknown;
  maxPages?: number;
}

export async function collectPages<T>(
  fetchPage: (page: number, pageSize: number) => Promise<T[]>,
  options: CollectPagesOptions<T>,
): Promise<T[]> {
  const maxPages = options.maxPages ?? 1000;
  const items: T[] = [];
  const seen = new Set<unknown>();
  let longest = 0;
  for (let page = 1; page <= maxPages; page++) {
    const batch = await fetchPage(page, options.pageSize);
    const fresh = batch.filter((item) => !seen.has(options.key(item)));
    if (fresh.length === 0) break;
    for (const item of fresh) {
      seen.add(options.key(item));
      items.push(item);
    }
    if (batch.length < longest) break;
    longest = Math.max(longest, batch.length);
  }
  return items;
}
