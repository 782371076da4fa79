import { describe, expect, it } from "vitest";
import { ConnectorSchema } from "../../src/cyclr/schemas.js";
import { searchCatalog, withinDistance } from "../../src/setup/search.js";

const specs: [string, string[], string, string?][] = [
  ["HubSpot", ["CRMs", "Marketing"], "OAuth2", "Inbound marketing and sales platform."],
  ["HubSpot Marketing Events", ["Marketing"], "OAuth2"],
  ["Salesforce", ["CRMs"], "OAuth2", "The world's CRM."],
  ["Société Générale Pay", ["Payments"], "AuthFields"],
  ["Zoho CRM", ["CRMs"], "ApiKey"],
  ["Mail Chimp", ["Email Marketing"], "ApiKey", "Newsletters and audiences."],
  ["Pipedrive", ["CRMs"], "ApiKey", "Sales pipeline for small teams; integrates with HubSpot."],
  ["Shopify", ["Ecommerce"], "OAuth2"],
];
const catalog = specs.map(([Name, Categories, AuthType, Description], i) =>
  ConnectorSchema.parse({ Id: i + 1, Name, Categories, AuthType, Description }),
);
const names = (filter: Parameters<typeof searchCatalog>[1]) => searchCatalog(catalog, filter).map((hit) => hit.connector.Name);
const top = (query: string) => searchCatalog(catalog, { query })[0];

describe("searchCatalog", () => {
  it("matches case-, accent- and spacing-insensitively", () => {
    expect(top("hubspot")?.connector.Name).toBe("HubSpot");
    expect(top("SOCIETE generale")?.connector.Name).toBe("Société Générale Pay");
    expect(top("mailchimp")?.connector.Name).toBe("Mail Chimp");
    expect(top("sales force")).toMatchObject({ match: "exact", connector: { Name: "Salesforce" } });
  });

  it("tolerates typos", () => {
    expect(top("hubspt")).toMatchObject({ match: "fuzzy", connector: { Name: "HubSpot" } });
    expect(top("salesforse")?.connector.Name).toBe("Salesforce");
    expect(top("shopfiy")?.connector.Name).toBe("Shopify"); // swapped letters
    expect(top("piepdrive")?.connector.Name).toBe("Pipedrive");
  });

  it("ranks exact, then prefix, then word, then fuzzy", () => {
    const hits = searchCatalog(catalog, { query: "hubspot" });
    expect(hits.map((h) => [h.connector.Name, h.match])).toEqual([
      ["HubSpot", "exact"],
      ["HubSpot Marketing Events", "prefix"],
      ["Pipedrive", "word"], // named in its description
    ]);
    // A word of the name first, then the word in a category or description.
    expect(names({ query: "crm" })).toEqual(["Zoho CRM", "Salesforce", "HubSpot", "Pipedrive"]);
    expect(searchCatalog(catalog, { query: "crm" }).every((h) => h.match === "word")).toBe(true);
  });

  it("does not guess on short words or unrelated text", () => {
    expect(names({ query: "xyzzy" })).toEqual([]);
    expect(names({ query: "cms" })).toEqual([]); // one letter from "crm", but too short to guess
  });

  it("filters by category and auth type, with or without a query", () => {
    expect(names({ category: "crms", authType: "apikey" })).toEqual(["Pipedrive", "Zoho CRM"]);
    expect(names({ authType: "AuthFields" })).toEqual(["Société Générale Pay"]);
    expect(names({ query: "hubspot", category: "Marketing" })).toEqual(["HubSpot", "HubSpot Marketing Events"]);
  });

  it("returns the whole catalog by name when nothing narrows it", () => {
    expect(names({})).toHaveLength(catalog.length);
  });
});

describe("withinDistance", () => {
  it("counts insertions, deletions, substitutions and swaps", () => {
    expect(withinDistance("hubspt", "hubspot", 1)).toBe(true);
    expect(withinDistance("shopfiy", "shopify", 1)).toBe(true);
    expect(withinDistance("salesforse", "salesforce", 1)).toBe(true);
    expect(withinDistance("zendesk", "xero", 2)).toBe(false);
    expect(withinDistance("", "ab", 2)).toBe(true);
  });
});
