import { accountConnectorResource } from "./account-connector.js";
import { authTypesResource } from "./auth-types.js";
import { catalogResource } from "./catalog.js";
import { connectorResource } from "./connector.js";

export const RESOURCES = [catalogResource, connectorResource, accountConnectorResource, authTypesResource] as const;
