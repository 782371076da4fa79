/**
 * An embedded Cyclr-compatible API on loopback (node:http only), used by --sandbox, the demo and
 * the tests. The server talks to it over real HTTP, exactly as to Cyclr. It never writes to stdout.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { handle, type ApiOptions, type SandboxRequest, type SandboxResponse } from "./api.js";
import { faultAnswer, faultFromBody, FaultList, replacesAnswer, SandboxFaultBodySchema, writeHugeBody, type SandboxFault } from "./faults.js";
import { SandboxState } from "./state.js";
import type { CycleRecord } from "./cycles.js";
import type { IncidentRecord, IncidentSeed } from "./cycle-runs.js";
import { SANDBOX_MARKETPLACE_ID, SandboxLaunch, type LaunchLinkState } from "./launch.js";
import type { ConnectorSpec } from "./fixtures.js";

export type { SandboxFault } from "./faults.js";
export type { CycleRecord } from "./cycles.js";
export type { IncidentRecord, IncidentSeed } from "./cycle-runs.js";
export type { LaunchLinkState } from "./launch.js";

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
  /** Add catalog items and account connectors in odd shapes (a null Connector, an object in Categories...), for the tests of item-by-item parsing. */
  oddItems?: boolean;
  /** Send a Total-Pages header on lists (off by default, as whether Cyclr does is unknown). */
  totalPagesHeader?: boolean;
  /**
   * Serve the fault-injection control over HTTP (POST/DELETE /__sandbox/faults, POST
   * /__sandbox/revoke-tokens). Off by default: only tests that drive a spawned server turn it on.
   */
  faultControl?: boolean;
  /**
   * How long a minute of a cycle's schedule lasts, in ms (compressed time): a cycle that runs every
   * 15 minutes runs every 15 × minuteMs. Default 200 (every 3 s).
   */
  minuteMs?: number;
}

/** A request as the sandbox received it (path decoded, header names lower-case) and the status it answered. */
export interface RecordedRequest extends SandboxRequest {
  json?: unknown;
  status: number;
}

/** A request failing with a status: the common fault. */
export type SandboxRouteFailure = SandboxFault & { status: number };

/** Where the HTTP fault control listens, when it is on. */
export const FAULT_CONTROL_PATH = "/__sandbox/faults";
export const REVOKE_TOKENS_PATH = "/__sandbox/revoke-tokens";
/** POST {accountId, accountConnectorId}: the application revokes that connector's sign-in (Cyclr does not notice). */
export const REVOKE_SIGN_IN_PATH = "/__sandbox/revoke-sign-in";

export interface Sandbox {
  url: string;
  serviceDomainUrl: string;
  clientId: string;
  clientSecret: string;
  accountId: string;
  otherAccountId: string;
  /** The sandbox's Marketplace (POST /v1.0/accounts/{id}/marketplace knows no other). */
  marketplaceId: number;
  requests: RecordedRequest[];
  clearRequests(): void;
  issueAccessToken(options?: { accountId?: string }): string;
  revokeTokens(): void;
  /** The account an access token is restricted to (scope=account:{id}); "partner" for an unrestricted one; undefined if unknown. */
  accessTokenScope(token: string): string | undefined;
  /** Makes the next `times` matching requests fail in the way described. */
  injectFault(fault: SandboxFault): void;
  /** injectFault for a failing status (kept for the tests that use it). */
  failRoute(failure: SandboxRouteFailure): void;
  clearFaults(): void;
  accountConnector(accountId: string, id: number): unknown;
  /** A cycle as the sandbox keeps it (its steps with their values), for tests to check what Cyclr stored. */
  cycle(accountId: string, cycleId: string): CycleRecord | undefined;
  /** The account's cycles as the sandbox keeps them. */
  cycles(accountId: string): CycleRecord[];
  /**
   * The sandbox switch of issue 25: the application revokes an account connector's sign-in. Cyclr
   * still calls it authenticated; the steps that use it fail with incidents until it is signed in again.
   */
  revokeSignIn(accountId: string, accountConnectorId: number): void;
  /** Adds incidents to a cycle (tests: HTML, secrets, ten thousand of them); `count` copies of the seed, a second apart, the newest now. */
  addIncidents(accountId: string, cycleId: string, seed: IncidentSeed, count?: number): IncidentRecord[];
  /** The cycle's incidents as the sandbox keeps them, oldest first. */
  incidents(accountId: string, cycleId: string): IncidentRecord[];
  /** Installs a template `count` times into the account at once (the bench's 1 000 cycles), each with these fields. */
  installCycles(accountId: string, templateId: string, count: number, fields?: Partial<Pick<CycleRecord, "Status" | "Interval" | "LastSuccessfulRunDate" | "Name">>): CycleRecord[];
  /** A LAUNCH or Marketplace link by its token: what it was made for, and whether anything opened it yet. */
  launchLink(token: string): LaunchLinkState | undefined;
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
  const state = new SandboxState(options.syntheticConnectors ?? 0, [accountId, otherAccountId], options.extraConnectors, options.oddItems);
  if (options.minuteMs !== undefined) state.runs.minuteMs = options.minuteMs;
  const launch = new SandboxLaunch(state);
  const api: ApiOptions = {
    clientId: "sandbox-client",
    clientSecret: "sandbox-secret-not-for-production",
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 1_209_599,
    defaultPageSize: options.defaultPageSize ?? 50,
    ...(options.maxPageSize !== undefined && { maxPageSize: options.maxPageSize }),
    ...(options.totalPagesHeader && { totalPagesHeader: true }),
  };
  const requests: RecordedRequest[] = [];
  const faults = new FaultList();
  const jsonAnswer = (status: number, value: unknown): SandboxResponse => ({
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(value),
  });

  /** The HTTP fault control (only with faultControl): add or clear faults, revoke tokens. */
  const control = (method: string, path: string, body: string): SandboxResponse | undefined => {
    if (!options.faultControl || !path.startsWith("/__sandbox/")) return undefined;
    if (path === REVOKE_TOKENS_PATH && method === "POST") {
      state.accessTokens.clear();
      return jsonAnswer(200, { Message: "Access tokens revoked." });
    }
    if (path === REVOKE_SIGN_IN_PATH && method === "POST") return state.runs.revokeControl(body, (account, id) => state.accountConnector(account, id));
    if (path !== FAULT_CONTROL_PATH) return jsonAnswer(404, { Message: `No sandbox control at ${path}.` });
    if (method === "DELETE") {
      faults.clear();
      return jsonAnswer(200, { Message: "Faults cleared." });
    }
    if (method !== "POST") return jsonAnswer(405, { Message: "Use POST to add a fault, DELETE to clear them." });
    let parsed;
    try {
      parsed = SandboxFaultBodySchema.safeParse(JSON.parse(body));
    } catch {
      return jsonAnswer(400, { Message: "The body must be JSON." });
    }
    if (!parsed.success) return jsonAnswer(400, { Message: parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ") });
    faults.add(faultFromBody(parsed.data));
    return jsonAnswer(200, { Message: "Fault added." });
  };

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
      let fault: SandboxFault | undefined;
      try {
        body = await readBody(req);
        const controlled = control(method, path, body);
        if (controlled) {
          res.writeHead(controlled.status, controlled.headers);
          res.end(controlled.body);
          return;
        }
        fault = faults.take(method, path);
        if (fault?.delayMs) await sleep(fault.delayMs);
        const real = () => handle(state, api, { method, path, query: Object.fromEntries(url.searchParams), headers, body }, launch);
        if (fault && !fault.afterHandling && (fault.drop || replacesAnswer(fault))) {
          response = faultAnswer(fault);
        } else {
          response = real();
          if (fault && replacesAnswer(fault)) response = faultAnswer(fault);
        }
      } catch {
        response = { status: 400, headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ Message: "The request is invalid." }) };
      }
      const recorded: RecordedRequest = {
        method,
        path,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
        // A dropped connection is recorded with status 0: nothing was answered.
        status: fault?.drop ? 0 : response.status,
      };
      if ((headers["content-type"] ?? "").includes("json")) {
        try {
          recorded.json = JSON.parse(body);
        } catch {
          // Recorded as text only.
        }
      }
      requests.push(recorded);
      if (fault?.drop) {
        req.socket.destroy();
        return;
      }
      if (fault?.hugeBody !== undefined) {
        await writeHugeBody(res, { ...fault, hugeBody: fault.hugeBody }).catch(() => res.destroy());
        return;
      }
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
    marketplaceId: SANDBOX_MARKETPLACE_ID,
    requests,
    clearRequests: () => void requests.splice(0),
    issueAccessToken: (tokenOptions = {}) => state.issueAccessToken(api.tokenLifetimeSeconds * 1000, tokenOptions.accountId),
    revokeTokens: () => state.accessTokens.clear(),
    accessTokenScope: (token) => {
      const record = state.accessToken(token);
      return record && (record.accountId ?? "partner");
    },
    injectFault: (fault) => faults.add(fault),
    failRoute: (failure) => faults.add(failure),
    clearFaults: () => faults.clear(),
    accountConnector: (account, id) => {
      const record = state.accountConnector(account, id);
      return record && state.render(record);
    },
    cycle: (account, id) => {
      state.runs.advance();
      return state.cycles.cycle(account, id);
    },
    cycles: (account) => {
      state.runs.advance();
      return state.cycles.cyclesOf(account);
    },
    revokeSignIn: (account, id) => {
      const record = state.accountConnector(account, id);
      if (!record) throw new Error(`no account connector ${id} in ${account}`);
      state.runs.revoke(record);
    },
    addIncidents: (account, cycleId, seed, count = 1) => {
      const cycle = state.cycles.cycle(account, cycleId);
      if (!cycle) throw new Error(`no cycle ${cycleId} in ${account}`);
      const now = Date.now();
      return Array.from({ length: count }, (_, i) => state.runs.addIncident(cycle, { ...seed, CreatedOnUtc: seed.CreatedOnUtc ?? new Date(now - (count - 1 - i) * 1000).toISOString() }));
    },
    incidents: (account, cycleId) => {
      state.runs.advance();
      const cycle = state.cycles.cycle(account, cycleId);
      return cycle ? (state.runs.incidents.get(cycle.Id) ?? []) : [];
    },
    installCycles: (account, templateId, count, fields = {}) => {
      const template = state.cycles.template(templateId);
      if (!template) throw new Error(`no template ${templateId}`);
      const made = Array.from({ length: count }, () => Object.assign(state.cycles.install(account, template), fields));
      // Their schedules start now.
      state.runs.advance();
      return made;
    },
    launchLink: (token) => launch.link(token),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { approveOAuthLink } from "./consent-driver.js";
export { finishLaunch } from "./launch-driver.js";
