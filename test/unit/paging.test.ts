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

describe("collectPages with pages read later (parsed after the next pages are asked for)", () => {
  /** The endpoint's pages as UnreadPage: reading one is logged, so the order of asking and reading shows. */
  function unread(api: ReturnType<typeof endpoint>, log: string[]) {
    return async (page: number, pageSize: number) => {
      log.push(`ask ${page}`);
      const result = await api.fetchPage(page, pageSize);
      const items = Array.isArray(result) ? result : result.items;
      log.push(`got ${page}`);
      return {
        count: items.length,
        read: () => {
          log.push(`read ${page}`);
          return items;
        },
        ...(!Array.isArray(result) && { totalPages: result.totalPages }),
      };
    };
  }

  it("asks for the next window before reading the pages in hand, and asks the same pages as before", async () => {
    const api = endpoint(450);
    const log: string[] = [];
    const items = await collectPages(unread(api, log), { pageSize: 100, key });
    expect(items.map((i) => i.id)).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    expect(pagesAsked(api.calls)).toEqual([1, 2, 3, 4, 5]);
    // Pages 2-5 were asked for before page 1 was read; each window before the one in hand.
    expect(log.indexOf("ask 5")).toBeLessThan(log.indexOf("read 1"));
    expect(log.filter((line) => line.startsWith("read"))).toEqual(["read 1", "read 2", "read 3", "read 4", "read 5"]);
  });

  it("reads nothing ahead of a short page, and stops at it", async () => {
    const api = endpoint(150);
    const log: string[] = [];
    expect(await collectPages(unread(api, log), { pageSize: 100, key })).toHaveLength(150);
    // Page 2 is short: no window after it, and pages 3-5 (asked with it) are never read.
    expect(pagesAsked(api.calls)).toEqual([1, 2, 3, 4, 5]);
    expect(log.filter((line) => line.startsWith("read"))).toEqual(["read 1", "read 2"]);
  });

  it("gives the asked requests a turn of the event loop to go out before reading the pages in hand", async () => {
    const api = endpoint(450);
    const log: string[] = [];
    const ask = unread(api, log);
    // A request "goes out" in a callback of its own, as undici writes one: not within the microtask that asked it.
    const sending = async (page: number, pageSize: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`sent ${page}`);
      return ask(page, pageSize);
    };
    expect(await collectPages(sending, { pageSize: 100, key })).toHaveLength(450);
    expect(log.indexOf("sent 5")).toBeGreaterThan(-1);
    expect(log.indexOf("sent 5")).toBeLessThan(log.indexOf("read 1"));
  });

  it("with a count, asks for the counted pages before reading the first", async () => {
    const api = endpoint(950, { totalPages: (size) => Math.ceil(950 / size) });
    const log: string[] = [];
    expect(await collectPages(unread(api, log), { pageSize: 100, key })).toHaveLength(950);
    expect(pagesAsked(api.calls)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(api.calls.length).toBe(10);
  });

  it("a server that ignores `page` costs one window (four pages) in vain, then the walk ends", async () => {
    const api = endpoint(30, { ignoresPage: true });
    expect(await collectPages(unread(api, []), { pageSize: 100, key })).toHaveLength(30);
    expect(pagesAsked(api.calls)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("collectPages ending within a window", () => {
  /** 100 items a page over `total` items; the pages in `held` answer only when let go, those in `failing` fail. */
  function gated(total: number, held: number[], failing: number[] = []) {
    const asked: number[] = [];
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    const fetchPage = async (page: number, pageSize: number) => {
      asked.push(page);
      if (held.includes(page)) await gate;
      if (failing.includes(page)) throw new Error(`page ${page} failed`);
      const start = (page - 1) * pageSize;
      return Array.from({ length: Math.max(0, Math.min(pageSize, total - start)) }, (_, i) => ({ id: start + i + 1 }));
    };
    return { asked, fetchPage, letGo };
  }

  it("answers at the page that ends the walk, without waiting for the window's later pages", async () => {
    // 100 items: page 2 is empty and ends the walk; pages 3-5, asked with it, never answer until let go.
    const api = gated(100, [3, 4, 5]);
    const items = await collectPages(api.fetchPage, { pageSize: 100, key });
    expect(items).toHaveLength(100);
    expect(api.asked.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    api.letGo();
  });

  it("takes no harm from a page past the end that fails", async () => {
    const api = gated(150, [], [3, 4]);
    expect(await collectPages(api.fetchPage, { pageSize: 100, key })).toHaveLength(150);
  });

  it("still fails when a page it needs fails", async () => {
    const api = gated(450, [], [3]);
    await expect(collectPages(api.fetchPage, { pageSize: 100, key })).rejects.toThrow("page 3 failed");
  });
});

describe("mapConcurrently", () => {
  it("keeps the order and rejects on the first failure", async () => {
    expect(await mapConcurrently([3, 1, 2], 2, async (n) => n * 2)).toEqual([6, 2, 4]);
    await expect(mapConcurrently([1, 2], 2, async (n) => (n === 2 ? Promise.reject(new Error("boom")) : n))).rejects.toThrow("boom");
  });
});
