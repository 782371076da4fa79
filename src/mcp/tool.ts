/**
 * A tool is plain data (name, schemas, annotations, description) plus a handler that receives its
 * dependencies at registration. The whole surface can be listed and snapshotted without a network.
 */
import type * as z from "zod";
import type { CyclrOperations, PartnerOperations } from "../cyclr/client.js";
import type { HashedSecret } from "../redact.js";
import type { CredentialRequest } from "../setup/credential-request.js";
import type { CardName } from "./apps/cards.js";
import type { AccountPolicy } from "./shared/account-policy.js";
import type { AccountConnectorPolls, BrowserSteps } from "./shared/authentication-wait.js";
import type { PersonChannel } from "./shared/person.js";
import type { UncertainInstalls } from "./shared/uncertain-installs.js";

export type { AccountPolicy } from "./shared/account-policy.js";
export type { FormField, PersonChannel } from "./shared/person.js";

export interface ServerDeps {
  cyclr: CyclrOperations;
  /**
   * The calls that hand a person to Cyclr's own pages (LAUNCH, a Marketplace), always with the
   * partner's token, also in a pinned session whose `cyclr` uses a token restricted to its account:
   * Cyclr's docs say not to make them with such a token. Used only after the account was checked
   * through `cyclr`.
   */
  partner: PartnerOperations;
  /** CYCLR_MARKETPLACE_ID: the Marketplace create_marketplace_link shows when the call names none. */
  marketplaceId?: number;
  /** CYCLR_ACCOUNT_ID: used when a call names no account. */
  defaultAccountId?: string;
  /** CYCLR_SERVICE_DOMAIN as an origin: needed for OAuth links. */
  serviceDomain?: string;
  /**
   * Where an OAuth sign-in may end (create_oauth_link's targetOrigin): the service domain,
   * CYCLR_OAUTH_TARGET_ORIGINS and, hosted, this server's public origin.
   */
  oauthTargetOrigins: readonly string[];
  /** Serves the pages where a person types a secret for Cyclr, so it never passes through the chat. */
  credentialLinks?: CredentialLinks;
  /**
   * This server's page where a person lands after an OAuth sign-in (create_oauth_link's default
   * targetOrigin), served where the credential pages are; undefined when there is no listener.
   */
  oauthLanding?: (connectorName: string, step?: LandingStep) => Promise<string | undefined>;
  /** The links given out, so a wait knows what the person is doing. Shared by every session of a process. */
  browserSteps: BrowserSteps;
  /** The polls of account connectors someone waits on: concurrent waits on one share a poll. Shared by every session of a process. */
  accountConnectorPolls: AccountConnectorPolls;
  /** Installs whose answer was lost, so the next install of the same connector finds them. Shared by every session of a process. */
  uncertainInstalls: UncertainInstalls;
  /** Which accounts calls may touch: a hosted session pinned to one, and the allow-list. */
  accounts?: AccountPolicy;
  /** Hosted, a caller known as a person (a JWT access token): who asks for the links this session makes. */
  requester?: Requester;
  /** MCP_HTTP_LINKS_FOR_OTHERS: a link may be made for another person than its maker (forSomeoneElse). */
  linksForOthers?: boolean;
}

/** A person the server knows by their access token: its sub, and the name and e-mail it carries, if any. */
export interface Requester {
  subject: string;
  name?: string;
  email?: string;
}

/**
 * Whose account a link's page connects, and who asked for it: shown above its form. Nothing
 * secret: names, and an id where Cyclr gives no name.
 */
export interface LinkParties {
  accountId: string;
  /** The Cyclr account's name, from Cyclr; the page shows the id when Cyclr gives none. */
  accountName?: string;
  connectorName: string;
  /** Who made the link, where the server knows them as a person (hosted, a JWT access token). */
  requester?: Requester;
  /** Made for another person than its maker (a support person sending it to a customer): no sign-in; the page names the sender. */
  forSomeoneElse?: boolean;
}

/**
 * The browser step an OAuth landing page ends: the account connector, and the id the link was
 * recorded under (BrowserSteps); and whose account it was, for the page to say.
 */
export interface LandingStep {
  accountId: string;
  accountConnectorId: number;
  link?: string;
  parties?: LinkParties;
}

export interface CredentialLinkBinding extends LinkParties {
  accountConnectorId: number;
  request: CredentialRequest;
  /**
   * The session that gave out the link: what the person types is hidden from its answers too (as
   * keyed hashes when the page was served by another replica).
   */
  keepSecret?: (...secrets: (string | HashedSecret)[]) => void;
}

/** What the page before an OAuth sign-in needs to ask Cyclr for the sign-in link when the person goes on. */
export interface SignInPageBinding extends LinkParties {
  accountConnectorId: number;
  /** The partner's service domain, as an origin: where the sign-in link goes. */
  serviceDomain: string;
  /** The account user Cyclr's sign-in token is for. */
  username: string;
  targetOrigin: string;
  callbackMessage?: string;
}

/** A page of this server a link opens: its URL (with the one-time token) and when it stops working. */
export interface PageLink {
  url: string;
  /** The link's one-time token (in the url): a secret of the session that gave it out. */
  token: string;
  expiresAt: Date;
}

export interface CredentialLinks {
  /** A one-time link to a page asking for exactly what `request` lists, bound to this account connector. */
  create(binding: CredentialLinkBinding): Promise<CredentialLink>;
  /**
   * A one-time link to a page of this server that an OAuth sign-in starts from: it names whose
   * account the connector goes to, signs the person in where the credential pages do, and asks
   * Cyclr for the sign-in link only when the person goes on. Undefined where no such page is
   * wanted (no sign-in to check, no sender to name): the sign-in link then goes to Cyclr directly.
   */
  createSignInPage(binding: SignInPageBinding): Promise<PageLink | undefined>;
}

export interface CredentialLink extends PageLink {
  /** Names the link in the browser step (a hash of its token: it opens nothing), so that its use ends that step. */
  id: string;
  /** Resolves true once the person has submitted and Cyclr accepted it; false when the link expires unused. */
  used: Promise<boolean>;
}

export interface ToolContext {
  /** Aborted when the client cancels the request, or when a shutdown's grace is over. */
  signal: AbortSignal;
  /** Aborted when the server begins to shut down: a long wait ends early, so that it can be repeated elsewhere. */
  stopping: AbortSignal;
  /** Asking the person through their client, where the client supports it. */
  person: PersonChannel;
  /** Reports progress to a caller that asked for it (passed a progressToken); otherwise does nothing. */
  progress(progress: number, total: number, message: string): Promise<void>;
  /** Work that goes on after the result (watching for a sign-in), stopped when the session ends. */
  background(task: (signal: AbortSignal) => Promise<void>): void;
  /** Registers secrets learnt during the call (a sign-in token) with the session's redactor: hidden from its answers from now on. */
  keepSecret(...secrets: (string | HashedSecret)[]): void;
  /**
   * Rounds of one call (2026-07-28): a client answers the person's questions by calling again, and
   * the handler runs again from the top. What a run proved before asking (a write done: an
   * install, a link given out) is carried to the next round, so that the re-run does not repeat it.
   * Never a secret: it travels signed, not encrypted, through the client. On 2025-11-25 a call runs
   * once, and nothing is carried.
   */
  rounds: {
    /** What an earlier round of this call carried under `name`, or undefined (the first round; 2025-11-25). */
    carried(name: string): unknown;
    /** Carries `value` to the rounds after this one's question. */
    carry(name: string, value: CarriedValue): void;
    /**
     * 2026-07-28 only: ends this run and asks the client to call again at once, carrying what was
     * carried. A wait for the person goes on that way in short rounds, so no request is held for
     * long and any replica can take the next (shared/wait-rounds.ts). Undefined on 2025-11-25.
     */
    again?: () => never;
  };
}

/** What a round may carry: JSON, and never a secret. */
export type CarriedValue = string | number | boolean | null | CarriedValue[] | { [key: string]: CarriedValue };

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolResult<Output> {
  structuredContent: Output;
  /** A short readable summary for clients that show text only. */
  text: string;
  /**
   * Strings meant for the person although they hold a secret: a link carrying its one-time token.
   * They pass the redactor whole; nothing else in the result does.
   */
  reveal?: string[];
}

export interface ToolUi {
  card: CardName;
  /** Who may call it: the model, the card, or both (the extension's default). */
  visibility?: ("model" | "app")[];
}

type Infer<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;

export interface ToolDefinition<Input extends z.ZodRawShape = z.ZodRawShape, Output extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: Input;
  outputSchema: Output;
  annotations: ToolAnnotations;
  /** The Cyclr API calls it makes, for the README's reference (generated from this). */
  cyclrCalls: string;
  /**
   * The card a host that renders MCP Apps (io.modelcontextprotocol/ui) shows beside the result.
   * Only clients that advertise the extension see it; `visibility: ["app"]` makes a helper only the card calls.
   */
  ui?: ToolUi;
  /**
   * Changes a cycle (installs one, sets its values, starts or stops it): moves the person's data, so
   * a hosted caller needs the cycle scope (cyclr:cycles) for it, beside cyclr:write for the connector tools.
   */
  changesCycles?: boolean;
  /**
   * With changesCycles: the person also installs and signs in connectors through it (the LAUNCH and
   * Marketplace links), so a hosted caller needs cyclr:write as well as cyclr:cycles. (A writer that
   * does not change cycles needs cyclr:write anyway.)
   */
  changesConnectors?: boolean;
  /** Argument values that are secrets: kept out of any error text. */
  secrets?: (args: Infer<Input>) => (string | undefined)[];
  handler: (deps: ServerDeps) => (args: Infer<Input>, context: ToolContext) => Promise<ToolResult<Infer<Output>>>;
}

/** Identity, for type inference of a tool's argument and output types. */
export function defineTool<Input extends z.ZodRawShape, Output extends z.ZodRawShape>(
  tool: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return tool;
}
