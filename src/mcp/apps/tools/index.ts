import { getConnectorIcons } from "./get-connector-icons.js";
import { refreshCycleCard } from "./refresh-cycle-card.js";
import { refreshSetupCard } from "./refresh-setup-card.js";

/** Helpers only the cards call (visibility ["app"]): registered for clients that show cards, and for no other. */
export const CARD_TOOLS = [refreshSetupCard, refreshCycleCard, getConnectorIcons] as const;
