import { z } from "zod";
import type { Connector } from "../../cyclr/schemas.js";
import { accountConnectorView } from "../account-connectors.js";
import { defineTool } from "../tool.js";
import { accountIdArg, connectorRefSchema, leftOutNote, resolveAccountId, setupStateSchema } from "./shared.js";

export const listAccountConnectors = defineTool({
  name: "list_account_connectors",
  title: "List the connectors installed in the account",
  description:
    "List what is already installed in the Cyclr account (account connectors), each with its setup state and next step. " +
    "Call it before installing, to resume a setup left half-done instead of installing the connector twice. Results are paged: check hasMore.",
  inputSchema: {
    accountId: accountIdArg,
    page: z.number().int().min(1).max(10_000).default(1).describe("Page number, from 1."),
    pageSize: z.number().int().min(1).max(100).default(20).describe("Account connectors per page (1-100, default 20)."),
  },
  outputSchema: {
    accountId: z.string(),
    page: z.number(),
    pageSize: z.number(),
    hasMore: z.boolean().describe("True when the page was full, so a later page may have more."),
    leftOut: z.number().optional().describe("Account connectors on this page that Cyclr sent in a shape this server cannot read: left out (see note)."),
    note: z.string().optional(),
    accountConnectors: z.array(
      z.object({
        accountConnectorId: z.number(),
        name: z.string().optional(),
        connector: connectorRefSchema,
        authenticated: z.boolean(),
        setup: setupStateSchema,
      }),
    ),
  },
  cyclrCalls: "`GET /v1.0/account/connectors?page=&pageSize=`",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: (deps) => async (args, { signal }) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const { items: installed, leftOut } = await deps.cyclr.listAccountConnectorsPage(accountId, { page: args.page, pageSize: args.pageSize }, { signal });
    // Definitions: the list usually carries each connector whole; otherwise the cached catalog, then one GET each.
    let catalog: Map<number, Connector> | undefined;
    const definitionOf = async (connector: Connector): Promise<Connector> => {
      if (connector.Parameters) return connector;
      catalog ??= new Map((await deps.cyclr.listCatalog(accountId)).connectors.map((c) => [c.Id, c]));
      return catalog.get(connector.Id)?.Parameters ? catalog.get(connector.Id)! : deps.cyclr.getConnector(accountId, connector.Id, { signal });
    };
    const accountConnectors = [];
    for (const accountConnector of installed) {
      const view = accountConnectorView(accountId, accountConnector, await definitionOf(accountConnector.Connector));
      // Compact: the account is the list's, and property names are for get_account_connector.
      accountConnectors.push({
        accountConnectorId: view.accountConnectorId,
        ...(view.name !== undefined && { name: view.name }),
        connector: view.connector,
        authenticated: view.authenticated,
        setup: view.setup,
      });
    }
    // The page's size counts what was left out too: a full page may still be followed by more.
    const hasMore = installed.length + leftOut.length === args.pageSize;
    const note = leftOut.length ? leftOutNote(leftOut, "account connector") : undefined;
    const lines = accountConnectors.map(
      (ac) => `- ${ac.name ?? ac.connector.name} (account connector ${ac.accountConnectorId}, ${ac.connector.name}): ${ac.setup.state}${ac.setup.nextStep.tool ? `; next: ${ac.setup.nextStep.tool}` : ""}`,
    );
    const heading =
      accountConnectors.length === 0
        ? args.page === 1
          ? `Nothing is installed in account ${accountId} yet.`
          : `No account connectors on page ${args.page}.`
        : `${accountConnectors.length} account connector(s) in account ${accountId} on page ${args.page}${hasMore ? ` (page ${args.page + 1} may have more)` : ""}:`;
    return {
      structuredContent: {
        accountId,
        page: args.page,
        pageSize: args.pageSize,
        hasMore,
        ...(leftOut.length && { leftOut: leftOut.length }),
        ...(note !== undefined && { note }),
        accountConnectors,
      },
      text: [heading, ...lines, ...(note !== undefined ? [note] : [])].join("\n"),
    };
  },
});
