/**
 * The links this server gives out, as the store keeps them: under a hash of their token (what the
 * store holds opens no page), with whose account their page connects and who may fill it. Two
 * kinds: a credential page (what the person types goes to Cyclr) and the page before an OAuth
 * sign-in (it asks Cyclr for the sign-in link when the person goes on). Also the claim that lets
 * one submission at a time use a link, over every replica.
 */
import { createHash, randomUUID } from "node:crypto";
import * as z from "zod";
import type { CyclrOperations } from "../cyclr/client.js";
import type { Logger } from "../log.js";
import type { Redactor } from "../redact.js";
import { readJson, type Store } from "../store/index.js";

export const CREDENTIALS_PATH = "/credentials/";
export const LINK_LIFETIME_MS = 10 * 60_000;
/**
 * How long one submission holds its link while it writes to Cyclr. Past it (the replica died
 * mid-write) the person may submit again; a submission that succeeds removes the link first.
 */
const CLAIM_MS = 2 * 60_000;

/** What a page's handlers act on a link with: the store it is kept in, Cyclr, the log and the clock. */
export interface LinkServices {
  store: Store;
  cyclr: CyclrOperations;
  /** Hosted mode: the operations over a token Cyclr restricted to one account, for what a link writes there. */
  cyclrForAccount?: (accountId: string) => CyclrOperations;
  redactor: Redactor;
  logger: Logger;
  now: () => number;
}

const CredentialFieldSchema = z.object({ field: z.string(), label: z.string(), description: z.string().optional(), secret: z.boolean() });

export const RequesterSchema = z.object({ subject: z.string(), name: z.string().optional(), email: z.string().optional() });

/** Whose account a link's page connects, who asked for it, and who may fill it. */
export const PartiesSchema = z.object({
  accountId: z.string(),
  accountName: z.string().optional(),
  connectorName: z.string(),
  requester: RequesterSchema.optional(),
  forSomeoneElse: z.boolean().optional(),
});

const LinkAccessFields = {
  /** The sub the page's sign-in must give before the page shows its form or takes it: the link's maker's. */
  subject: z.string().optional(),
  csrfToken: z.string(),
  expiresAt: z.number(),
};

/** A credential page's link (links stored before kinds existed have none: they are this kind). */
export const StoredLinkSchema = PartiesSchema.extend({
  kind: z.literal("credentials").optional(),
  accountConnectorId: z.number(),
  request: z.object({ authValue: z.enum(["apiKey", "basic"]).optional(), properties: z.array(z.string()), fields: z.array(CredentialFieldSchema) }),
  /** Fields still to be set: a retry after a partial failure asks only for these. */
  remaining: z.array(CredentialFieldSchema),
  ...LinkAccessFields,
});
export type StoredLink = z.infer<typeof StoredLinkSchema>;

/** The link to the page before an OAuth sign-in: what it needs to ask Cyclr for the sign-in link (no secret). */
export const StoredSignInPageSchema = PartiesSchema.extend({
  kind: z.literal("sign-in"),
  accountConnectorId: z.number(),
  serviceDomain: z.string(),
  username: z.string(),
  targetOrigin: z.string(),
  callbackMessage: z.string().optional(),
  ...LinkAccessFields,
});
export type StoredSignInPage = z.infer<typeof StoredSignInPageSchema>;

export type StoredPage = StoredLink | StoredSignInPage;
const StoredPageSchema = z.union([StoredSignInPageSchema, StoredLinkSchema]);

/** The store's key for a link: a hash of its token, so that what the store holds opens no page. */
export function linkHash(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
export const linkKey = (hash: string) => `link:${hash}`;
const claimKey = (hash: string) => `link-claim:${hash}`;
export const usedKey = (hash: string) => `link-used:${hash}`;

/** The link under this hash, while it is valid. */
export async function readLink(store: Store, hash: string, now: number): Promise<StoredPage | undefined> {
  const link = await readJson(store, linkKey(hash), StoredPageSchema);
  return link && link.expiresAt > now ? link : undefined;
}

/**
 * One use of a link at a time, over every replica: `use` runs under a claim on the link, with the
 * link read again under it (a use that finished just before may have spent it, or changed it on
 * another replica), and only if it is still valid and of the kind wanted. `use` answers whether it
 * spent the link: a spent link keeps its claim until the claim expires, so nothing can use it
 * meanwhile; otherwise the claim is let go and the person may try again. False when the link could
 * not be used (held by another use, gone, or another kind): the caller shows the page of a used link.
 */
export async function useLink<P extends StoredPage>(
  store: Store,
  hash: string,
  now: number,
  isKind: (page: StoredPage) => page is P,
  use: (page: P) => Promise<boolean>,
): Promise<boolean> {
  const claim = randomUUID();
  if (!(await store.set(claimKey(hash), claim, { ttlMs: CLAIM_MS, onlyIfAbsent: true }))) return false;
  let spent = false;
  try {
    const page = await readLink(store, hash, now);
    if (!page || !isKind(page)) return false;
    spent = await use(page);
    return true;
  } finally {
    if (!spent) await store.delete(claimKey(hash), claim).catch(() => undefined);
  }
}

export const isSignInPage = (page: StoredPage): page is StoredSignInPage => page.kind === "sign-in";
export const isCredentialPage = (page: StoredPage): page is StoredLink => page.kind !== "sign-in";
