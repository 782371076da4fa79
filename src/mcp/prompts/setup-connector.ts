import * as z from "zod";
import type { Connector } from "../../cyclr/schemas.js";
import { searchCatalog } from "../../setup/search.js";
import { setupWalkthrough } from "../../setup/walkthrough.js";
import { completeConnectorName } from "../completions.js";
import { ToolInputError } from "../errors.js";
import type { ServerDeps } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import type { PromptDefinition } from "./prompt.js";

export const setupConnectorPrompt: PromptDefinition = {
  name: "setup_connector",
  title: "Set up a connector",
  description:
    "A step-by-step walkthrough for setting up one connector: its authentication method, its required properties with descriptions " +
    "and allowed values, the order of tool calls, and what to tell the person at each step.",
  argsSchema: {
    connector: z.string().trim().min(1).max(200).describe('The connector: its name as the person typed it (e.g. "hubspot") or its id.'),
    accountId: z.string().trim().min(1).max(200).optional().describe("Cyclr account API ID; leave out for the server's default account."),
  },
  complete: { connector: completeConnectorName },
  get: (deps) => async (args, { signal }) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const connector = await findConnector(deps, accountId, args.connector ?? "", signal);
    return {
      description: `Set up ${connector.Name}`,
      messages: [{ role: "user", content: { type: "text", text: setupWalkthrough(connector, accountId) } }],
    };
  },
};

/** By id, or the best match for the name typed; the full definition (with properties) either way. */
async function findConnector(deps: ServerDeps, accountId: string, typed: string, signal: AbortSignal): Promise<Connector> {
  if (/^\d+$/.test(typed)) return deps.cyclr.getConnector(accountId, Number(typed), { signal });
  const best = searchCatalog((await deps.cyclr.listCatalog(accountId)).connectors, { query: typed })[0];
  if (!best) throw new ToolInputError(`No connector in account ${accountId}'s catalog matches "${typed}". Call list_connectors to browse the catalog.`);
  return best.connector.Parameters ? best.connector : deps.cyclr.getConnector(accountId, best.connector.Id, { signal });
}
