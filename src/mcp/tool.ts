/**
 * A tool is plain data (name, schemas, annotations, description) plus a handler that receives its
 * dependencies at registration. The whole surface can be listed and snapshotted without a network.
 */
import type { z } from "zod";
import type { CyclrOperations } from "../cyclr/client.js";
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
}

/** The browser step an OAuth landing page ends: the account connector, and the id the link was recorded under (BrowserSteps). */
export interface LandingStep {
  accountId: string;
  accountConnectorId: number;
  link?: string;
}

export interface CredentialLinkBinding {
  accountId: string;
  accountConnectorId: number;
  connectorName: string;
  request: CredentialRequest;
  /**
   * The session that gave out the link: what the person types is hidden from its answers too (as
   * keyed hashes when the page was served by another replica).
   */
  keepSecret?: (...secrets: (string | HashedSecret)[]) => void;
}

export interface CredentialLinks {
  /** A one-time link to a page asking for exactly what `request` lists, bound to this account connector. */
  create(binding: CredentialLinkBinding): Promise<CredentialLink>;
}

export interface CredentialLink {
  url: string;
  /** Names the link in the browser step (a hash of its token: it opens nothing), so that its use ends that step. */
  id: string;
  /** The link's one-time token (in the url): a secret of the session that gave it out. */
  token: string;
  expiresAt: Date;
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
}

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
