/** The catalog-picker card's entry (bundled into ui://cyclr/catalog-picker.html). */
import { startCard } from "./start.js";
import { ConnectorPicker } from "./picker-ui.js";

startCard("cyclr-catalog-picker", (host, root) => new ConnectorPicker(host, root));
