import { accountResource } from "./account.js";
import { accountConnectorResource } from "./account-connector.js";
import { authTypesResource } from "./auth-types.js";
import { catalogResource } from "./catalog.js";
import { connectorResource } from "./connector.js";

export const RESOURCES = [catalogResource, connectorResource, accountResource, accountConnectorResource, authTypesResource] as const;
