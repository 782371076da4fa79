import * as z from "zod";
import type { NextStep } from "../../setup/setup-state.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg } from "../shared/arguments.js";
import { cycleEntry, existingAccount, expiresAt, giveLink, givenLink, LINK_MINUTES, linkShape, linkWords } from "../shared/launch.js";
import { nextStepSchema } from "../shared/results.js";

/** The account's cycles listed in the result, to tell the new ones by afterwards; beyond this, only their count. */
const MAX_LISTED_CYCLES = 50;

const CycleEntrySchema = z.object({ cycleId: z.string(), name: z.string().optional(), status: z.string().optional() });

/** What the round that made the link carries to the next (2026-07-28): when it expires and the account's cycles then, never the link. */
const MadeMarketplaceLinkSchema = z.object({ expiresAtUtc: z.string(), cycles: z.array(CycleEntrySchema), cycleCount: z.number() });

export const createMarketplaceLink = defineTool({
  name: "create_marketplace_link",
  title: "Hand the person to the partner's Marketplace",
  description:
    "One link to the partner's Cyclr Marketplace, where the person picks, installs and starts integrations themselves. The account must exist. " +
    "Works once, for 5 minutes: give it just before use. Then list_templates with installed: true.",
  inputSchema: {
    accountId: accountIdArg,
    marketplaceId: z.number().int().min(1).max(2_147_483_647).optional().describe("Default CYCLR_MARKETPLACE_ID (Cyclr Console > Embedding > Marketplace)."),
  },
  outputSchema: {
    ...linkShape,
    marketplaceId: z.number(),
    cycles: z
      .array(CycleEntrySchema)
      .describe(`The account's cycles before the person starts (at most ${MAX_LISTED_CYCLES}): a cycle not listed here is new.`),
    cycleCount: z.number().describe("How many cycles the account had before the person starts."),
    nextStep: nextStepSchema,
  },
  cyclrCalls: "`GET /v1.0/accounts/{id}` (it must exist), `GET /v1.0/cycles`; then `POST /v1.0/accounts/{id}/marketplace` `{MarketplaceId, InlineOAuth}` with the partner's token",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  // The person installs and starts integrations there, signing in their connectors on the way.
  changesCycles: true,
  changesConnectors: true,
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    const marketplaceId = args.marketplaceId ?? deps.marketplaceId;
    if (marketplaceId === undefined) {
      throw new ToolInputError(
        "No Marketplace given: pass marketplaceId (its id in the Cyclr Console, Embedding > Marketplace), or start the server with CYCLR_MARKETPLACE_ID (--marketplace-id). " +
          "Without a Marketplace, create_launch_link hands one template's setup to Cyclr's LAUNCH page instead.",
      );
    }
    // On a 2026-07-28 client, the round after the person was asked to open the link: it was made then, and is not made again.
    const earlier = MadeMarketplaceLinkSchema.safeParse(context.rounds.carried("link"));
    let link: z.infer<typeof MadeMarketplaceLinkSchema> & { url?: string };
    if (earlier.success) {
      link = earlier.data;
    } else {
      // Checked first: Cyclr would create an account that does not exist.
      await existingAccount(deps.cyclr, accountId, "a Marketplace link", { signal });
      const listed = await deps.cyclr.listCycles(accountId, { signal });
      // The partner's token, not the session's (an account-restricted token is not for these calls).
      const made = await deps.partner.createMarketplaceLink(accountId, { MarketplaceId: marketplaceId, InlineOAuth: true }, { signal });
      // A bearer token: hidden from this session's answers but where it is given to the person.
      context.keepSecret(made.Token);
      const carried = { expiresAtUtc: expiresAt(made.ExpiresAtUtc), cycles: listed.items.slice(0, MAX_LISTED_CYCLES).map(cycleEntry), cycleCount: listed.items.length };
      // Never the link itself: its token is a secret, and what is carried is not.
      context.rounds.carry("link", carried);
      link = { ...carried, url: made.MarketplaceUrl };
    }
    const { url, expiresAtUtc, cycles, cycleCount } = link;
    const openedByClient = await giveLink(context, url, "Choose and set up integrations in the Marketplace.");
    const given = givenLink(accountId, url, expiresAtUtc, openedByClient);
    const nextStep: NextStep = {
      tool: "list_templates",
      arguments: { accountId, installed: true },
      instruction:
        `${linkWords(openedByClient, url, "create_marketplace_link")} ` +
        `(it works once and expires in ${LINK_MINUTES} minutes; only they should open it). There they install and start the integrations they want. ` +
        "When they say they are done, list_templates with installed: true shows each installed template's cycles: one not in cycles of this result is new; Active means it runs. Then get_cycle on it.",
    };
    return {
      structuredContent: { ...given.fields, marketplaceId, cycles, cycleCount, nextStep },
      reveal: given.reveal,
      text: `Marketplace link for account ${accountId} (Marketplace ${marketplaceId})${given.where}\n${given.expiry} Next: ${nextStep.tool}. ${nextStep.instruction}`,
    };
  },
});
