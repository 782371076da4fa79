import { z } from "zod";
import { catalogEntry, filterCatalog } from "../../setup/catalog.js";
import { describeStaleCatalog } from "../errors.js";
import { defineTool } from "../tool.js";
import { accountIdArg, resolveAccountId } from "./shared.js";

const catalogEntrySchema = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().optional(),
  authTypes: z.array(z.string()),
  version: z.string().optional(),
  categories: z.array(z.string()),
  status: z.string().optional(),
});

export const listConnectors = defineTool({
  name: "list_connectors",
  title: "List connectors in the catalog",
  description:
    "Search the catalog of connectors the Cyclr account can install (step 1 of setup). " +
    "Returns compact entries: id (pass it to install_connector), name, short description, auth types, version, categories. " +
    "Filter with query (matches name, description and categories), category and authType. Results are paged: check hasMore.",
  inputSchema: {
    query: z.string().trim().max(200).optional().describe('Words to look for, e.g. "pipedrive" or "crm". Case and accents do not matter.'),
    category: z.string().trim().max(200).optional().describe('Only connectors in this category, e.g. "CRMs".'),
    authType: z
      .string()
      .trim()
      .max(50)
      .optional()
      .describe("Only connectors offering this auth type: ApiKey, Basic, OAuth1, OAuth2, None or AuthFields."),
    page: z.number().int().min(1).max(10_000).default(1).describe("Page number, from 1."),
    pageSize: z.number().int().min(1).max(100).default(20).describe("Connectors per page (1-100, default 20)."),
    accountId: accountIdArg,
  },
  outputSchema: {
    accountId: z.string(),
    total: z.number().describe("How many connectors match, across all pages."),
    page: z.number(),
    pageSize: z.number(),
    hasMore: z.boolean().describe("True when a later page has more matches."),
    connectors: z.array(catalogEntrySchema),
    stale: z.boolean().describe("True when the catalog is older than the cache allows: a refresh is under way, or the last one failed (see note)."),
    note: z.string().optional().describe("Why a stale catalog is shown."),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: (deps) => async (args) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const catalog = await deps.cyclr.listCatalog(accountId);
    const matches = filterCatalog(catalog.connectors, args);
    const note = catalog.stale ? describeStaleCatalog(catalog.loadedAt, catalog.refreshError) : undefined;
    const start = (args.page - 1) * args.pageSize;
    const connectors = matches.slice(start, start + args.pageSize).map(catalogEntry);
    const hasMore = start + args.pageSize < matches.length;
    const lines = connectors.map(
      (c) => `- ${c.name} (id ${c.id}; ${c.authTypes.join("/") || "auth unknown"}${c.categories.length ? `; ${c.categories.join(", ")}` : ""}${c.status ? `; ${c.status}` : ""})`,
    );
    const heading =
      matches.length === 0
        ? "No connectors match. Try fewer or other words, or no filters."
        : `${matches.length} connector(s) match; showing ${connectors.length} on page ${args.page}${hasMore ? ` (more on page ${args.page + 1})` : ""}:`;
    return {
      structuredContent: {
        accountId,
        total: matches.length,
        page: args.page,
        pageSize: args.pageSize,
        hasMore,
        connectors,
        stale: catalog.stale,
        ...(note !== undefined && { note }),
      },
      text: [heading, ...lines, ...(note !== undefined ? [note] : [])].join("\n"),
    };
  },
});
