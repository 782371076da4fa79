import * as z from "zod";
import type { NextStep } from "../../setup/setup-state.js";
import { accountHoldings, cyclesOfTemplate } from "../../setup/templates.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg } from "../shared/arguments.js";
import { existingAccount, expiresAt, giveLink, givenLink, LINK_MINUTES, linkShape, linkWords, tagsArg, templatesTagged } from "../shared/launch.js";
import { nextStepSchema } from "../shared/results.js";

/** A template LAUNCH offers, with the account's cycles of it when the link was made. */
const OfferedSchema = z.object({ id: z.string(), name: z.string(), cycles: z.array(z.object({ cycleId: z.string(), status: z.string().optional() })).optional() });

/** What the round that made the link carries to the next (2026-07-28): when it expires and what it offers, never the link. */
const MadeLaunchLinkSchema = z.object({ expiresAtUtc: z.string(), templates: z.array(OfferedSchema) });

export const createLaunchLink = defineTool({
  name: "create_launch_link",
  title: "Hand the setup to Cyclr's LAUNCH page",
  description:
    "One link to Cyclr's LAUNCH page (the partner's branding) for the templates with these tags: there the person picks one, signs in its connectors, sets its values and starts it. " +
    "When they prefer that, or get_cycle's nextStep names it. The account must exist. Works once, for 5 minutes: give it just before use. Then list_templates with the same tags.",
  inputSchema: {
    accountId: accountIdArg,
    tags: tagsArg,
    start: z.boolean().optional().describe("Default true: LAUNCH starts it; false leaves it installed, paused."),
    runOnce: z.boolean().optional().describe("Run it once, not on a schedule (default false)."),
  },
  outputSchema: {
    ...linkShape,
    templates: z
      .array(OfferedSchema)
      .describe("What LAUNCH offers for these tags (those the partner published), with the account's cycles of each before the person starts: a cycle not listed here is new."),
    start: z.boolean(),
    runOnce: z.boolean(),
    nextStep: nextStepSchema,
  },
  cyclrCalls:
    "`GET /v1.0/accounts/{id}` (it must exist), `GET /v1.0/templates?tag=` (one per tag), `GET /v1.0/cycles`; then `POST /v1.0/accounts/{id}/launch` `{Tags, Start, RunOnce, InlineOAuth}` with the partner's token",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  // The person installs and starts an integration there, signing in its connectors on the way.
  changesCycles: true,
  changesConnectors: true,
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    const start = args.start ?? true;
    const runOnce = args.runOnce ?? false;
    // On a 2026-07-28 client, the round after the person was asked to open the link: it was made then, and is not made again.
    const earlier = MadeLaunchLinkSchema.safeParse(context.rounds.carried("link"));
    let link: { url?: string; expiresAtUtc: string; templates: z.infer<typeof OfferedSchema>[] };
    if (earlier.success) {
      link = earlier.data;
    } else {
      // Checked first: Cyclr would create an account that does not exist.
      await existingAccount(deps.cyclr, accountId, "a LAUNCH link", { signal });
      const [templates, cycles] = await Promise.all([templatesTagged(deps.cyclr, accountId, args.tags, { signal }), deps.cyclr.listCycles(accountId, { signal })]);
      if (!templates.items.length) {
        throw new ToolInputError(
          `No template has the tag${args.tags.length === 1 ? "" : "s"} ${args.tags.map((t) => `"${t}"`).join(", ")}: LAUNCH would offer nothing. ` +
            "list_templates shows each template's tags; pass one of those.",
        );
      }
      const holdings = accountHoldings(accountId, [], cycles.items, templates.items);
      const offered = templates.items.map((t) => {
        const existing = cyclesOfTemplate(holdings, t.Id).map((c) => ({ cycleId: c.cycleId, ...(c.status !== undefined && { status: c.status }) }));
        return { id: t.Id, name: t.Name, ...(existing.length && { cycles: existing }) };
      });
      // The partner's token, not the session's (Cyclr's docs: never an account-restricted token for this call).
      const made = await deps.partner.createLaunchLink(accountId, { Tags: args.tags, Start: start, RunOnce: runOnce, InlineOAuth: true }, { signal });
      // A bearer token: hidden from this session's answers but where it is given to the person.
      context.keepSecret(made.Token);
      const expiresAtUtc = expiresAt(made.ExpiresAtUtc);
      // Never the link itself: its token is a secret, and what is carried is not.
      context.rounds.carry("link", { expiresAtUtc, templates: offered });
      link = { url: made.LaunchUrl, expiresAtUtc, templates: offered };
    }
    const { url, expiresAtUtc, templates: offered } = link;
    const names = offered.map((t) => t.name);
    const openedByClient = await giveLink(context, url, `Set up ${names.length === 1 ? names[0] : "your integration"} on the integration page.`);
    const given = givenLink(accountId, url, expiresAtUtc, openedByClient);
    const choose = names.length === 1 ? `"${names[0]}"` : `one of ${names.map((n) => `"${n}"`).join(", ")}`;
    const nextStep: NextStep = {
      tool: "list_templates",
      arguments: { accountId, tags: args.tags },
      instruction:
        `${linkWords(openedByClient, url, "create_launch_link")} ` +
        `(it works once and expires in ${LINK_MINUTES} minutes; only they should open it). On that page they pick ${choose}, sign in its connectors, set its values` +
        `${start ? " and start it" : ""}. When they say they are done, list_templates with these tags shows what they installed: a cycle not in templates[].cycles of this result is new` +
        `${start ? "; Active means it runs" : ""}. Then get_cycle on it.`,
    };
    return {
      structuredContent: { ...given.fields, templates: offered, start, runOnce, nextStep },
      reveal: given.reveal,
      text: `LAUNCH link for account ${accountId} (${names.join(", ")})${given.where}\n${given.expiry} Next: ${nextStep.tool}. ${nextStep.instruction}`,
    };
  },
});
