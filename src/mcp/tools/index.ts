import { activateCycle } from "./activate-cycle.js";
import { createAccount } from "./create-account.js";
import { authenticateConnector } from "./authenticate-connector.js";
import { createCredentialLink } from "./create-credential-link.js";
import { createOAuthLink } from "./create-oauth-link.js";
import { getAccountConnector } from "./get-account-connector.js";
import { getCycle } from "./get-cycle.js";
import { installConnector } from "./install-connector.js";
import { installTemplate } from "./install-template.js";
import { listAccounts } from "./list-accounts.js";
import { reconnectConnector } from "./reconnect-connector.js";
import { removeAccountConnector } from "./remove-account-connector.js";
import { listAccountConnectors } from "./list-account-connectors.js";
import { listConnectors } from "./list-connectors.js";
import { listTemplates } from "./list-templates.js";
import { pauseCycle } from "./pause-cycle.js";
import { setConnectorProperties } from "./set-connector-properties.js";
import { setStepValue } from "./set-step-value.js";

/** Every tool: the account first (find or create it), then the order of a setup (connectors, then integrations from templates), then support's. */
export const TOOLS = [
  listAccounts,
  createAccount,
  listConnectors,
  listAccountConnectors,
  installConnector,
  setConnectorProperties,
  createCredentialLink,
  authenticateConnector,
  createOAuthLink,
  getAccountConnector,
  listTemplates,
  installTemplate,
  getCycle,
  setStepValue,
  activateCycle,
  pauseCycle,
  reconnectConnector,
  removeAccountConnector,
] as const;
