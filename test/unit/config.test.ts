import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

const creds = { CYCLR_CLIENT_ID: "id", CYCLR_CLIENT_SECRET: "secret-value" };

function run(argv: string[], env: Record<string, string>) {
  const command = loadConfig(argv, env);
  if (command.kind !== "run") throw new Error(`expected run, got ${command.kind}`);
  return command.config;
}

describe("loadConfig", () => {
  it("reads client credentials and defaults", () => {
    const config = run([], { ...creds, CYCLR_ACCOUNT_ID: "JO-Test-1234567890" });
    expect(config).toMatchObject({
      apiUrl: "https://api.cyclr.com",
      timeoutMs: 30000,
      accountId: "JO-Test-1234567890",
      credentials: { kind: "clientCredentials", clientId: "id", clientSecret: "secret-value" },
    });
  });

  it("reads the catalog TTL and the sandbox fault control, which needs the sandbox", () => {
    expect(run([], creds)).toMatchObject({ catalogTtlSeconds: 300, sandboxFaults: false });
    expect(run(["--catalog-ttl-seconds", "0"], creds).catalogTtlSeconds).toBe(0);
    expect(() => loadConfig([], { ...creds, CYCLR_CATALOG_TTL_SECONDS: "-5" })).toThrow(/CYCLR_CATALOG_TTL_SECONDS \(--catalog-ttl-seconds\) must be 0 or more/);
    expect(run(["--sandbox", "--sandbox-faults"], {}).sandboxFaults).toBe(true);
    expect(() => loadConfig(["--sandbox-faults"], creds)).toThrow(/only works with the embedded sandbox/);
  });

  it("reads the response size limit: 32 MiB by default, bounded both ways", () => {
    expect(run([], creds).maxResponseBytes).toBe(32 * 1024 * 1024);
    expect(run(["--max-response-bytes", "1000000"], { ...creds, CYCLR_MAX_RESPONSE_BYTES: "2000000" }).maxResponseBytes).toBe(1_000_000);
    expect(() => loadConfig([], { ...creds, CYCLR_MAX_RESPONSE_BYTES: "1024" })).toThrow(/CYCLR_MAX_RESPONSE_BYTES \(--max-response-bytes\) must be at least 65536/);
    expect(() => loadConfig([], { ...creds, CYCLR_MAX_RESPONSE_BYTES: "lots" })).toThrow(/must be a whole number of bytes/);
  });

  it("reads the store: memory by default, Redis with CYCLR_MCP_REDIS_URL and its prefix", () => {
    expect(run([], creds).store).toEqual({ kind: "memory" });
    expect(run([], { ...creds, CYCLR_MCP_REDIS_URL: "rediss://:pw@redis.internal:6380" }).store).toEqual({ kind: "redis", url: "rediss://:pw@redis.internal:6380", prefix: "cyclr-mcp:" });
    expect(run(["--redis-prefix", "staging:"], { ...creds, CYCLR_MCP_REDIS_URL: "redis://127.0.0.1:6379" }).store).toMatchObject({ prefix: "staging:" });
    expect(() => loadConfig([], { ...creds, CYCLR_MCP_REDIS_URL: "http://redis:6379" })).toThrow(/CYCLR_MCP_REDIS_URL \(--redis-url\) must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it("reads the sandbox command: a free port unless given one", () => {
    expect(loadConfig(["sandbox"], {})).toEqual({ kind: "sandbox", port: 0, host: "127.0.0.1" });
    expect(loadConfig(["sandbox", "--port", "4555"], {})).toMatchObject({ kind: "sandbox", port: 4555 });
  });

  it("lets flags win over the environment", () => {
    const config = run(["--api-url", "https://api.eu.cyclr.com", "--account-id", "b"], { ...creds, CYCLR_API_URL: "https://api.cyclr.uk", CYCLR_ACCOUNT_ID: "a" });
    expect(config.apiUrl).toBe("https://api.eu.cyclr.com");
    expect(config.accountId).toBe("b");
  });

  it("accepts a ready access token", () => {
    expect(run([], { CYCLR_ACCESS_TOKEN: "tok-123" }).credentials).toEqual({ kind: "accessToken", accessToken: "tok-123" });
  });

  it("normalises the service domain from a host or an origin", () => {
    expect(run([], { ...creds, CYCLR_SERVICE_DOMAIN: "acme-h.cyclr.com" }).serviceDomain).toBe("https://acme-h.cyclr.com");
    expect(run([], { ...creds, CYCLR_SERVICE_DOMAIN: "http://127.0.0.1:8080/" }).serviceDomain).toBe("http://127.0.0.1:8080");
  });

  it("reads the OAuth target origins as origins, http only for loopback", () => {
    expect(run([], creds).oauthTargetOrigins).toBeUndefined();
    expect(run(["--oauth-target-origins", "app.example.com, http://localhost:5173/"], creds).oauthTargetOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
    expect(() => loadConfig([], { ...creds, CYCLR_OAUTH_TARGET_ORIGINS: "http://evil.example" })).toThrow(/CYCLR_OAUTH_TARGET_ORIGINS \(--oauth-target-origins\) must use https/);
    expect(() => loadConfig([], { ...creds, CYCLR_OAUTH_TARGET_ORIGINS: "https://app.example.com/done" })).toThrow(/CYCLR_OAUTH_TARGET_ORIGINS .*origin only/);
  });

  it("reads the Marketplace create_marketplace_link shows by default, a whole number", () => {
    expect(run([], creds).marketplaceId).toBeUndefined();
    expect(run(["--marketplace-id", "27"], creds).marketplaceId).toBe(27);
    expect(run([], { ...creds, CYCLR_MARKETPLACE_ID: "8" }).marketplaceId).toBe(8);
    expect(() => loadConfig([], { ...creds, CYCLR_MARKETPLACE_ID: "main" })).toThrow(/CYCLR_MARKETPLACE_ID \(--marketplace-id\) must be a Marketplace id/);
    expect(() => loadConfig([], { ...creds, CYCLR_MARKETPLACE_ID: "0" })).toThrow(/CYCLR_MARKETPLACE_ID .*Marketplace id/);
  });

  it.each([
    [{ ...creds, CYCLR_API_URL: "http://api.cyclr.com" }, /CYCLR_API_URL \(--api-url\) must use https/],
    [{ ...creds, CYCLR_API_URL: "https://api.cyclr.com/v1.0" }, /CYCLR_API_URL .*origin only/],
    [{ ...creds, CYCLR_SERVICE_DOMAIN: "http://acme-h.cyclr.com" }, /CYCLR_SERVICE_DOMAIN .*https/],
    [{ ...creds, CYCLR_TIMEOUT_MS: "soon" }, /CYCLR_TIMEOUT_MS \(--timeout-ms\)/],
    [{ ...creds, CYCLR_TIMEOUT_MS: "0" }, /CYCLR_TIMEOUT_MS .*at least 100/],
    [{ ...creds, CYCLR_LOG_LEVEL: "loud" }, /CYCLR_LOG_LEVEL .*error, warn, info, debug/],
    [{ CYCLR_CLIENT_ID: "id" }, /CYCLR_CLIENT_SECRET \(--client-secret\) is missing/],
    [{ ...creds, CYCLR_ACCESS_TOKEN: "t" }, /keep one of them/],
    [{}, /No Cyclr credentials.*--sandbox/],
  ])("rejects %o with a message naming the setting", (env, message) => {
    expect(() => loadConfig([], env)).toThrowError(ConfigError);
    expect(() => loadConfig([], env)).toThrowError(message);
  });

  it("accepts plain http for loopback hosts only", () => {
    expect(run([], { ...creds, CYCLR_API_URL: "http://127.0.0.1:9999" }).apiUrl).toBe("http://127.0.0.1:9999");
    expect(run([], { ...creds, CYCLR_API_URL: "http://localhost:9999" }).apiUrl).toBe("http://localhost:9999");
    expect(run([], { ...creds, CYCLR_API_URL: "http://[::1]:9999" }).apiUrl).toBe("http://[::1]:9999");
  });

  it("needs no credentials in sandbox mode", () => {
    expect(run(["--sandbox"], {}).sandbox).toBe(true);
    expect(run([], { CYCLR_SANDBOX: "1" }).sandbox).toBe(true);
  });

  it("rejects unknown flags and answers --help and --version", () => {
    expect(() => loadConfig(["--nope"], creds)).toThrowError(/--help/);
    expect(loadConfig(["--help"], {}).kind).toBe("help");
    expect(loadConfig(["--version"], {}).kind).toBe("version");
  });

  it("never puts a secret in its error messages", () => {
    try {
      loadConfig([], { CYCLR_CLIENT_SECRET: "super-secret-value", CYCLR_TIMEOUT_MS: "x" });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("super-secret-value");
    }
  });
});

describe("doctor --deep", () => {
  it("is a flag of the doctor command, not a setting", () => {
    expect(loadConfig(["doctor", "--deep", "--sandbox"], {})).toMatchObject({ kind: "doctor", deep: true });
    expect(loadConfig(["doctor", "--sandbox"], {})).toMatchObject({ kind: "doctor", deep: false });
    expect(() => loadConfig(["--deep", "--sandbox"], {})).toThrow(/--deep goes with doctor: cyclr-mcp doctor --deep/);
  });
});
