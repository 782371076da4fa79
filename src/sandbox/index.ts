/**
 * An embedded Cyclr-compatible API on loopback (node:http only), used by --sandbox, the demo and
 * the tests. The server talks to it over real HTTP, exactly as to Cyclr. It never writes to stdout.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { handle, type ApiOptions, type SandboxRequest, type SandboxResponse } from "./api.js";
import { SandboxState } from "./state.js";
import type { ConnectorSpec } from "./fixtures.js";

export interface SandboxOptions {
  host?: string;
  port?: number;
  /** expires_in of issued access tokens; default 1209599 (14 days less a second, as Cyclr). */
  tokenLifetimeSeconds?: number;
  /** When set, list endpoints silently cap pageSize at this. */
  maxPageSize?: number;
  /** pageSize when a list request has none; default 50 (inferred: Cyclr's default is undocumented). */
  defaultPageSize?: number;
  /** Generated connectors added after the seeded ones, for scale tests. */
  syntheticConnectors?: number;
  /** Connectors added to the catalog for a test, numbered from 200000. */
  extraConnectors?: ConnectorSpec[];
}

/** A request as the sandbox received it (path decoded, header names lower-case) and the status it answered. */
export interface RecordedRequest extends SandboxRequest {
  json?: unknown;
  status: number;
}

export interface SandboxRouteFailure {
  method?: string;
  path: string | RegExp;
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** How many matching requests fail; default 1. */
  times?: number;
}

export interface Sandbox {
  url: string;
  serviceDomainUrl: string;
  clientId: string;
  clientSecret: string;
  accountId: string;
  otherAccountId: string;
  requests: RecordedRequest[];
  clearRequests(): void;
  issueAccessToken(options?: { accountId?: string }): string;
  revokeTokens(): void;
  failRoute(failure: SandboxRouteFailure): void;
  accountConnector(accountId: string, id: number): unknown;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const accountId = "acme-sandbox";
  const otherAccountId = "globex-eu-7731";
  const state = new SandboxState(options.syntheticConnectors ?? 0, [accountId, otherAccountId], options.extraConnectors);
  const api: ApiOptions = {
    clientId: "sandbox-client",
    clientSecret: "sandbox-secret-not-for-production",
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 1_209_599,
    defaultPageSize: options.defaultPageSize ?? 50,
    ...(options.maxPageSize !== undefined && { maxPageSize: options.maxPageSize }),
  };
  const requests: RecordedRequest[] = [];
  const failures: (SandboxRouteFailure & { remaining: number })[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://sandbox");
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        path = url.pathname;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
      }
      const method = req.method ?? "GET";
      let body = "";
      let response: SandboxResponse;
      try {
        body = await readBody(req);
        const failure = failures.find(
          (f) => f.remaining > 0 && (!f.method || f.method === method) && (typeof f.path === "string" ? f.path === path : f.path.test(path)),
        );
        if (failure) {
          failure.remaining -= 1;
          response = {
            status: failure.status,
            headers: { "content-type": "application/json; charset=utf-8", ...failure.headers },
            body: failure.body ?? JSON.stringify({ Message: "An error has occurred." }),
          };
        } else {
          response = handle(state, api, { method, path, query: Object.fromEntries(url.searchParams), headers, body });
        }
      } catch {
        response = { status: 400, headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ Message: "The request is invalid." }) };
      }
      const recorded: RecordedRequest = { method, path, query: Object.fromEntries(url.searchParams), headers, body, status: response.status };
      if ((headers["content-type"] ?? "").includes("json")) {
        try {
          recorded.json = JSON.parse(body);
        } catch {
          // Recorded as text only.
        }
      }
      requests.push(recorded);
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    })();
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    // Inferred stand-in: the service domain is served by the same listener.
    serviceDomainUrl: url,
    clientId: api.clientId,
    clientSecret: api.clientSecret,
    accountId,
    otherAccountId,
    requests,
    clearRequests: () => void requests.splice(0),
    issueAccessToken: (tokenOptions = {}) => state.issueAccessToken(api.tokenLifetimeSeconds * 1000, tokenOptions.accountId),
    revokeTokens: () => state.accessTokens.clear(),
    failRoute: (failure) => void failures.push({ ...failure, remaining: failure.times ?? 1 }),
    accountConnector: (account, id) => {
      const record = state.accountConnector(account, id);
      return record && state.render(record);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { approveOAuthLink } from "./consent-driver.js";
