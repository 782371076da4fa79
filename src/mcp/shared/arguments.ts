/** Arguments that several tools share, so each is described once. */
import * as z from "zod";

export const accountIdArg = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .optional()
  .describe("The account's API ID; default the server's.");

/**
 * A list whose bounds zod enforces but the listed JSON Schema does not carry: minItems and maxItems
 * are outside what every model provider's function calling takes (test/schema-dialect.ts), so the
 * bounds are said in the description instead.
 */
export function boundedList<T extends z.ZodType>(item: T, { min = 0, max }: { min?: number; max: number }) {
  return z.array(item).refine((list) => list.length >= min && list.length <= max, {
    message: min > 0 ? `must list ${min} to ${max} items` : `must list at most ${max} items`,
  });
}

/** Ids are whole numbers from 1: `.min(1)`, not `.positive()`, whose exclusive bound some providers refuse. */
export const positiveId = () => z.number().int().min(1);

export const accountConnectorIdArg = positiveId().describe("From install_connector or list_account_connectors.");

export const confirmArg = z.boolean().optional().describe("true once the person agreed (a form asks them where the client can).");

const propertySchema = z.object({
  name: z.string().trim().min(1).max(200).describe("Property name: the connector parameter's TargetName, as listed in missingProperties."),
  value: z.string().max(10_000).describe("The value to set. For a property with allowed values, one of them."),
});

/** Up to 50 properties; set_connector_properties asks for at least one. */
export const propertiesArg = ({ min = 0 }: { min?: number } = {}) => boundedList(propertySchema, { min, max: 50 });

/** Cyclr's template, cycle and step ids are GUIDs; anything path-like is refused before it reaches a URL. */
const guidLike = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, `${what} ids are letters, digits and dashes`);

export const templateIdArg = guidLike("Template").describe("From list_templates.");

export const cycleIdArg = guidLike("Cycle").describe("From install_template (list_templates with accountId shows the account's cycles).");

export const stepIdArg = guidLike("Step").describe("The step's id, as get_cycle lists it.");

/** The cycle a connector is set up for: a connector tool's next steps carry it and lead back to the cycle. */
export const forCycleArg = guidLike("Cycle").optional().describe("The cycle this connector is set up for (get_cycle passes it): the next steps lead back to it.");
