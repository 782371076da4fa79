/** Per-call overhead: a warm list_connectors over stdio against a direct GET of the same page from the sandbox. */
import { CLI, callTimes, connectStdio, envFor, median, ms, quantile, startSandbox } from "../shared.mjs";

export default {
  name: "call",
  async run({ quick, row }) {
    const count = quick ? 100 : 500;
    const sandbox = await startSandbox();
    const { client } = await connectStdio([CLI], envFor(sandbox));
    await client.listTools();
    const args = { page: 1, pageSize: 20 };
    await callTimes(client, "list_connectors", args, 20); // warm the catalog and the JIT
    const viaMcp = await callTimes(client, "list_connectors", args, count);
    const token = sandbox.issueAccessToken();
    const direct = [];
    for (let i = 0; i < count + 20; i++) {
      const started = performance.now();
      const response = await fetch(`${sandbox.url}/v1.0/connectors?page=1&pageSize=20`, {
        headers: { authorization: `Bearer ${token}`, "x-cyclr-account": sandbox.accountId },
      });
      await response.text();
      if (i >= 20) direct.push(performance.now() - started);
    }
    const p50 = median(viaMcp) - median(direct);
    const p99 = quantile(viaMcp, 0.99) - quantile(direct, 0.99);
    row(
      "Per call: list_connectors (warm catalog) over stdio, overhead p50 / p99",
      `${ms(p50)} / ${ms(p99)} (call ${ms(median(viaMcp))} / ${ms(quantile(viaMcp, 0.99))})`,
      `direct GET of the page ${ms(median(direct))} / ${ms(quantile(direct, 0.99))}`,
      "p50 ≤ 1 ms, p99 ≤ 3 ms",
      p50 <= 1 && p99 <= 3,
    );
    await client.close();
    await sandbox.close();
  },
};
