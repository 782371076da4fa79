/**
 * The one confirmation rule for tools that undo something (reconnect, remove): where the client can
 * show a form, the person is asked there, whatever the assistant passed (so an instruction injected
 * into the chat cannot confirm for them); otherwise the call needs confirm: true, which the
 * assistant may only pass once the person has agreed.
 */
import { ToolInputError } from "../errors.js";
import type { PersonChannel } from "./person.js";

export type Confirmation = "confirmed" | "declined";

export async function confirmWithPerson(
  person: PersonChannel,
  confirm: boolean | undefined,
  ask: { question: string; action: string; tool: string },
): Promise<Confirmation> {
  if (person.fillForm) {
    const answer = await person.fillForm(ask.question, [{ name: "decision", title: ask.action, allowedValues: ["yes", "no"] }]);
    return answer?.decision === "yes" ? "confirmed" : "declined";
  }
  if (confirm === true) return "confirmed";
  throw new ToolInputError(`${ask.question} Ask the person; once they agree, call ${ask.tool} again with confirm: true. Nothing was changed.`);
}
