import { catalogEntry } from "../../setup/catalog.js";
import { describeStaleCatalog } from "../errors.js";
import { resolveAccountId } from "../shared/account-policy.js";
import type { ResourceDefinition } from "./resource.js";

export const catalogResource: ResourceDefinition = {
  name: "connector-catalog",
  title: "Connector catalog",
  description: "Every connector the default account can install, as compact JSON (id, name, short description, auth types, version, categories; no icons).",
  mimeType: "application/json",
  uri: "cyclr://connectors",
  read: (deps) => async () => {
    const accountId = resolveAccountId(undefined, deps);
    const catalog = await deps.cyclr.listCatalog(accountId);
    const connectors = catalog.connectors.map(catalogEntry);
    return JSON.stringify({
      accountId,
      count: connectors.length,
      connectors,
      stale: catalog.stale,
      ...(catalog.stale && { note: describeStaleCatalog(catalog.loadedAt, catalog.refreshError) }),
    });
  },
};
