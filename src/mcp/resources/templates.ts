import { templateEntry } from "../../setup/templates.js";
import { resolveAccountId } from "../shared/account-policy.js";
import type { ResourceDefinition } from "./resource.js";

export const templatesResource: ResourceDefinition = {
  name: "templates",
  title: "Integration templates",
  description: "Every integration template of the partner, as compact JSON (id, name, short description, tags, the connectors each needs; no icons). list_templates searches them and says what the account already has.",
  mimeType: "application/json",
  uri: "cyclr://templates",
  read: (deps) => async (_variables, { signal }) => {
    const accountId = resolveAccountId(undefined, deps);
    const { items, leftOut } = await deps.cyclr.listTemplates(accountId, { signal });
    return JSON.stringify({ count: items.length, templates: items.map((t) => templateEntry(t)), ...(leftOut.length && { leftOut: leftOut.length }) });
  },
};
