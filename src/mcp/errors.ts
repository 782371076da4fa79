/**
 * The one place that turns errors into what the assistant reads: what went wrong and what to do
 * next. Handlers just throw. Every message passes the redactor.
 */
import { CyclrAuthError, CyclrError, CyclrHttpError, CyclrNetworkError, CyclrResponseError, CyclrTimeoutError } from "../cyclr/errors.js";

/** A problem with the arguments that the input schema cannot express; the message names the field and the fix. */
export class ToolInputError extends Error {
  override readonly name = "ToolInputError";
}

/** A safe, actionable description of an error, or undefined for an unexpected one (a bug). */
export function describeError(error: unknown): string | undefined {
  if (error instanceof ToolInputError) return error.message;
  if (error instanceof CyclrError) return describeCyclrError(error);
  return undefined;
}

function describeCyclrError(error: CyclrError): string {
  const { request } = error;
  const account = request.accountId ? ` in account ${request.accountId}` : "";
  if (error instanceof CyclrAuthError) {
    if (request.target?.kind === "access token") {
      return `${error.message}. Check CYCLR_CLIENT_ID and CYCLR_CLIENT_SECRET, and that CYCLR_API_URL is the API domain of the region they belong to.`;
    }
    return (
      `${error.message}. Check the credentials (CYCLR_CLIENT_ID/CYCLR_CLIENT_SECRET or CYCLR_ACCESS_TOKEN) and the account` +
      `${request.accountId ? ` (${request.accountId})` : ""}: Cyclr also answers 401 when the account id is missing or not one the credentials may use.`
    );
  }
  if (error instanceof CyclrTimeoutError) {
    return `${error.message} (CYCLR_TIMEOUT_MS). Try again; ${request.method === "POST" ? "the change may or may not have been made, so check its result (get_account_connector) before repeating it." : "if it keeps happening, raise CYCLR_TIMEOUT_MS."}`;
  }
  if (error instanceof CyclrNetworkError) {
    return `${error.message}. Check CYCLR_API_URL and the network, then try again.`;
  }
  if (error instanceof CyclrResponseError) {
    return `${error.message}. Check that CYCLR_API_URL is the Cyclr API domain (e.g. https://api.cyclr.com), not the console or the service domain.`;
  }
  if (error instanceof CyclrHttpError) {
    const says = error.upstreamMessage ? ` Cyclr says: "${error.upstreamMessage}".` : "";
    const target = request.target;
    switch (error.status) {
      case 404:
        if (target?.kind === "connector") {
          return `Connector ${target.id} was not found${account}.${says} Call list_connectors to find the connector's id.`;
        }
        if (target?.kind === "account connector") {
          return `Account connector ${target.id} was not found${account}.${says} Use the accountConnectorId that install_connector returned, and the account it was installed in.`;
        }
        if (target?.kind === "account") {
          return `Account ${target.id} was not found.${says} Check accountId or CYCLR_ACCOUNT_ID: it is the account's API ID, shown in the Cyclr Console under Accounts > Account Management > Settings.`;
        }
        return `Cyclr found nothing at ${request.method} ${request.path}${account}.${says}`;
      case 400:
        return `Cyclr rejected ${request.method} ${request.path}${account} (400).${says} Correct the arguments and try again.`;
      case 403:
        return `Cyclr refused ${request.method} ${request.path}${account} (403).${says} The credentials may not have access to this account.`;
      case 409:
        return `Cyclr reported a conflict on ${request.method} ${request.path}${account} (409).${says} Wait a moment and try again.`;
      case 429:
        return `Cyclr is limiting the request rate (429).${says} Wait a minute and try again.`;
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
