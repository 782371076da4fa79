import { templateEntry } from "../../setup/templates.js";
import { completeTemplateId } from "../completions.js";
import { ToolInputError } from "../errors.js";
import { resolveAccountId } from "../shared/account-policy.js";
import type { ResourceDefinition } from "./resource.js";

export const templateResource: ResourceDefinition = {
  name: "template",
  title: "Integration template",
  description: "One integration template: its name, description, tags, and the connectors it needs with how many steps use each. install_template installs it.",
  mimeType: "application/json",
  uriTemplate: "cyclr://templates/{templateId}",
  complete: { templateId: completeTemplateId },
  read: (deps) => async (variables, { signal }) => {
    const raw = variables.templateId ?? "";
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(raw)) throw new ToolInputError(`templateId "${raw}" is not a template id: use an id from list_templates.`);
    const accountId = resolveAccountId(undefined, deps);
    const template = await deps.cyclr.getTemplate(accountId, raw, { signal });
    return JSON.stringify({
      ...templateEntry(template),
      connectors: template.Connectors.map((c) => ({ name: c.Name, ...(c.Version !== undefined && { version: c.Version }), ...(c.StepCount !== undefined && { steps: c.StepCount }) })),
    });
  },
};
