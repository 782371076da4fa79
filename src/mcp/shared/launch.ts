/**
 * Handing the person to Cyclr's own pages (LAUNCH, a Marketplace: ../shared/cyclr/cycles.md,
 * LAUNCH), for create_launch_link, create_marketplace_link and list_templates: the account checked
 * before a call that would create it, the templates a LAUNCH link offers, and the link given to the
 * person as the other links are (the client opens it where it can; nothing of the server opens it,
 * since the first request spends it).
 */
import * as z from "zod";
import type { CallOptions, CyclrOperations, Listed } from "../../cyclr/client.js";
import { CyclrHttpError } from "../../cyclr/errors.js";
import type { Cycle, Template } from "../../cyclr/schemas.js";
import { ToolInputError } from "../errors.js";
import type { ToolContext } from "../tool.js";
import { boundedList } from "./arguments.js";

/** Cyclr's LAUNCH and Marketplace links last 5 minutes and are spent when first opened (Cyclr's docs). */
export const LINK_MINUTES = 5;

/** 1 to 10 tags (the bounds are checked, and said in the description: array bounds are not portable to every model provider). */
export const tagsArg = boundedList(z.string().trim().min(1).max(100), { min: 1, max: 10 }).describe(
  'The template\'s tags (1 to 10) as list_templates shows them, e.g. ["crm"]: LAUNCH offers those with one.',
);

/** The link as both tools answer it. */
export const linkShape = {
  accountId: z.string(),
  url: z.string().optional().describe("The link for the person to open. Left out when the client opened it for the person (URL elicitation)."),
  expiresAtUtc: z.string().describe("When the link stops working (UTC), if nobody opened it before."),
  singleUse: z.literal(true).describe("Spent when first opened: only the person should open it (a link preview would spend it)."),
  validForMinutes: z.number(),
  openedByClient: z.enum(["accepted", "declined"]).optional().describe("Present when the client was asked to open the link (URL elicitation): whether the person agreed."),
};

/**
 * The templates Cyclr lists under any of the tags (its own tag filter, which is what LAUNCH picks
 * by: a template's tags may not come with the list's items), each once, in Cyclr's order. Whether
 * LAUNCH offers those with any of several tags or only those with all is unknown: any, here.
 */
export async function templatesTagged(cyclr: CyclrOperations, accountId: string, tags: readonly string[], options: CallOptions): Promise<Listed<Template>> {
  const lists = await Promise.all([...new Set(tags)].map((tag) => cyclr.listTemplates(accountId, { ...options, tag })));
  const seen = new Set<string>();
  const items: Template[] = [];
  for (const template of lists.flatMap((list) => list.items)) {
    if (seen.has(template.Id.toLowerCase())) continue;
    seen.add(template.Id.toLowerCase());
    items.push(template);
  }
  return { items, leftOut: lists.flatMap((list) => list.leftOut) };
}

/**
 * The account, read through the session's own operations (a pinned session's restricted token),
 * before a call that would create it if it did not exist: these links are for an existing customer.
 */
export async function existingAccount(cyclr: CyclrOperations, accountId: string, what: string, options: CallOptions): Promise<{ name?: string }> {
  try {
    const account = await cyclr.getAccount(accountId, options);
    return account.Name !== undefined ? { name: account.Name } : {};
  } catch (error) {
    if (error instanceof CyclrHttpError && error.status === 404) {
      throw new ToolInputError(
        `Account "${accountId}" does not exist, and ${what} would create it: check the account's API ID (list_accounts finds it by the customer's name), ` +
          "or create the account first with create_account.",
      );
    }
    throw error;
  }
}

/**
 * Gives the person the link: a client with URL elicitation is asked to open it for them. Nothing
 * here fetches it: its first request spends it. `url` is undefined on a later round of a 2026-07-28
 * call (the round that made the link asked about it; the link itself is never carried): the answer
 * given then comes back.
 */
export async function giveLink(context: Pick<ToolContext, "person">, url: string | undefined, message: string): Promise<"accepted" | "declined" | undefined> {
  if (!context.person.openUrl) return undefined;
  const opened = await context.person.openUrl(message, url);
  return opened.accepted ? "accepted" : "declined";
}

/**
 * The link as both tools answer it, once the person was given it: its fields (linkShape), what the
 * session shows of it, and the text's words for where it is. The link itself is left out when the
 * client opened it for the person.
 */
export function givenLink(accountId: string, url: string | undefined, expiresAtUtc: string, openedByClient: "accepted" | "declined" | undefined) {
  const shown = openedByClient !== "accepted" ? url : undefined;
  return {
    fields: {
      accountId,
      ...(shown !== undefined && { url: shown }),
      expiresAtUtc,
      singleUse: true as const,
      validForMinutes: LINK_MINUTES,
      ...(openedByClient && { openedByClient }),
    },
    reveal: shown !== undefined ? [shown] : [],
    where: openedByClient === "accepted" ? ": the client opened it for the person." : shown !== undefined ? `: ${shown}` : ".",
    expiry: `It works once and expires at ${expiresAtUtc} (${LINK_MINUTES} minutes).`,
  };
}

/** What the next step says of the link, whether the client opened it, the person declined, or the assistant gives it. */
export function linkWords(openedByClient: "accepted" | "declined" | undefined, url: string | undefined, tool: string): string {
  if (openedByClient === "accepted") return "The link was opened for the person";
  if (openedByClient === "declined") {
    return url !== undefined
      ? "The person declined to open it in their client: if they want to go on, give them the link to open themselves"
      : `The person declined to open it in their client: if they want to go on, call ${tool} again for a new link`;
  }
  return "Give the person the link";
}

/** Cyclr's expiry as an ISO time (it sends seven decimals); now + 5 minutes when it sends none or an unreadable one. */
export function expiresAt(cyclrTime: string | undefined, now = Date.now()): string {
  const parsed = cyclrTime === undefined ? Number.NaN : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(cyclrTime) ? cyclrTime : `${cyclrTime}Z`);
  return new Date(Number.isFinite(parsed) ? parsed : now + LINK_MINUTES * 60_000).toISOString();
}

/** A cycle as these results list it. */
export function cycleEntry(cycle: Cycle): { cycleId: string; name?: string; status?: string } {
  return { cycleId: cycle.Id, ...(cycle.Name !== undefined && { name: cycle.Name }), ...(cycle.Status !== undefined && { status: cycle.Status }) };
}
