#!/usr/bin/env node
/** Thin entry: load config, maybe start the sandbox, serve MCP over stdio or (--http) Streamable HTTP. */
import { setFlagsFromString } from "node:v8";
import { ConfigError, credentialSecret, helpText, loadConfig, type CyclrCredentials } from "./config/index.js";
import { createCyclrClient } from "./cyclr/index.js";
import { forwardedClientAddress } from "./hosting/client-address.js";
import { serveStdio } from "./hosting/stdio.js";
import type { CredentialPages } from "./hosting/credential-pages.js";
import { createLogger } from "./log.js";
import { AccountConnectorPolls, BrowserSteps } from "./mcp/shared/authentication-wait.js";
import { InputRounds } from "./mcp/input-rounds.js";
import { UncertainInstalls } from "./mcp/shared/uncertain-installs.js";
import type { CredentialLinks, ServerDeps } from "./mcp/tool.js";
import { TOOLS } from "./mcp/tools/index.js";
import { Redactor, SecretHash } from "./redact.js";
import { openStore, sharedCatalogs, sharedRefusals, sharedTokens } from "./store/index.js";
import { lookWindowMs } from "./setup/install-recovery.js";
import { isLoopbackHost } from "./loopback.js";
import { VERSION } from "./version.js";

// undici parses HTTP with WebAssembly (llhttp). V8 compiles it with its baseline compiler (Liftoff),
// then again with TurboFan once it runs hot: that second compile holds some 35 MB for a while, the
// largest part of a small server's peak memory, for a parser that is never this server's
// bottleneck (bench/results.md). Set before any WebAssembly is compiled.
setFlagsFromString("--liftoff-only");
// The server waits on Cyclr and on people, not on its CPU: V8's memory-saving mode (a heap that
// grows later, code flushed sooner) keeps a large catalog's load about 25 MB smaller at its peak,
// at no cost the bench can see in per-call or hosted figures (bench/results.md).
setFlagsFromString("--optimize-for-size");

async function main(): Promise<number> {
  let command;
  try {
    command = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError && error.command === "doctor") {
      process.stdout.write(`FAIL  configuration: ${error.message}\n\n1 check(s) failed: fix the FAIL line above, then run cyclr-mcp doctor again.\n`);
      return 1;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`cyclr-mcp: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (command.kind === "help") {
    process.stdout.write(`${helpText(VERSION)}\n`);
    return 0;
  }
  if (command.kind === "version") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command.kind === "demo") {
    const { runDemo } = await import("./demo.js");
    return runDemo();
  }
  if (command.kind === "sandbox") return serveSandboxAlone(command.port, command.host);
  const unknownTools = (command.config.tools ?? []).filter((name) => !TOOLS.some((tool) => tool.name === name));
  if (unknownTools.length > 0) {
    process.stderr.write(`cyclr-mcp: CYCLR_TOOLS (--tools) names no such tool: ${unknownTools.join(", ")}. The tools are ${TOOLS.map((t) => t.name).join(", ")}.\n`);
    return 2;
  }

  const { config } = command;
  let apiUrl = config.apiUrl;
  let credentials: CyclrCredentials | undefined = config.credentials;
  let accountId = config.accountId;
  let serviceDomain = config.serviceDomain;
  let marketplaceId = config.marketplaceId;
  let stopSandbox: (() => Promise<void>) | undefined;
  if (config.sandbox) {
    // Loaded only in sandbox mode.
    const { startSandbox } = await import("./sandbox/index.js");
    const sandbox = await startSandbox({ faultControl: config.sandboxFaults });
    stopSandbox = () => sandbox.close();
    apiUrl = sandbox.url;
    credentials = { kind: "clientCredentials", clientId: sandbox.clientId, clientSecret: sandbox.clientSecret };
    accountId ??= sandbox.accountId;
    serviceDomain ??= sandbox.serviceDomainUrl;
    marketplaceId ??= sandbox.marketplaceId;
  }
  if (!credentials) throw new Error("unreachable: loadConfig guarantees credentials outside sandbox mode");

  const redisPassword = config.store.kind === "redis" ? decodeURIComponent(new URL(config.store.url).password) : "";
  const redactor = new Redactor([credentialSecret(credentials), ...(redisPassword !== "" ? [redisPassword] : [])]);
  // The doctor reports on stdout; its own log lines would only repeat it.
  const logger = createLogger({ level: command.kind === "doctor" ? "error" : config.logLevel, format: config.logFormat, redactor });
  process.on("unhandledRejection", (reason) => logger.error("unhandled rejection", { reason: String(reason) }));

  // The doctor checks this process alone: it shares nothing with the replicas.
  const store = await openStore(command.kind === "doctor" ? { kind: "memory" } : config.store, { timeoutMs: config.timeoutMs, logger });
  const cyclr = createCyclrClient({
    apiUrl,
    credentials,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    catalogTtlMs: config.catalogTtlSeconds * 1000,
    redactor,
    logger,
    // With Redis: one token request and one catalog load for the whole deployment, and no replica
    // asks for another token after one was refused right after it was issued.
    ...(store.shared && {
      sharedCatalogs: sharedCatalogs(store, logger),
      sharedRefusals: sharedRefusals(store, logger),
      ...(credentials.kind === "clientCredentials" && { sharedTokens: sharedTokens(store, credentials.clientSecret, logger) }),
    }),
  });
  if (command.kind === "doctor") {
    const { runChecks, formatChecks } = await import("./doctor.js");
    const checks = await runChecks({
      config,
      apiUrl,
      credentials,
      cyclr,
      redactor,
      ...(accountId !== undefined && { accountId }),
      ...(serviceDomain !== undefined && { serviceDomain }),
    });
    const tokenFailed = checks.some((check) => check.name === "Cyclr token endpoint" && check.outcome === "fail");
    if (command.deep && accountId !== undefined && !tokenFailed) {
      const { runDeepChecks } = await import("./doctor.js");
      const deep = await runDeepChecks({ config, apiUrl, credentials, cyclr, redactor, accountId, ...(serviceDomain !== undefined && { serviceDomain }) });
      checks.push(...deep.checks);
      process.stdout.write(`${formatChecks(checks)}\n\nA report to paste into an issue (counts, ids and field paths; no values):\n\n${deep.report}\n`);
    } else {
      if (command.deep) checks.push({ name: "deep checks", outcome: "warn", detail: accountId === undefined ? "Not run: they need an account (CYCLR_ACCOUNT_ID)." : "Not run: no token." });
      process.stdout.write(`${formatChecks(checks)}\n`);
    }
    await Promise.allSettled([cyclr.close(), stopSandbox?.(), store.close()]);
    return checks.some((check) => check.outcome === "fail") ? 1 : 0;
  }

  const selection = { readOnly: config.readOnly, ...(config.tools && { tools: config.tools }) };
  const http = config.http;
  let hostOrigin = "";
  // The credential pages load on the first credential link, not at start-up (stdio: with a loopback
  // listener of their own; hosted: mounted on the HTTP listener, links on the public URL).
  let credentialPages: Promise<CredentialPages> | undefined;
  // Whose service the pages say the person connects to: the operator's name for it, else the service domain's host.
  const partner = config.partnerName ?? (config.sandbox ? "Cyclr sandbox" : serviceDomain && new URL(serviceDomain).host);
  const pageSignIn = http?.pageSignIn;
  const pages = () =>
    (credentialPages ??= Promise.all([import("./hosting/credential-pages.js"), pageSignIn && import("./hosting/page-sign-in.js")]).then(([m, signInModule]) => {
      const created: CredentialPages = new m.CredentialPages({
        cyclr: cyclr.client,
        store,
        redactor,
        logger,
        ...(http && { publicUrl: () => http.publicUrl ?? hostOrigin }),
        ...(http?.trustProxy && { clientAddress: forwardedClientAddress }),
        ...(http && cyclr.forAccount && { cyclrForAccount: cyclr.forAccount }),
        // Replicas hide what a person typed on another's page by keyed hashes, under a key they all derive alike.
        ...(store.shared && { secretHash: SecretHash.derivedFrom(credentialSecret(credentials)) }),
        ...(partner !== undefined && { partner }),
        // The pages' sign-in keeps its state in cookies sealed under a key every replica derives alike.
        ...(pageSignIn &&
          signInModule && {
            signIn: new signInModule.PageSignIn({
              config: pageSignIn,
              origin: () => created.origin(),
              key: signInModule.PageSignIn.keyFrom(credentialSecret(credentials)),
              logger,
              redactor,
            }),
          }),
      });
      return created;
    }));
  const credentialLinks: CredentialLinks = {
    create: async (binding) => (await pages()).create(binding),
    createSignInPage: async (binding) => (await pages()).createSignInPage(binding),
  };
  // Computed once; hosted without CYCLR_MCP_PUBLIC_URL, the listener's own origin is added once it is known.
  const oauthTargetOrigins = [...new Set([serviceDomain, ...(config.oauthTargetOrigins ?? []), http?.publicUrl].filter((o) => o !== undefined))];
  // The OAuth landing page is served where the credential pages are; in stdio mode the loopback
  // listener's origin is known once it listens, and a page this server serves is always allowed.
  const oauthLanding: NonNullable<ServerDeps["oauthLanding"]> = async (connectorName, step) => {
    const url = await (await pages()).landingUrl(connectorName, step);
    const origin = new URL(url).origin;
    if (!http && !oauthTargetOrigins.includes(origin)) oauthTargetOrigins.push(origin);
    return url;
  };
  // 2026-07-28 clients are asked through input_required rounds; the state they carry is signed with a
  // key derived from the partner's secret, which every replica has, and spent once in the store.
  const inputRounds = new InputRounds({ secret: credentialSecret(credentials), store });
  // Hosted: what is done for one account (waits, credential pages) uses a token Cyclr restricted to it.
  const accountConnectorPolls = new AccountConnectorPolls(cyclr.client, store, http ? cyclr.forAccount : undefined);
  const deps: ServerDeps = {
    cyclr: cyclr.client,
    // The partner's own token, whatever token a pinned session's calls use (hosting/http.ts).
    partner: cyclr.client,
    credentialLinks,
    oauthTargetOrigins,
    oauthLanding,
    browserSteps: new BrowserSteps(store),
    accountConnectorPolls,
    uncertainInstalls: new UncertainInstalls(lookWindowMs(config.timeoutMs), { store, logger }),
    ...(accountId !== undefined && { defaultAccountId: accountId }),
    ...(serviceDomain !== undefined && { serviceDomain }),
    ...(marketplaceId !== undefined && { marketplaceId }),
    ...(config.accountAllowlist !== undefined && { accounts: { allowlist: config.accountAllowlist } }),
    ...(http?.linksForOthers && { linksForOthers: true }),
  };
  const target = `${config.sandbox ? `the embedded sandbox at ${apiUrl}` : apiUrl}${accountId ? `, default account ${accountId}` : ", no default account"}`;
  const shutdown = async () => {
    accountConnectorPolls.close();
    await Promise.allSettled([cyclr.close(), stopSandbox?.(), credentialPages?.then((p) => p.close())]);
    await store.close();
  };

  if (http) {
    const { serveHttp } = await import("./hosting/http.js");
    const loadedPages = await pages();
    const host = await serveHttp({
      config: http,
      deps,
      ...(config.accountAllowlist !== undefined && { accountAllowlist: config.accountAllowlist }),
      ...(cyclr.forAccount && { cyclrForAccount: cyclr.forAccount }),
      redactor,
      logger,
      ready: () => cyclr.ready(AbortSignal.timeout(config.timeoutMs)).then(() => true),
      store,
      selection,
      credentialPages: (req, res) => loadedPages.handle(req, res),
      inputRounds,
    });
    hostOrigin = host.origin;
    // Plain http is a place to send a browser only on loopback (as CYCLR_OAUTH_TARGET_ORIGINS allows).
    if (!http.publicUrl && isLoopbackHost(new URL(host.origin).hostname) && !oauthTargetOrigins.includes(host.origin)) oauthTargetOrigins.push(host.origin);
    logger.info(`cyclr-mcp ${VERSION} serving MCP at ${host.origin}/mcp (${http.stateless ? "stateless" : "sessions"}) against ${target}`);
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
    });
    logger.info("shutting down: finishing calls in flight");
    await host.close();
    await shutdown();
    return 0;
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void shutdown().finally(() => process.exit(0)));
  }
  logger.info(`cyclr-mcp ${VERSION} serving MCP on stdio against ${target}${config.sandboxFaults ? "; sandbox fault injection on at POST /__sandbox/faults" : ""}`);
  await serveStdio({ deps, redactor, logger, selection, inputRounds });
  await shutdown();
  return 0;
}

/**
 * `cyclr-mcp sandbox`: the embedded sandbox API and its consent page alone, so that several
 * replicas (and a person trying things out) share one Cyclr stand-in. Its lines go to stdout.
 */
async function serveSandboxAlone(port: number, host: string): Promise<number> {
  const { startSandbox } = await import("./sandbox/index.js");
  const sandbox = await startSandbox({ port, host });
  process.stdout.write(
    [
      `cyclr-mcp sandbox: the embedded Cyclr API at ${sandbox.url} (consent page on ${sandbox.serviceDomainUrl}).`,
      "Point a server at it with:",
      `CYCLR_API_URL=${sandbox.url}`,
      `CYCLR_CLIENT_ID=${sandbox.clientId}`,
      `CYCLR_CLIENT_SECRET=${sandbox.clientSecret}`,
      `CYCLR_ACCOUNT_ID=${sandbox.accountId}`,
      `CYCLR_SERVICE_DOMAIN=${sandbox.serviceDomainUrl}`,
      "Stop it with Ctrl-C.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
  });
  await sandbox.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cyclr-mcp: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
