/** The setup card's entry (bundled into ui://cyclr/setup-card.html). */
import { SetupCard } from "./setup-card-ui.js";
import { startCard } from "./start.js";

startCard("cyclr-setup-card", (host, root) => new SetupCard(host, root));
