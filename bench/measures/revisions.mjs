/**
 * The two protocol revisions side by side, hosted: a warm list_connectors as a 2025-11-25 client
 * makes it (the v1 SDK's Client, in a session: the server is built once for the session) and as a
 * 2026-07-28 client makes it (the v2 SDK's Client pinned to that revision: no session, each request
 * answered by a server built for it, the caller checked every time). Same server, same sandbox,
 * calls one after another, in the same run.
 */
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { callTimes, envFor, median, ms, spawnHosted, spread, startSandbox } from "../shared.mjs";

export default {
  name: "revisions",
  async run({ quick, row, note }) {
    const count = quick ? 100 : 400;
    const sandbox = await startSandbox();
    const { url, child } = await spawnHosted(envFor(sandbox));
    const args = { page: 1, pageSize: 20 };
    try {
      const legacy = new Client({ name: "bench-2025", version: "1.0.0" });
      await legacy.connect(new StreamableHTTPClientTransport(new URL(url)));
      const modern = new ModernClient({ name: "bench-2026", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
      await modern.connect(new ModernTransport(new URL(url)));
      // Warm both (the catalog, the JIT), then take turns so the machine's moods fall on both alike.
      await callTimes(legacy, "list_connectors", args, 20);
      await callTimes(modern, "list_connectors", args, 20);
      const legacyTimes = [];
      const modernTimes = [];
      for (let i = 0; i < count / 20; i++) {
        legacyTimes.push(...(await callTimes(legacy, "list_connectors", args, 20)));
        modernTimes.push(...(await callTimes(modern, "list_connectors", args, 20)));
      }
      row(
        "Hosted call, 2026-07-28 (no session: a server per request) beside 2025-11-25 (a session), warm list_connectors",
        `${spread(modernTimes)} = +${ms(median(modernTimes) - median(legacyTimes))}`,
        `2025-11-25 session call ${spread(legacyTimes)}`,
        "—",
      );
      note(
        "A 2026-07-28 request carries who the client is and what it can do, and is answered by a server built for it (the tools registered, the caller's " +
          "scopes and extensions applied), where a 2025-11-25 session builds its server once: the difference above is that building, per call.",
      );
      await legacy.close();
      await modern.close();
    } finally {
      child.kill("SIGTERM");
      await sandbox.close();
    }
  },
};
