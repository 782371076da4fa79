import { describe, expect, it } from "vitest";
import { collectPages } from "../../src/cyclr/paging.js";

/** A fake list endpoint over `total` items, with an optional server-side cap on pageSize. */
function endpoint(total: number, options: { cap?: number; ignoresPage?: boolean } = {}) {
  const calls: [number, number][] = [];
  const items = Array.from({ length: total }, (_, i) => ({ id: i + 1 }));
  const fetchPage = async (page: number, pageSize: number) => {
    calls.push([page, pageSize]);
    const size = Math.min(pageSize, options.cap ?? Infinity);
    const start = options.ignoresPage ? 0 : (page - 1) * size;
    return items.slice(start, start + size);
  };
  return { calls, fetchPage };
}

const key = (item: { id: number }) => item.id;

describe("collectPages", () => {
  it("pages until a short page", async () => {
    const api = endpoint(250);
    const items = await collectPages(api.fetchPage, { pageSize: 100, key });
    expect(items).toHaveLength(250);
    expect(api.calls).toEqual([[1, 100], [2, 100], [3, 100]]);
  });

  it("stops at an empty page when the last page was full", async () => {
    const api = endpoint(200);
    expect(await collectPages(api.fetchPage, { pageSize: 100, key })).toHaveLength(200);
    expect(api.calls).toHaveLength(3);
  });

  it("keeps going when the server caps pageSize below what was asked", async () => {
    const api = endpoint(120, { cap: 50 });
    const items = await collectPages(api.fetchPage, { pageSize: 100, key });
    expect(items.map((i) => i.id)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it("ends on a server that ignores the page parameter", async () => {
    const api = endpoint(30, { ignoresPage: true });
    expect(await collectPages(api.fetchPage, { pageSize: 100, key })).toHaveLength(30);
    expect(api.calls).toHaveLength(2);
  });

  it("handles an empty list", async () => {
    expect(await collectPages(endpoint(0).fetchPage, { pageSize: 100, key })).toEqual([]);
  });
});
