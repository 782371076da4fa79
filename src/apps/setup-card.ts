/** The setup card's entry (bundled into ui://cyclr/setup-card.html): an account connector's setup, or an integration's (a cycle's). */
import { CycleCard } from "./cycle-card-ui.js";
import { SetupCard } from "./setup-card-ui.js";
import { startCard } from "./start.js";

startCard("cyclr-setup-card", (host, root) => {
  const connectors = new SetupCard(host, root);
  const cycles = new CycleCard(host, root);
  return {
    // A result about integrations is the cycle view's; any other is the connector view's. The one not shown stops asking.
    showResult(structured) {
      if (cycles.showResult(structured)) {
        connectors.close();
        return true;
      }
      cycles.close();
      return connectors.showResult(structured);
    },
  };
});
