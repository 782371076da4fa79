#!/usr/bin/env node
/** Thin entry: load config, maybe start the sandbox, serve MCP over stdio or (--http) Streamable HTTP. */
import { ConfigError, credentialSecret, helpText, loadConfig, type CyclrCredentials } from "./config.js";
import { createCyclrClient } from "./cyclr/index.js";
import { serveStdio } from "./hosting/stdio.js";
import type { CredentialPages } from "./hosting/credential-pages.js";
import { createLogger } from "./log.js";
import { BrowserSteps } from "./mcp/authentication-wait.js";
import type { CredentialLinks, ServerDeps } from "./mcp/tool.js";
import { Redactor } from "./redact.js";
import { VERSION } from "./version.js";

async function main(): Promise<number> {
  let command;
  try {
    command = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
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

  const { config } = command;
  let apiUrl = config.apiUrl;
  let credentials: CyclrCredentials | undefined = config.credentials;
  let accountId = config.accountId;
  let serviceDomain = config.serviceDomain;
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
  }
  if (!credentials) throw new Error("unreachable: loadConfig guarantees credentials outside sandbox mode");

  const redactor = new Redactor([credentialSecret(credentials)]);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, redactor });
  process.on("unhandledRejection", (reason) => logger.error("unhandled rejection", { reason: String(reason) }));

  const cyclr = createCyclrClient({
    apiUrl,
    credentials,
    timeoutMs: config.timeoutMs,
    catalogTtlMs: config.catalogTtlSeconds * 1000,
    redactor,
    logger,
  });
  const http = config.http;
  let hostOrigin = "";
  // The credential pages load on the first credential link, not at start-up (stdio: with a loopback
  // listener of their own; hosted: mounted on the HTTP listener, links on the public URL).
  let credentialPages: Promise<CredentialPages> | undefined;
  const pages = () =>
    (credentialPages ??= import("./hosting/credential-pages.js").then(
      (m) => new m.CredentialPages({ cyclr: cyclr.client, redactor, logger, ...(http && { publicUrl: () => http.publicUrl ?? hostOrigin }) }),
    ));
  const credentialLinks: CredentialLinks = { create: async (binding) => (await pages()).create(binding) };
  const deps: ServerDeps = {
    cyclr: cyclr.client,
    credentialLinks,
    browserSteps: new BrowserSteps(),
    ...(accountId !== undefined && { defaultAccountId: accountId }),
    ...(serviceDomain !== undefined && { serviceDomain }),
    ...(config.accountAllowlist !== undefined && { accounts: { allowlist: config.accountAllowlist } }),
  };
  const target = `${config.sandbox ? `the embedded sandbox at ${apiUrl}` : apiUrl}${accountId ? `, default account ${accountId}` : ", no default account"}`;
  const shutdown = async () => {
    await Promise.allSettled([cyclr.close(), stopSandbox?.(), credentialPages?.then((p) => p.close())]);
  };

  if (http) {
    const { serveHttp } = await import("./hosting/http.js");
    const loadedPages = await pages();
    const host = await serveHttp({
      config: http,
      deps,
      ...(config.accountAllowlist !== undefined && { accountAllowlist: config.accountAllowlist }),
      redactor,
      logger,
      ready: () => cyclr.ready(AbortSignal.timeout(config.timeoutMs)).then(() => true),
      credentialPages: (req, res) => loadedPages.handle(req, res),
    });
    hostOrigin = host.origin;
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
  await serveStdio({ deps, redactor, logger });
  await shutdown();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cyclr-mcp: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
