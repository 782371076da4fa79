/** Output pieces that several tools share (schemas and the summaries of the text content), so each is described once. */
import * as z from "zod";
import type { LeftOutItem } from "../../cyclr/schemas.js";
import type { CycleSetup } from "../../setup/cycle-setup.js";
import type { SetupState, StepArgument } from "../../setup/setup-state.js";

/** An account as the lists show it: compact. */
export const accountSchema = z.object({
  accountId: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  timezone: z.string().optional(),
  createdDate: z.string().optional(),
});

const connectorPropertySchema = z.object({
  name: z.string(),
  label: z.string().optional(),
  description: z.string().optional(),
  required: z.boolean(),
  sensitive: z.boolean(),
  allowedValues: z.array(z.string()).optional(),
});

/**
 * What an argument of a next step may be: a plain value, a list of values (tags), or a list of {name, value} properties. A
 * union of one-typed schemas rather than one type list: output schemas keep one type per schema, as
 * some clients' validators and every model provider's dialect expect (the bytes are the client's,
 * not the model's: output schemas are not passed to the model).
 */
const stepArgumentSchema: z.ZodType<StepArgument> = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.array(z.record(z.string(), z.string()))]);

// Their meaning (tool absent when done; angle brackets are what to ask the person) is in the server's
// instructions, said once rather than in every tool's output schema.
export const nextStepSchema = z.object({
  tool: z.string().optional(),
  arguments: z.record(z.string(), stepArgumentSchema),
  instruction: z.string(),
});

export const setupStateSchema = z
  .object({
    state: z.enum(["needs_properties", "needs_authentication", "ready"]),
    authentication: z.object({
      method: z.enum(["apiKey", "basic", "oauthLink", "clientCredentials", "authFields", "none", "console", "unknown"]),
      authType: z.string().optional(),
      oauth2Type: z.string().optional(),
      authenticated: z.boolean(),
      alternatives: z
        .array(
          z.object({
            method: z.enum(["apiKey", "basic", "oauthLink", "clientCredentials", "authFields", "none", "console", "unknown"]),
            authenticationId: z.string().optional(),
            name: z.string().optional(),
            authType: z.string().optional(),
            oauth2Type: z.string().optional(),
          }),
        )
        .optional()
        .describe("The connector's other methods, when Cyclr does not say which one was chosen at install: any of them may be used to finish."),
    }),
    missingProperties: z.array(connectorPropertySchema),
    nextStep: nextStepSchema,
  }) satisfies z.ZodType<SetupState>;

export const connectorRefSchema = z.object({ id: z.number(), name: z.string() });

/** A cycle's setup: its connectors, the values the person still gives, what only the partner can fix, and the next step. */
export const cycleSetupSchema = z
  .object({
    state: z.enum(["needs_connectors", "needs_values", "ready_to_activate", "active", "paused"]),
    connectors: z.array(z.object({ accountConnectorId: z.number(), name: z.string(), ready: z.boolean() })),
    values: z
      .array(
        z.object({
          stepId: z.string(),
          step: z.string().optional(),
          kind: z.enum(["parameter", "field"]),
          id: z.string(),
          name: z.string(),
          lookup: z.boolean().optional().describe("Chosen from the person's account: set_step_value lists the choices."),
          allowedValues: z.array(z.string()).optional(),
        }),
      )
      .describe("Values the person still has to give, for set_step_value."),
    partner: z.array(z.string()).optional().describe("What only the partner can fix, in the template."),
    onCyclrPages: z.array(z.string()).optional().describe("What the person sets on Cyclr's own pages (LAUNCH), not through this chat."),
    webhooks: z.array(z.object({ stepId: z.string(), stepName: z.string().optional(), url: z.string().optional() })).optional(),
    nextStep: nextStepSchema,
  }) satisfies z.ZodType<CycleSetup>;

/** One line for the text content: the state and the next step. */
export function setupSummary(setup: SetupState): string {
  const next = setup.nextStep.tool ? `Next: ${setup.nextStep.tool}. ${setup.nextStep.instruction}` : setup.nextStep.instruction;
  return `Setup state: ${setup.state}. ${next}`;
}

/** Says how many list items Cyclr sent that could not be read, and which (ids only): the rest of the list is still good. */
export function leftOutNote(leftOut: readonly LeftOutItem[], what: "connector" | "account connector" | "account" | "template"): string {
  const ids = leftOut.flatMap((item) => (item.id !== undefined ? [item.id] : []));
  const shown = ids.slice(0, 10).join(", ");
  return (
    `${leftOut.length} ${what}${leftOut.length === 1 ? "" : "s"} ${leftOut.length === 1 ? "was" : "were"} left out: Cyclr sent ${leftOut.length === 1 ? "it" : "them"} in a shape this server cannot read` +
    `${ids.length ? ` (id${ids.length === 1 ? "" : "s"} ${shown}${ids.length > 10 ? ", ..." : ""})` : ""}. The others are shown; the server's log says which fields, and cyclr-mcp doctor --deep reports them.`
  );
}
