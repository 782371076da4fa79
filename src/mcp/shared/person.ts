/** Asking the person through their client: the part of a tool's context that shared flows (properties, confirmations) use. */

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
   * the person agreed, and a function that tells the client the interaction has completed.
   */
  openUrl?: (message: string, url: string) => Promise<{ accepted: boolean; complete: () => Promise<void> }>;
}
