/**
 * The Cyclr client on a sandbox, for the integration tests that drive it without the server (the
 * end-to-end tests spawn the built server instead, and do not load the client).
 */
import type { CyclrClient } from "../src/cyclr/client.js";
import { createCyclrClient, type CyclrClientSettings, type CyclrConnection } from "../src/cyclr/index.js";
import { silentLogger } from "../src/log.js";
import { Redactor } from "../src/redact.js";
import { startSandbox, type Sandbox, type SandboxOptions } from "../src/sandbox/index.js";

/** The Cyclr client on a sandbox with its partner client credentials, for tests without the server; `settings` override these. */
export function sandboxCyclrClient(sandbox: Sandbox, settings: Partial<CyclrClientSettings> = {}): CyclrConnection {
  return createCyclrClient({
    apiUrl: sandbox.url,
    credentials: { kind: "clientCredentials", clientId: sandbox.clientId, clientSecret: sandbox.clientSecret },
    timeoutMs: 5_000,
    redactor: new Redactor([sandbox.clientSecret]),
    logger: silentLogger,
    ...settings,
  });
}

/** A sandbox and the Cyclr client on it, for a file of such tests; `close` closes the client, then the sandbox. */
export async function startSandboxWithClient(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; connection: CyclrConnection; cyclr: CyclrClient; close(): Promise<void> }> {
  const sandbox = await startSandbox(options);
  const connection = sandboxCyclrClient(sandbox);
  return {
    sandbox,
    connection,
    cyclr: connection.client,
    close: async () => {
      await connection.close();
      await sandbox.close();
    },
  };
}
