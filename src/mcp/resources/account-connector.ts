import { loadAccountConnectorView } from "../shared/account-connectors.js";
import { completeAccountConnectorId, completeAccountId } from "../completions.js";
import { ToolInputError } from "../errors.js";
import { resolveAccountId } from "../shared/account-policy.js";
import type { ResourceDefinition } from "./resource.js";

export const accountConnectorResource: ResourceDefinition = {
  name: "account-connector",
  title: "Installed connector and its setup state",
  description:
    "One connector installed in an account (an account connector): whether it is authenticated, the properties set, and its setup state with the next step. The same data as get_account_connector.",
  mimeType: "application/json",
  uriTemplate: "cyclr://accounts/{accountId}/connectors/{accountConnectorId}",
  complete: { accountId: completeAccountId, accountConnectorId: completeAccountConnectorId },
  read: (deps) => async (variables, { signal }) => {
    const raw = variables.accountConnectorId ?? "";
    if (!/^\d+$/.test(raw)) {
      throw new ToolInputError(`accountConnectorId "${raw}" is not a number: use an id from list_account_connectors or install_connector.`);
    }
    const accountId = resolveAccountId(variables.accountId || undefined, deps);
    return JSON.stringify(await loadAccountConnectorView(deps.cyclr, accountId, Number(raw), signal));
  },
};
