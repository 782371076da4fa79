/** Hosted throughput: concurrent sessions calling list_connectors over Streamable HTTP, one replica with memory. */
import { envFor, hostedLoad, mb, ms, peakRss, spawnHosted, startSandbox } from "../shared.mjs";

export default {
  name: "hosted",
  async run({ quick, row }) {
    const sessions = quick ? 10 : 50;
    const callsEach = quick ? 10 : 40;
    const sandbox = await startSandbox();
    const { url, child } = await spawnHosted(envFor(sandbox));
    const load = await hostedLoad([url], sessions, callsEach);
    const rss = peakRss(child.pid);
    child.kill("SIGTERM");
    await sandbox.close();
    row(
      `Hosted: ${sessions} sessions × ${callsEach} list_connectors over HTTP`,
      `${Math.round(load.perSecond)} calls/s; p50 ${ms(load.p50)}, p99 ${ms(load.p99)}; ${load.errors} errors; peak RSS ${rss ? mb(rss) : "n/a"}`,
      "—",
      "no errors",
      load.errors === 0,
    );
  },
};
