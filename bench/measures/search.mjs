/** The catalog search alone, in process, on 10 000 synthetic connectors (the index built once, then reused). */
import { built, median, spread } from "../shared.mjs";

export default {
  name: "search",
  async run({ row }) {
    const { searchCatalog } = await built("setup/search.js");
    const { seedConnectors } = await built("sandbox/fixtures.js");
    const { ConnectorListSchema, splitEntries } = await built("cyclr/schemas.js");
    // The list schema parses item by item: the connectors are the items that parsed.
    const catalog = splitEntries(ConnectorListSchema.parse(seedConnectors(10_000 - 47))).items;
    searchCatalog(catalog, { query: "warm" });
    const times = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      searchCatalog(catalog, { query: ["synthetic connector 00999", "hubspt", "sales force", "crm"][i % 4] });
      times.push(performance.now() - started);
    }
    row("Search alone, 10 000 connectors (in process)", spread(times), "—", "≤ 5 ms", median(times) <= 5);
  },
};
