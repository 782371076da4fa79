/** The token cache over real loopback HTTP: one request for concurrent callers, renewal before expiry. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientCredentialsAccessToken } from "../../src/cyclr/access-token.js";
import { CyclrAuthError } from "../../src/cyclr/errors.js";
import { HttpTransport } from "../../src/cyclr/transport.js";
import { silentLogger } from "../../src/log.js";
import { Redactor } from "../../src/redact.js";

let server: Server;
let issued = 0;
let bodies: string[] = [];
let url = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      bodies.push(body);
      const form = new URLSearchParams(body);
      res.setHeader("content-type", "application/json");
      if (form.get("client_secret") !== "right-secret") {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: "invalid_client" }));
        return;
      }
      issued += 1;
      // Slow enough that concurrent callers overlap.
      setTimeout(() => res.end(JSON.stringify({ token_type: "bearer", access_token: `token-${issued}`, expires_in: 3600, clientId: "c" })), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function source(secret: string, now: () => number) {
  const redactor = new Redactor([secret]);
  const transport = new HttpTransport({ apiUrl: url, timeoutMs: 2000, userAgent: "test", redactor, logger: silentLogger });
  return new ClientCredentialsAccessToken(transport, { clientId: "c", clientSecret: secret }, redactor, now);
}

describe("ClientCredentialsAccessToken", () => {
  it("posts form-encoded client credentials once for concurrent callers", async () => {
    issued = 0;
    bodies = [];
    const tokens = source("right-secret", Date.now);
    const got = await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    expect(new Set(got)).toEqual(new Set(["token-1"]));
    expect(bodies).toEqual(["grant_type=client_credentials&client_id=c&client_secret=right-secret"]);
    expect(await tokens.get()).toBe("token-1");
  });

  it("renews shortly before expires_in, and on refresh of a stale token", async () => {
    issued = 0;
    let clock = 0;
    const tokens = source("right-secret", () => clock);
    expect(await tokens.get()).toBe("token-1");
    clock = 3_000_000; // 50 minutes: still valid
    expect(await tokens.get()).toBe("token-1");
    clock = 3_500_000; // past expiry minus the early-renewal margin
    expect(await tokens.get()).toBe("token-2");
    expect(await tokens.refresh("token-2")).toBe("token-3");
    // A refresh for a token that was already replaced reuses the new one.
    expect(await tokens.refresh("token-2")).toBe("token-3");
  });

  it("reports refused credentials as an auth error without the secret", async () => {
    const tokens = source("wrong-secret-123", Date.now);
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CyclrAuthError);
    expect(String((error as Error).message)).toMatch(/refused the client credentials \(400, invalid_client\)/);
    expect(String((error as Error).message)).not.toContain("wrong-secret-123");
  });
});
