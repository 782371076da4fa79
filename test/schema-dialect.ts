/**
 * The JSON Schema every model provider's function calling takes. Clients pass a tool's input schema
 * on to the model's provider, and some (Gemini's function declarations, an OpenAPI 3.0 subset)
 * refuse the whole request at the first keyword they do not know. So input schemas keep to what
 * every dialect takes; output schemas, which stay with the client, keep to one type per schema.
 */

/** The keywords an input schema may use, at any depth. */
export const PORTABLE_INPUT_KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "items",
  "enum",
  "description",
  "default",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
]);

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Each keyword outside the portable dialect, as "path: why". */
export function inputSchemaProblems(schema: unknown, path = "$"): string[] {
  if (!isSchema(schema)) return [`${path}: not a schema object`];
  const problems: string[] = [];
  for (const key of Object.keys(schema)) if (!PORTABLE_INPUT_KEYWORDS.has(key)) problems.push(`${path}: ${key} is not portable`);
  if (typeof schema.type !== "string") problems.push(`${path}: needs one type (a string), has ${JSON.stringify(schema.type)}`);
  if (schema.type === "array" && schema.items === undefined) problems.push(`${path}: an array needs items`);
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || !schema.enum.every((value) => typeof value === "string"))) {
    problems.push(`${path}: enum must list strings`);
  }
  if (isSchema(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) problems.push(...inputSchemaProblems(property, `${path}.${name}`));
  }
  if (schema.items !== undefined) problems.push(...inputSchemaProblems(schema.items, `${path}[]`));
  return problems;
}

/** Each output schema (at any depth) that has other than exactly one type. */
export function outputSchemaProblems(schema: unknown, path = "$"): string[] {
  if (!isSchema(schema)) return [];
  const problems: string[] = [];
  const combined = ["anyOf", "oneOf", "allOf"].some((key) => Array.isArray(schema[key]));
  if (!combined && typeof schema.type !== "string") problems.push(`${path}: needs one type (a string), has ${JSON.stringify(schema.type)}`);
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && isSchema(value)) {
      for (const [name, property] of Object.entries(value)) problems.push(...outputSchemaProblems(property, `${path}.${name}`));
    } else if ((key === "items" || key === "additionalProperties") && isSchema(value)) {
      problems.push(...outputSchemaProblems(value, `${path}.${key === "items" ? "[]" : "*"}`));
    } else if (["anyOf", "oneOf", "allOf"].includes(key) && Array.isArray(value)) {
      value.forEach((option, index) => problems.push(...outputSchemaProblems(option, `${path}.${key}[${index}]`)));
    }
  }
  return problems;
}
