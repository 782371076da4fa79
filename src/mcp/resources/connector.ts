import { authenticationOptions, catalogEntry, connectorProperties } from "../../setup/catalog.js";
import { completeConnectorId } from "../completions.js";
import { ToolInputError } from "../errors.js";
import { resolveAccountId } from "../shared/account-policy.js";
import type { ResourceDefinition } from "./resource.js";

export const connectorResource: ResourceDefinition = {
  name: "connector",
  title: "Connector details",
  description:
    "One connector from the catalog: its authentication methods (with the authenticationId to pass to install_connector) and its account connector properties (required, sensitive, allowed values).",
  mimeType: "application/json",
  uriTemplate: "cyclr://connectors/{connectorId}",
  complete: { connectorId: completeConnectorId },
  read: (deps) => async (variables, { signal }) => {
    const raw = variables.connectorId ?? "";
    if (!/^\d+$/.test(raw)) throw new ToolInputError(`connectorId "${raw}" is not a number: use an id from list_connectors.`);
    const accountId = resolveAccountId(undefined, deps);
    const connector = await deps.cyclr.getConnector(accountId, Number(raw), { signal });
    return JSON.stringify({
      ...catalogEntry(connector),
      description: connector.Description,
      authentication: authenticationOptions(connector),
      properties: connectorProperties(connector.Parameters),
    });
  },
};
