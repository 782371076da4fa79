import { authTypesMarkdown } from "../../setup/auth-types.js";
import type { ResourceDefinition } from "./resource.js";

export const authTypesResource: ResourceDefinition = {
  name: "auth-types",
  title: "Cyclr authentication types",
  description: "Reference table: each Cyclr AuthType and OAuth2Type, what the person provides, and how this server completes it.",
  mimeType: "text/markdown",
  uri: "cyclr://reference/auth-types",
  read: () => async () => authTypesMarkdown(),
};
