import { describe, expect, it } from "vitest";
import { collectPages, mapConcurrently } from "../../src/cyclr/paging.js";

/** A fake list endpoint over `total` items, with an optional server-side cap on pageSize and a Total-Pages count. */
function endpoint(total: number, options: { cap?: number; ignoresPage?: boolean; totalPages?: (size: number) => number; delayMs?: number } = {}) {
  const calls: [number, number][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const items = Array.from({ length: total }, (_, i) => ({ id: i + 1 }));
  const fetchPage = async (page: number, pageSize: number) => {
    calls.push([page, pageSize]);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
    inFlight -= 1;
    const size = Math.min(pageSize, options.cap ?? Infinity);
    const start = options.ignoresPage ? 0 : (page - 1) * size;
    const slice = items.slice(start, start + size);
    return options.totalPages ? { items: slice, totalPages: options.totalPages(size) } : slice;
  };
  return { calls, fetchPage, maxInFlight: () => maxInFlight };
}

const key = (item: { id: number }) => item.id;
const pagesAsked = (calls: [number, number][]) => calls.map(([page]) => page).sort((a, b) => a - b);

describe("collectPages without a page count", () => {
  it("pages until a short page, fetching a window of pages after a full first page", async () => {
    const api = endpoint(250);
    const items = await collectPages(api.fetchPage, { pageSize: 100, key });
    expect(items.map((i) => i.id)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    // Pages 2-5 go out together; page 3 is short, so the walk ends there.
    expect(pagesAsked(api.calls)).toEqual([1, 2, 3, 4, 5]);
  });

  it("stops at an empty page when the last page was full", async () => {
    const api = endpoint(200);
    expect(await collectPages(api.fetchPage, { pageSize: 100, key })).toHaveLength(200);
    expect(pagesAsked(api.calls)).toEqual([1, 2, 3, 4, 5]);
  });

  it("asks one more page, alone, after a short first page (a cap or the end)", async () => {
    const api = endpoint(30);
    expect(await collectPages(api.fetchPage, { pageSize: 100, key })).toHaveLength(30);
    expect(pagesAsked(api.calls)).toEqual([1, 2]);
  });

  it("keeps going when the server caps pageSize below what was asked", async () => {
    const api = endpoint(120, { cap: 50 });
    const items = await collectPages(api.fetchPage, { pageSize: 100, key });
    expect(items.map((i) => i.id)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(pagesAsked(api.calls)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("ends on a server that ignores the page parameter", async () => {
    const api = endpoint(30, { ignoresPage: true });
    expect(await collectPages(api.fetchPage, { pageSize: 100, key })).toHaveLength(30);
    expect(api.calls).toHaveLength(2);
  });

  it("handles an empty list", async () => {
    expect(await collectPages(endpoint(0).fetchPage, { pageSize: 100, key })).toEqual([]);
  });

  it("keeps at most `concurrency` pages in flight", async () => {
    const api = endpoint(2000, { delayMs: 5 });
    expect(await collectPages(api.fetchPage, { pageSize: 100, key, concurrency: 3 })).toHaveLength(2000);
    expect(api.maxInFlight()).toBe(3);
  });

  it("stops at maxPages", async () => {
    const api = endpoint(1000);
    expect(await collectPages(api.fetchPage, { pageSize: 10, key, maxPages: 7 })).toHaveLength(70);
    expect(Math.max(...pagesAsked(api.calls))).toBe(7);
  });
});

describe("collectPages with a Total-Pages count", () => {
  it("fetches exactly the counted pages, in parallel, in order", async () => {
    const api = endpoint(950, { totalPages: (size) => Math.ceil(950 / size), delayMs: 5 });
    const items = await collectPages(api.fetchPage, { pageSize: 100, key });
    expect(items.map((i) => i.id)).toEqual(Array.from({ length: 950 }, (_, i) => i + 1));
    expect(pagesAsked(api.calls)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(api.maxInFlight()).toBe(4);
  });

  it("goes on past a count that is out of date", async () => {
    const api = endpoint(350, { totalPages: () => 2 });
    expect(await collectPages(api.fetchPage, { pageSize: 100, key })).toHaveLength(350);
  });

  it("stops at a short page even when the count says more", async () => {
    const api = endpoint(150, { totalPages: () => 6 });
    expect(await collectPages(api.fetchPage, { pageSize: 100, key })).toHaveLength(150);
  });
});

describe("mapConcurrently", () => {
  it("keeps the order and rejects on the first failure", async () => {
    expect(await mapConcurrently([3, 1, 2], 2, async (n) => n * 2)).toEqual([6, 2, 4]);
    await expect(mapConcurrently([1, 2], 2, async (n) => (n === 2 ? Promise.reject(new Error("boom")) : n))).rejects.toThrow("boom");
  });
});
