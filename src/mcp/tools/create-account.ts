import * as z from "zod";
import { accountView } from "../shared/accounts.js";
import { defineTool } from "../tool.js";
import { assertMayCreateAccount } from "../shared/account-policy.js";
import { accountSchema, nextStepSchema } from "../shared/results.js";

export const createAccount = defineTool({
  name: "create_account",
  title: "Create a Cyclr account for a new customer",
  description: "Create the Cyclr account of a new customer, before installing anything in it. Check list_accounts first: it may exist.",
  inputSchema: {
    name: z.string().trim().min(1).max(200).describe("The customer's name."),
    id: z.string().trim().min(1).max(200).optional().describe("The account's API ID (your own id for the customer); default: Cyclr picks one."),
    description: z.string().trim().max(1000).optional().describe("Optional."),
    timezone: z.string().trim().max(100).optional().describe('Optional, e.g. "Europe/London".'),
  },
  outputSchema: {
    account: accountSchema,
    nextStep: nextStepSchema,
  },
  cyclrCalls: "`POST /v1.0/accounts` `{Name, Id?, Description?, Timezone?}`",
  // Not idempotent: a second call makes a second account (or, with the same id, is refused).
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: (deps) => async (args, { signal }) => {
    assertMayCreateAccount(args.id, deps);
    const created = await deps.cyclr.createAccount(
      {
        Name: args.name,
        ...(args.id !== undefined && { Id: args.id }),
        ...(args.description !== undefined && { Description: args.description }),
        ...(args.timezone !== undefined && { Timezone: args.timezone }),
      },
      { signal },
    );
    const account = accountView(created);
    const nextStep = {
      tool: "list_connectors",
      arguments: { accountId: account.accountId, query: "<the application to connect>" },
      instruction: `Ask the person which application to connect first, then find it in the catalog; every later call passes accountId ${account.accountId}.`,
    };
    return {
      structuredContent: { account, nextStep },
      text: `Created account ${account.name ?? args.name} (${account.accountId}). Next: list_connectors. ${nextStep.instruction}`,
    };
  },
});
