import { authTypesResource } from "./auth-types.js";
import { catalogResource } from "./catalog.js";
import { connectorResource } from "./connector.js";

export const RESOURCES = [catalogResource, connectorResource, authTypesResource] as const;
