/**
 * dist/ bundles scripts/bundle/undici.cjs in place of undici's index (scripts/bundle-server.mjs).
 * It must hold every part of undici the transport reads, and its dispatcher must send a request
 * as the index's does; a part the transport starts using, or a module undici moves, fails here.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import type Undici from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const subset = createRequire(import.meta.url)(`${root}scripts/bundle/undici.cjs`) as typeof Undici;

describe("the part of undici that dist/ bundles", () => {
  it("holds every member of undici the transport reads", () => {
    const transport = readFileSync(`${root}src/cyclr/transport.ts`, "utf8");
    const read = new Set([...transport.matchAll(/\bundici\.([\w.]+)/g)].map(([, path]) => path ?? ""));
    expect(read.size).toBeGreaterThan(0);
    for (const path of read) {
      const value = path.split(".").reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], subset);
      expect(value, `undici.${path}`).toBeDefined();
    }
  });

  describe("sends a request through the retrying dispatcher, as the transport does", () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls += 1;
      // The first answer is a 503 the retry interceptor must repeat.
      res.writeHead(calls === 1 ? 503 : 200, { "content-type": "application/json" }).end(JSON.stringify({ calls }));
    });
    beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("answers after one retry", async () => {
      const agent = new subset.Agent();
      const dispatcher = agent.compose(subset.interceptors.retry({ methods: ["GET"], statusCodes: [503], minTimeout: 1, maxRetries: 2, throwOnError: false }));
      const { port } = server.address() as AddressInfo;
      const response = await dispatcher.request({ origin: `http://127.0.0.1:${port}`, path: "/v1.0/connectors?page=1", method: "GET" });
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toEqual({ calls: 2 });
      await agent.close();
    });
  });

  it("names undici's errors the transport tells apart", () => {
    expect(new subset.errors.HeadersTimeoutError()).toBeInstanceOf(Error);
    expect(new subset.errors.BodyTimeoutError()).toBeInstanceOf(Error);
    expect(new subset.errors.ConnectTimeoutError()).toBeInstanceOf(Error);
  });
});

describe("the bundled undici as the server loads it (dist/chunks)", () => {
  it("loads neither node:http2 nor node:tls until a connection needs them", () => {
    // The transport never allows HTTP/2; undici's Client loads its HTTP/2 half only when a
    // connection speaks it (scripts/bundle-server.mjs, http2WhenUsed).
    const chunk = readdirSync(`${root}dist/chunks`).find((name) => /^undici-.*\.js$/.test(name));
    expect(chunk, "npm run build writes dist/chunks/undici-*.js").toBeDefined();
    const script = `const before = new Set(process.moduleLoadList);
      await import(${JSON.stringify(`${root}dist/chunks/${chunk}`)});
      process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as string[];
    expect(loaded.length, "the chunk loads some of Node's modules").toBeGreaterThan(0);
    expect(loaded).not.toContain("NativeModule http2");
    expect(loaded).not.toContain("NativeModule tls");
  });
});
