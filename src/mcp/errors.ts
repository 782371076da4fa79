/**
 * The one place that turns errors into what the assistant reads: what went wrong and what to do
 * next. Handlers just throw. Every message passes the redactor.
 */
import {
  CyclrAuthError,
  CyclrError,
  CyclrHttpError,
  CyclrNetworkError,
  CyclrResponseError,
  CyclrResponseTooLargeError,
  CyclrTimeoutError,
} from "../cyclr/errors.js";
import { nameInUse } from "../setup/existing-installs.js";
import { StoreUnavailableError } from "../store/index.js";

/** A problem with the arguments that the input schema cannot express; the message names the field and the fix. */
export class ToolInputError extends Error {
  override readonly name = "ToolInputError";
}

/**
 * An install whose answer was lost (timeout, closed connection, 5xx after sending), after the
 * account's connectors were checked: it was not made (Cyclr answered, so the request is over); it
 * has not appeared but the request may still be running at Cyclr, so its absence proves nothing; or
 * the check failed too and nobody knows. (When the check finds it, the install is a success with a
 * note, not an error.)
 */
export class AmbiguousInstallError extends Error {
  override readonly name = "AmbiguousInstallError";
  /** Why the check afterwards failed (outcome "unknown"). */
  readonly checkFailure?: unknown;
  /** How long the account was watched for the install (outcome "may_still_run"). */
  readonly lookedForMs?: number;
  constructor(
    readonly outcome: "not_installed" | "may_still_run" | "unknown",
    readonly install: { accountId: string; connectorId: number; name: string },
    /** What went wrong with the install request. */
    readonly failure: CyclrError,
    details: { checkFailure?: unknown; lookedForMs?: number } = {},
  ) {
    super(`install of connector ${install.connectorId} ${outcome === "not_installed" ? "not made" : "uncertain"}: ${failure.message}`, { cause: failure });
    if ("checkFailure" in details) this.checkFailure = details.checkFailure;
    if (details.lookedForMs !== undefined) this.lookedForMs = details.lookedForMs;
  }
}

/**
 * A template install whose answer was lost, after the account's cycles were checked: as for a
 * connector (AmbiguousInstallError), it was not made, may still be running at Cyclr, or nobody knows.
 */
export class AmbiguousCycleInstallError extends Error {
  override readonly name = "AmbiguousCycleInstallError";
  constructor(
    readonly outcome: "not_installed" | "may_still_run" | "unknown",
    readonly install: { accountId: string; templateId: string; templateName: string },
    readonly failure: CyclrError,
    readonly details: { checkFailure?: unknown; lookedForMs?: number } = {},
  ) {
    super(`install of template ${install.templateId} ${outcome === "not_installed" ? "not made" : "uncertain"}: ${failure.message}`, { cause: failure });
  }
}

/** A safe, actionable description of an error, or undefined for an unexpected one (a bug). */
export function describeError(error: unknown): string | undefined {
  if (error instanceof ToolInputError) return error.message;
  if (error instanceof AmbiguousInstallError) return describeAmbiguousInstall(error);
  if (error instanceof AmbiguousCycleInstallError) return describeAmbiguousCycleInstall(error);
  if (error instanceof CyclrError) return describeCyclrError(error);
  if (error instanceof StoreUnavailableError) {
    // Links and browser steps live there: nothing was given out, and nothing the person did is lost.
    return (
      `The server's shared store (${error.store}) cannot be used just now (${error.message.replace(/^.*? is unavailable: /, "")}), so this call could not be completed. ` +
      "Nothing was lost: links already given out stay valid. Try again in a minute; if it goes on, tell the server's operator (GET /readyz names the problem)."
    );
  }
  return undefined;
}

function describeAmbiguousInstall(error: AmbiguousInstallError): string {
  const { accountId, connectorId, name } = error.install;
  const what = `Installing connector ${connectorId} as "${name}" in account ${accountId} got no usable answer (${error.failure.message}).`;
  // What the server remembers (install_connector looks for the late install first) makes a later call the safe way back.
  const later =
    `Call install_connector again later with the same connector and name: it first looks for this install and returns it if it finished, rather than installing again. ` +
    `Or call list_account_connectors and look for one named "${name}" created just now.`;
  if (error.outcome === "not_installed") {
    return `${what} Cyclr answered, so the request is over, and the account's connectors were checked afterwards: not installed; safe to retry install_connector.`;
  }
  if (error.outcome === "may_still_run") {
    const seconds = Math.max(1, Math.round((error.lookedForMs ?? 0) / 1000));
    return (
      `${what} The account's connectors were watched for ${seconds} s afterwards and it has not appeared yet, but the install may still be running at Cyclr, ` +
      `so it may yet appear: do not install it another way now. ${later}`
    );
  }
  const check = error.checkFailure instanceof CyclrError ? ` (${error.checkFailure.message})` : "";
  return `${what} Checking the account's connectors afterwards failed too${check}, so it is unknown whether it was installed. ${later}`;
}

function describeAmbiguousCycleInstall(error: AmbiguousCycleInstallError): string {
  const { accountId, templateId, templateName } = error.install;
  const what = `Installing the template "${templateName}" (${templateId}) in account ${accountId} got no usable answer (${error.failure.message}).`;
  // install_template returns a cycle of the template already in the account, so calling it again is the safe way back.
  const later = `Call install_template again later with the same template (without again): it first looks for a cycle of this template in the account and returns it rather than installing a second one.`;
  if (error.outcome === "not_installed") {
    return `${what} Cyclr answered, so the request is over, and the account's cycles were checked afterwards: not installed; safe to call install_template again.`;
  }
  if (error.outcome === "may_still_run") {
    const seconds = Math.max(1, Math.round((error.details.lookedForMs ?? 0) / 1000));
    return `${what} The account's cycles were watched for ${seconds} s and it has not appeared yet, but the install may still be running at Cyclr. ${later}`;
  }
  const check = error.details.checkFailure instanceof CyclrError ? ` (${error.details.checkFailure.message})` : "";
  return `${what} Checking the account's cycles afterwards failed too${check}, so it is unknown whether it was installed. ${later}`;
}

/** Why a stale catalog is being shown, for the person: a refresh under way, or one that failed. */
export function describeStaleCatalog(loadedAt: number, refreshError: unknown, now: number = Date.now()): string {
  const minutes = Math.max(1, Math.round((now - loadedAt) / 60_000));
  const age = `The catalog shown was loaded ${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  if (refreshError === undefined) return `${age}; a refresh is under way.`;
  const reason = describeError(refreshError) ?? "an unexpected error (see the server's log)";
  return `${age}: refreshing it failed, so the older copy is shown. ${reason}`;
}

/** The call that shows whether a write whose answer was lost was made. */
function checkWith(request: CyclrError["request"]): string {
  const kind = request.target?.kind;
  if (kind === "template") return "list_templates with accountId shows the account's cycles";
  return kind === "cycle" || kind === "step" || kind === "parameter" || kind === "field" ? "get_cycle" : "get_account_connector";
}

function describeCyclrError(error: CyclrError): string {
  const { request } = error;
  const account = request.accountId ? ` in account ${request.accountId}` : "";
  if (error instanceof CyclrAuthError) {
    if (request.target?.kind === "access token") {
      return `${error.message}. Check CYCLR_CLIENT_ID and CYCLR_CLIENT_SECRET, and that CYCLR_API_URL is the API domain of the region they belong to.`;
    }
    if (error.afterFreshToken) {
      // The token was just issued for these credentials, so a new one will not help: the account is the suspect.
      return (
        `${error.message}, with a token Cyclr had just issued: the client credentials work, so the account ${request.accountId ?? "(none)"} ` +
        `(sent as X-Cyclr-Account) is not one they may use, or the token's rights do not cover this call. ` +
        "Check accountId or CYCLR_ACCOUNT_ID: it is the account's API ID (Console > Accounts > Account Management > Settings) and must belong to this partner. " +
        "No further token is fetched for this account for a few minutes."
      );
    }
    return (
      `${error.message}. Check the credentials (CYCLR_CLIENT_ID/CYCLR_CLIENT_SECRET or CYCLR_ACCESS_TOKEN) and the account` +
      `${request.accountId ? ` (${request.accountId})` : ""}: Cyclr also answers 401 when the account id is missing or not one the credentials may use.`
    );
  }
  if (error instanceof CyclrTimeoutError) {
    return `${error.message} (CYCLR_TIMEOUT_MS). Try again; ${request.method !== "GET" ? `the change may or may not have been made, so check its result (${checkWith(request)}) before repeating it.` : "if it keeps happening, raise CYCLR_TIMEOUT_MS."}`;
  }
  if (error instanceof CyclrNetworkError) {
    if (error.cancelled) return `${error.message}.`;
    const write = request.method !== "GET" && !error.notSent;
    return `${error.message}. Check CYCLR_API_URL and the network, then try again${write ? `, after checking whether the change was made (${checkWith(request)}), to avoid doing it twice` : ""}.`;
  }
  if (error instanceof CyclrResponseTooLargeError) {
    // Retrying gets the same answer: the next step is the operator's, so say whom to ask and what to change.
    const page = request.target?.kind === "catalog" ? " (a catalog page; connector icons come inline, so a catalog with large icons may need more)" : "";
    return (
      `${error.message}${page}. Trying again will not help: ask the person who runs this server to raise CYCLR_MAX_RESPONSE_BYTES ` +
      `(--max-response-bytes; now ${error.limitBytes}), or check that CYCLR_API_URL is the Cyclr API domain.` +
      `${request.method !== "GET" ? ` The change may have been made: check its result (${checkWith(request)}) before repeating it.` : ""}`
    );
  }
  if (error instanceof CyclrResponseError) {
    return `${error.message}. Check that CYCLR_API_URL is the Cyclr API domain (e.g. https://api.cyclr.com), not the console or the service domain.`;
  }
  if (error instanceof CyclrHttpError) {
    const html = error.details.html;
    const says = error.upstreamMessage
      ? ` Cyclr says: "${error.upstreamMessage}".`
      : html
        ? ` The answer was an HTML page${html.title ? ` ("${html.title}")` : ""}, not Cyclr's JSON: usually an error page from a proxy, gateway or load balancer between this server and Cyclr (if it persists, check CYCLR_API_URL).`
        : "";
    const target = request.target;
    switch (error.status) {
      case 404:
        if (target?.kind === "connector") {
          return `Connector ${target.id} was not found${account}.${says} Call list_connectors to find the connector's id.`;
        }
        if (target?.kind === "account connector") {
          return (
            `Account connector ${target.id} was not found${account}.${says} Use the accountConnectorId that install_connector returned, and the account it was installed in ` +
            "(list_account_connectors lists that account's)."
          );
        }
        if (target?.kind === "template") {
          return `Template ${target.id} was not found${account}.${says} Call list_templates to find the template's id.`;
        }
        if (target?.kind === "cycle") {
          return (
            `Cycle ${target.id} was not found${account}.${says} Use the cycleId install_template returned, and the account it was installed in ` +
            "(list_templates with accountId shows that account's cycles of each template)."
          );
        }
        if (target?.kind === "step") {
          return `Step ${target.id} was not found${account}.${says} get_cycle lists the steps with values to set (stepId).`;
        }
        if (target?.kind === "parameter" || target?.kind === "field") {
          return `The ${target.kind} ${target.id} of step ${target.stepId ?? "?"} was not found${account}.${says} get_cycle lists the values to set, with their ids.`;
        }
        if (target?.kind === "account") {
          return (
            `Account ${target.id} was not found.${says} Check accountId or CYCLR_ACCOUNT_ID: it is the account's API ID, not its name; ` +
            "list_accounts finds it by the customer's name (the Cyclr Console shows it under Accounts > Account Management > Settings)."
          );
        }
        return `Cyclr found nothing at ${request.method} ${request.path}${account}.${says}`;
      case 400: {
        if (target?.kind === "new account") {
          if (target.id !== undefined && /already in use/i.test(error.upstreamMessage ?? "")) {
            return (
              `An account with the id "${target.id}" already exists, and account ids are unique.${says} Call list_accounts with query "${target.id}" to find it ` +
              "and carry on with it; or, if this is another customer, call create_account with another id, or none so Cyclr picks one."
            );
          }
          return `Cyclr refused to create the account${target.id !== undefined ? ` "${target.id}"` : ""} (400).${says} Correct the arguments (name is required) and try again.`;
        }
        const taken = nameInUse(error.upstreamMessage);
        if (taken !== undefined) {
          return (
            `An account connector named "${taken}" already exists${account}, and names are unique in an account.${says} ` +
            `Call list_account_connectors to find it and carry on with it; or, if the person wants another one, call install_connector with another name, ` +
            "or with allowDuplicate: true and no name so the server picks a free one."
          );
        }
        return `Cyclr rejected ${request.method} ${request.path}${account} (400).${says} Correct the arguments and try again.`;
      }
      case 403:
        return `Cyclr refused ${request.method} ${request.path}${account} (403).${says} The credentials may not have access to this account.`;
      case 409:
        if (target?.kind === "cycle" || target?.kind === "step" || target?.kind === "parameter" || target?.kind === "field") {
          // Cyclr refuses changes to a running cycle: the way on is to pause it, not to wait.
          return (
            `The cycle is running, and Cyclr refuses changes to a running cycle (409).${says} Pause it first with pause_cycle (the person confirms), ` +
            "make the change, then start it again with activate_cycle. Nothing was changed."
          );
        }
        return `Cyclr reported a conflict on ${request.method} ${request.path}${account} (409).${says} Wait a moment and try again.`;
      case 429:
        return (
          `Cyclr is limiting the request rate (429).${says} ` +
          (error.details.retryAfterSeconds !== undefined
            ? `It asks to wait ${error.details.retryAfterSeconds} second${error.details.retryAfterSeconds === 1 ? "" : "s"}; try again after that.`
            : "Wait a minute and try again.")
        );
      default:
        if (error.status >= 500) {
          return (
            `Cyclr failed on ${request.method} ${request.path}${account} (${error.status}).${says} This is on Cyclr's side; try again shortly` +
            `${request.method === "POST" ? ", after checking whether the change was made, to avoid doing it twice" : ""}.`
          );
        }
        return `Cyclr answered ${error.status} to ${request.method} ${request.path}${account}.${says}`;
    }
  }
  return error.message;
}
