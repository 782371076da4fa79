import { accountResource } from "./account.js";
import { accountConnectorResource } from "./account-connector.js";
import { authTypesResource } from "./auth-types.js";
import { catalogResource } from "./catalog.js";
import { connectorResource } from "./connector.js";
import { templateResource } from "./template.js";
import { templatesResource } from "./templates.js";

export const RESOURCES = [catalogResource, connectorResource, accountResource, accountConnectorResource, authTypesResource, templatesResource, templateResource] as const;
