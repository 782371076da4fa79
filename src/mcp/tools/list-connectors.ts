import * as z from "zod";
import type { NextStep } from "../../setup/setup-state.js";
import { catalogEntry } from "../../setup/catalog.js";
import { searchCatalog } from "../../setup/search.js";
import { describeStaleCatalog } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg } from "../shared/arguments.js";
import { leftOutNote, nextStepSchema } from "../shared/results.js";

const catalogEntrySchema = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().optional(),
  authTypes: z.array(z.string()),
  version: z.string().optional(),
  categories: z.array(z.string()),
  status: z.string().optional(),
  match: z.enum(["exact", "prefix", "word", "fuzzy"]).optional().describe("How it matched the query; fuzzy means a likely typo, so confirm with the person."),
});

export const listConnectors = defineTool({
  name: "list_connectors",
  title: "List connectors in the catalog",
  description:
    "Search the connector catalog (step 1): compact entries, with the id for install_connector. query forgives case, accents, spacing and typos (\"hubspt\" finds HubSpot), best match first. Filter by category and authType. Paged: check hasMore; nextStep says what next.",
  inputSchema: {
    query: z.string().trim().max(200).optional().describe('e.g. "pipedrive" or "crm".'),
    category: z.string().trim().max(200).optional().describe('Only connectors in this category, e.g. "CRMs".'),
    authType: z
      .string()
      .trim()
      .max(50)
      .optional()
      .describe("ApiKey, Basic, OAuth1, OAuth2, None or AuthFields."),
    page: z.number().int().min(1).max(10_000).default(1).describe("Page number, from 1."),
    pageSize: z.number().int().min(1).max(100).default(20).describe("1-100, default 20."),
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
    leftOut: z.number().optional().describe("Catalog items Cyclr sent in a shape this server cannot read: left out of every search (see note)."),
    note: z.string().optional().describe("Why a stale catalog is shown, or that some connectors were left out."),
    nextStep: nextStepSchema,
  },
  cyclrCalls: "`GET /v1.0/connectors?page=&pageSize=` (the catalog, cached)",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "catalog-picker" },
  handler: (deps) => async (args) => {
    const accountId = resolveAccountId(args.accountId, deps);
    const catalog = await deps.cyclr.listCatalog(accountId);
    const matches = searchCatalog(catalog.connectors, args);
    const notes = [
      ...(catalog.stale ? [describeStaleCatalog(catalog.loadedAt, catalog.refreshError)] : []),
      ...(catalog.leftOut.length ? [leftOutNote(catalog.leftOut, "connector")] : []),
    ];
    const note = notes.length ? notes.join(" ") : undefined;
    const start = (args.page - 1) * args.pageSize;
    const connectors = matches.slice(start, start + args.pageSize).map(({ connector, match }) => ({ ...catalogEntry(connector), ...(match && { match }) }));
    const hasMore = start + args.pageSize < matches.length;
    const lines = connectors.map(
      (c) => `- ${c.name} (id ${c.id}; ${c.match === "fuzzy" ? "close match; ": ""}${c.authTypes.join("/") || "auth unknown"}${c.categories.length ? `; ${c.categories.join(", ")}` : ""}${c.status ? `; ${c.status}` : ""})`,
    );
    const heading =
      matches.length === 0
        ? "No connectors match. Try fewer or other words, or no filters."
        : `${matches.length} connector(s) match; showing ${connectors.length} on page ${args.page}${hasMore ? ` (more on page ${args.page + 1})` : ""}:`;
    const best = connectors[0];
    const nextStep: NextStep = best
      ? {
          tool: "install_connector",
          arguments: { connectorId: best.id, accountId },
          instruction:
            `Confirm with the person which connector they mean${connectors.length > 1 ? ` (best match: ${best.name})` : ""}, ` +
            "then install it with install_connector and its id.",
        }
      : { tool: "list_connectors", arguments: { accountId }, instruction: "Nothing matched: ask the person for the application's name again, or search with fewer words." };
    return {
      structuredContent: {
        accountId,
        total: matches.length,
        page: args.page,
        pageSize: args.pageSize,
        hasMore,
        connectors,
        stale: catalog.stale,
        ...(catalog.leftOut.length && { leftOut: catalog.leftOut.length }),
        ...(note !== undefined && { note }),
        nextStep,
      },
      text: [heading, ...lines, ...(note !== undefined ? [note] : [])].join("\n"),
    };
  },
});
