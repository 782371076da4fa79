/**
 * Asking the person through their client: the part of a tool's context that shared flows (properties,
 * confirmations) use, and the form a question is put in (the same on both protocol revisions).
 */

/** A text field of a form; never a secret (the MCP spec forbids asking for secrets in a form). */
export interface FormField {
  name: string;
  title: string;
  description?: string;
  allowedValues?: string[];
}

export interface PersonChannel {
  /** Form elicitation, when the client declared it: the values entered, or undefined if the person declined. */
  fillForm?: (message: string, fields: FormField[]) => Promise<Record<string, string> | undefined>;
  /**
   * URL elicitation, when the client declared it: asks the client to open the url. Resolves with whether
   * the person agreed and, on 2025-11-25, a function that tells the client the interaction has completed
   * (2026-07-28 has no such notice). `url` is undefined on a later round of a 2026-07-28 call whose link
   * an earlier round made (and asked about): the answer given then is returned.
   */
  openUrl?: (message: string, url: string | undefined) => Promise<{ accepted: boolean; complete?: () => Promise<void> }>;
}

/** The values a person entered for these fields (empty ones left out), as strings. */
export function formValues(fields: readonly FormField[], content: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of fields) {
    const value = content[field.name];
    if ((typeof value === "string" || typeof value === "number" || typeof value === "boolean") && String(value) !== "") values[field.name] = String(value);
  }
  return values;
}

/** A flat form of text fields (a choice where there are allowed values), as elicitation's requestedSchema. */
export function formSchema(fields: readonly FormField[]) {
  const properties: Record<string, { type: "string"; title: string; description?: string; enum?: string[] }> = {};
  for (const field of fields) {
    properties[field.name] = {
      type: "string",
      title: field.title,
      ...(field.description !== undefined && { description: field.description }),
      ...(field.allowedValues !== undefined && { enum: field.allowedValues }),
    };
  }
  return { type: "object" as const, properties, required: fields.map((f) => f.name) };
}
