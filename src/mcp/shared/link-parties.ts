/**
 * Whose account a link's page connects, and who asked for it: what create_credential_link and
 * create_oauth_link put in a link for its page to show above the form.
 */
import * as z from "zod";
import { CyclrError } from "../../cyclr/errors.js";
import { ToolInputError } from "../errors.js";
import type { LinkParties, ServerDeps } from "../tool.js";

export const forSomeoneElseArg = z
  .boolean()
  .optional()
  .describe(
    "true when the link is for another person than you (a customer a support person sends it to): its page signs no one in and says who sent it, for which account. " +
      "Only where the server's operator allows it (MCP_HTTP_LINKS_FOR_OTHERS); leave it out for the person in this conversation.",
  );

/**
 * The parties of a link for this account connector: the account's name from Cyclr (left out when
 * Cyclr will not say: the page then shows the id), the caller as a person where the server knows
 * them, and whether the link is for someone else, which the operator must allow.
 */
export async function linkParties(
  deps: Pick<ServerDeps, "cyclr" | "requester" | "linksForOthers">,
  link: { accountId: string; connectorName: string; forSomeoneElse?: boolean | undefined },
  signal: AbortSignal,
): Promise<LinkParties> {
  if (link.forSomeoneElse && !deps.linksForOthers) {
    throw new ToolInputError(
      "forSomeoneElse: this server does not make links for another person (its operator allows them with MCP_HTTP_LINKS_FOR_OTHERS=1, in hosted mode). " +
        "Leave forSomeoneElse out and give the link to the person in this conversation, who fills it in themselves.",
    );
  }
  const accountName = await deps.cyclr.getAccount(link.accountId, { signal }).then(
    (account) => account.Name?.trim() || undefined,
    (error: unknown) => {
      // A name is a courtesy: without it the page shows the account's id. A cancelled call still ends here.
      if (error instanceof CyclrError && !signal.aborted) return undefined;
      throw error;
    },
  );
  return {
    accountId: link.accountId,
    connectorName: link.connectorName,
    ...(accountName !== undefined && { accountName: accountName.slice(0, 200) }),
    ...(deps.requester && { requester: deps.requester }),
    ...(link.forSomeoneElse && { forSomeoneElse: true }),
  };
}
