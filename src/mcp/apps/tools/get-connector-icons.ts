import * as z from "zod";
import { cardIcon } from "../../../setup/icons.js";
import { defineTool } from "../../tool.js";
import { resolveAccountId } from "../../shared/account-policy.js";
import { accountIdArg, boundedList, positiveId } from "../../shared/arguments.js";

/** Icons asked of Cyclr at once: a picker page shows up to 20. */
const CONCURRENCY = 4;

export const getConnectorIcons = defineTool({
  name: "get_connector_icons",
  title: "Get connector icons for a card",
  description:
    "For the connector picker and the setup card only (hidden from the model): the icons of the connectors named, as data URIs. " +
    "A connector without a usable icon is listed without one.",
  inputSchema: {
    connectorIds: boundedList(positiveId(), { min: 1, max: 50 }).describe("1 to 50 connector ids from list_connectors or an account connector's connector.id."),
    accountId: accountIdArg,
  },
  outputSchema: {
    icons: z.array(z.object({ connectorId: z.number(), icon: z.string().optional() })),
  },
  cyclrCalls: "`GET /v1.0/connectors/{id}` per connector",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card", visibility: ["app"] },
  handler: (deps) => async (args, { signal }) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const ids = [...new Set(args.connectorIds)];
    const icons: { connectorId: number; icon?: string }[] = [];
    for (let start = 0; start < ids.length; start += CONCURRENCY) {
      const batch = ids.slice(start, start + CONCURRENCY);
      // An icon is decoration: one that cannot be had leaves its card plain, never fails the others.
      const found = await Promise.all(batch.map((id) => deps.cyclr.getConnectorIcon(accountId, id, { signal }).catch(() => undefined)));
      batch.forEach((connectorId, i) => {
        const icon = cardIcon(found[i]);
        icons.push({ connectorId, ...(icon !== undefined && { icon }) });
      });
    }
    return { structuredContent: { icons }, text: `${icons.filter((i) => i.icon).length} of ${icons.length} connectors have an icon.` };
  },
});
