import * as z from "zod";
import type { FieldMapping, LookupChoice, StepParameter } from "../../cyclr/schemas.js";
import { looksSensitive, normalizeText } from "../../setup/catalog.js";
import type { NextStep } from "../../setup/setup-state.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg, cycleIdArg, stepIdArg } from "../shared/arguments.js";
import { cycleViewShape, describeCycle, loadCycleView } from "../shared/cycles.js";

/** How many choices a result lists, and a form offers (a picker of thousands helps nobody). */
const MAX_CHOICES = 100;
const LISTED_CHOICES = 50;

export const setStepValue = defineTool({
  name: "set_step_value",
  title: "Set a value a cycle's step needs",
  description:
    "Set a step parameter or field mapping the cycle still needs (get_cycle lists them, with stepId and id) to a value the person gives. Where the value is chosen from the person's account (a lookup), call it without value: the choices come back (or the person picks in a form), then pass choice. Refused while the cycle runs: pause it first.",
  inputSchema: {
    cycleId: cycleIdArg,
    accountId: accountIdArg,
    stepId: stepIdArg,
    parameter: z.string().trim().min(1).max(200).optional().describe("The parameter's id (or name), as get_cycle lists it. Give parameter or field."),
    field: z.string().trim().min(1).max(200).optional().describe("The field's id (or name), as get_cycle lists it."),
    value: z.string().max(10_000).optional().describe("The value the person gave; for a value list, one of its values."),
    choice: z.string().trim().min(1).max(500).optional().describe("For a lookup: the name of the person's choice, as listed in choices."),
  },
  outputSchema: {
    ...cycleViewShape,
    target: z.object({ stepId: z.string(), step: z.string().optional(), kind: z.enum(["parameter", "field"]), id: z.string(), name: z.string() }),
    outcome: z.enum(["set", "choose", "declined"]).describe("choose: nothing set yet, the person picks one of choices; declined: the person closed the form, nothing changed."),
    choices: z.array(z.string()).optional().describe("The names to choose from (outcome choose)."),
    moreChoices: z.number().optional().describe("How many more choices there are than listed."),
  },
  cyclrCalls:
    "`GET /v1.0/cycles/{id}`, `GET /v1.0/cycles/{id}/steps`, `GET /v1.0/steps/{id}/parameters` or `.../fieldmappings`, `POST /v1.0/steps/{id}/parameters/{pid}/lookup` `{TriggerId}` (choices), `PUT /v1.0/steps/{id}/parameters/{pid}` or `PUT .../fieldmappings/{fid}` `{MappingType, Value}`; then as get_cycle",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  changesCycles: true,
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    if ((args.parameter === undefined) === (args.field === undefined)) throw new ToolInputError("Give parameter or field (one of them), with the id get_cycle lists for the value to set.");
    if (args.value !== undefined && args.choice !== undefined) throw new ToolInputError("Give value or choice, not both: choice is for a lookup's choices, by name.");
    const accountId = resolveAccountId(args.accountId, deps);
    const cycle = await deps.cyclr.getCycle(accountId, args.cycleId, { signal });
    const steps = (await deps.cyclr.listCycleSteps(accountId, cycle.Id, { signal })).items;
    const step = steps.find((s) => s.Id.toLowerCase() === args.stepId.toLowerCase());
    if (!step) {
      throw new ToolInputError(`Step ${args.stepId} is not a step of cycle ${cycle.Id}${cycle.Name ? ` ("${cycle.Name}")` : ""}. get_cycle lists the values to set, with their stepId.`);
    }
    const kind = args.parameter !== undefined ? "parameter" : "field";
    const wanted = (args.parameter ?? args.field) as string;
    const item = kind === "parameter" ? pick((await deps.cyclr.listStepParameters(accountId, step.Id, { signal })).items, wanted, (p) => p.Parameter) : pick((await deps.cyclr.listStepFieldMappings(accountId, step.Id, { signal })).items, wanted, (f) => f.Field);
    const stepName = step.Name ?? step.Id;
    if (!item.found) {
      throw new ToolInputError(
        `Step "${stepName}" has no ${kind} "${wanted}"${item.known.length ? ` (its ${kind}s: ${item.known.slice(0, 20).join(", ")})` : ""}. get_cycle lists the values to set, with their ids.`,
      );
    }
    const { mapping, inner } = item.found;
    const name = inner.Name ?? `${kind} ${inner.Id}`;
    const target = { stepId: step.Id, ...(step.Name !== undefined && { step: step.Name }), kind, id: inner.Id, name } as const;
    if ((mapping.IsLaunchVisible ?? inner.IsLaunchVisible) === false) {
      throw new ToolInputError(
        `${name} (step "${stepName}") is not left to the person in this template (not user configurable): only the partner can set it, in the template's step setup in the Cyclr console. Nothing was changed.`,
      );
    }
    const trigger = kind === "parameter" ? inner.Triggers.find((t) => t.TriggerId !== undefined) : undefined;
    const allowed = inner.Values;
    let value = args.value;

    // Choices first, where they come from a lookup or a value list: asked before any write, so a re-run repeats nothing.
    if (value === undefined) {
      let choices: LookupChoice[];
      if (trigger?.TriggerId !== undefined) {
        choices = (await deps.cyclr.lookupStepParameter(accountId, step.Id, inner.Id, trigger.TriggerId, { signal })).items;
        if (!choices.length) {
          throw new ToolInputError(
            `The lookup for ${name} found nothing to choose in the person's ${step.AccountConnector?.Connector?.Name ?? step.AccountConnector?.Name ?? "connected"} account: ` +
              "they may need to create one there first (a list, a channel), then call set_step_value again. Nothing was changed.",
          );
        }
      } else if (allowed.length) {
        choices = allowed.map((v) => ({ Name: v, Value: v }));
      } else {
        throw new ToolInputError(`Give value: ask the person for ${name} (step "${stepName}"), then call set_step_value with it. Nothing was changed.`);
      }
      if (args.choice !== undefined) {
        const wantedChoice = normalizeText(args.choice);
        const chosen = choices.find((c) => normalizeText(c.Name) === wantedChoice) ?? choices.find((c) => c.Value === args.choice);
        if (!chosen) {
          throw new ToolInputError(`"${args.choice}" is not one of the choices for ${name}: ${choices.slice(0, LISTED_CHOICES).map((c) => c.Name).join(", ")}${choices.length > LISTED_CHOICES ? ", ..." : ""}. Nothing was changed.`);
        }
        value = chosen.Value;
      } else if (context.person.fillForm && choices.length <= MAX_CHOICES) {
        const names = [...new Set(choices.map((c) => c.Name))];
        const answer = await context.person.fillForm(`Choose the ${name} for "${cycle.Name ?? "the integration"}" (step "${stepName}").`, [{ name: "choice", title: name, allowedValues: names }]);
        const chosen = answer?.choice !== undefined ? choices.find((c) => c.Name === answer.choice) : undefined;
        if (!chosen) {
          const view = await loadCycleView(deps, accountId, cycle.Id, signal, cycle);
          return { structuredContent: { ...view, target, outcome: "declined" as const }, text: `The person did not choose a ${name}: nothing was set. ${describeCycle(view)}` };
        }
        value = chosen.Value;
      } else {
        const names = choices.map((c) => c.Name);
        const listed = names.slice(0, LISTED_CHOICES);
        const view = await loadCycleView(deps, accountId, cycle.Id, signal, cycle);
        const nextStep: NextStep = {
          tool: "set_step_value",
          arguments: { cycleId: cycle.Id, accountId, stepId: step.Id, [kind]: inner.Id, choice: `<one of: ${listed.join(" | ")}>` },
          instruction: `Ask the person which ${name} to use (${listed.join(", ")}${names.length > listed.length ? ", ..." : ""}), then call set_step_value with it as choice.`,
        };
        return {
          structuredContent: { ...view, setup: { ...view.setup, nextStep }, target, outcome: "choose" as const, choices: listed, ...(names.length > listed.length && { moreChoices: names.length - listed.length }) },
          text: `Choices for ${name} (step "${stepName}"): ${listed.join(", ")}${names.length > listed.length ? ` and ${names.length - listed.length} more` : ""}. Next: set_step_value with the person's choice.`,
        };
      }
    } else if (allowed.length && !allowed.includes(value)) {
      throw new ToolInputError(`"${value}" is not one of the values of ${name}: ${allowed.join(", ")}. Nothing was changed.`);
    }

    const sensitive = looksSensitive(name);
    if (sensitive) context.keepSecret(value);
    const written = { mappingType: allowed.includes(value) ? ("ValueList" as const) : ("StaticValue" as const), value, sensitive };
    if (kind === "parameter") await deps.cyclr.setStepParameter(accountId, step.Id, inner.Id, written, { signal });
    else await deps.cyclr.setStepFieldMapping(accountId, step.Id, inner.Id, written, { signal });
    const view = await loadCycleView(deps, accountId, cycle.Id, signal, cycle);
    return { structuredContent: { ...view, target, outcome: "set" as const }, text: `Set ${name} (step "${stepName}"). ${describeCycle(view)}` };
  },
});

/** The parameter or field mapping named by id, else by name (ignoring case and accents). */
function pick<M extends StepParameter | FieldMapping, I extends M extends StepParameter ? StepParameter["Parameter"] : FieldMapping["Field"]>(
  mappings: readonly M[],
  wanted: string,
  inner: (mapping: M) => I,
): { found?: { mapping: M; inner: I }; known: string[] } {
  const byId = mappings.find((m) => inner(m).Id === wanted);
  const folded = normalizeText(wanted);
  const match = byId ?? mappings.find((m) => normalizeText(inner(m).Name ?? "") === folded);
  return { ...(match && { found: { mapping: match, inner: inner(match) } }), known: mappings.map((m) => `${inner(m).Name ?? "?"} (${inner(m).Id})`) };
}
