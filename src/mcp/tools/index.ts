import { authenticateConnector } from "./authenticate-connector.js";
import { createCredentialLink } from "./create-credential-link.js";
import { createOAuthLink } from "./create-oauth-link.js";
import { getAccountConnector } from "./get-account-connector.js";
import { installConnector } from "./install-connector.js";
import { listAccountConnectors } from "./list-account-connectors.js";
import { listConnectors } from "./list-connectors.js";
import { setConnectorProperties } from "./set-connector-properties.js";

/** Every tool, in the order of a setup. */
export const TOOLS = [
  listConnectors,
  listAccountConnectors,
  installConnector,
  setConnectorProperties,
  createCredentialLink,
  authenticateConnector,
  createOAuthLink,
  getAccountConnector,
] as const;
