import { catalogEntry } from "../../setup/catalog.js";
import { resolveAccountId } from "../tools/shared.js";
import type { ResourceDefinition } from "./resource.js";

export const catalogResource: ResourceDefinition = {
  name: "connector-catalog",
  title: "Connector catalog",
  description: "Every connector the default account can install, as compact JSON (id, name, short description, auth types, version, categories; no icons).",
  mimeType: "application/json",
  uri: "cyclr://connectors",
  read: (deps) => async () => {
    const accountId = resolveAccountId(undefined, deps);
    const connectors = (await deps.cyclr.listCatalog(accountId)).map(catalogEntry);
    return JSON.stringify({ accountId, count: connectors.length, connectors });
  },
};
