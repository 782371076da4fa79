/** Each error is worded with what happened and what to do next. */
import { describe, expect, it } from "vitest";
import {
  CyclrAuthError,
  CyclrHttpError,
  CyclrNetworkError,
  CyclrResponseError,
  CyclrResponseTooLargeError,
  CyclrTimeoutError,
  type CyclrRequestInfo,
} from "../../src/cyclr/errors.js";
import { AmbiguousInstallError, describeError, ToolInputError } from "../../src/mcp/errors.js";

const get = (target?: CyclrRequestInfo["target"]): CyclrRequestInfo => ({ method: "GET", path: "/v1.0/x", accountId: "acct-1", ...(target && { target }) });
const post: CyclrRequestInfo = { method: "POST", path: "/v1.0/connectors/5/install", accountId: "acct-1", target: { kind: "connector", id: "5" } };

describe("describeError", () => {
  it.each([
    [new CyclrHttpError(404, "nope", get({ kind: "connector", id: "5" })), /Connector 5 was not found in account acct-1\. Cyclr says: "nope"\. Call list_connectors/],
    [new CyclrHttpError(404, undefined, get({ kind: "account connector", id: "9" })), /Account connector 9 was not found in account acct-1\..*install_connector/],
    [new CyclrHttpError(404, undefined, { method: "POST", path: "/v1.0/accounts/zz/signintoken", target: { kind: "account", id: "zz" } }), /Account zz was not found\..*CYCLR_ACCOUNT_ID/],
    [new CyclrHttpError(400, "ID already in use", post), /rejected POST .*\(400\)\. Cyclr says: "ID already in use"\. Correct the arguments/],
    [new CyclrHttpError(409, "cycle running", get()), /conflict.*\(409\).*Wait a moment and try again/],
    [new CyclrHttpError(429, undefined, get()), /limiting the request rate \(429\).*Wait a minute/],
    [new CyclrHttpError(502, undefined, post), /Cyclr failed on POST .*\(502\).*Cyclr's side.*avoid doing it twice/],
    [new CyclrAuthError("Cyclr refused the request GET /v1.0/x (401)", get(), 401), /CYCLR_CLIENT_ID\/CYCLR_CLIENT_SECRET or CYCLR_ACCESS_TOKEN.*acct-1/],
    [new CyclrAuthError("Cyclr's token endpoint refused the client credentials (400, invalid_client)", { method: "POST", path: "/oauth/token", target: { kind: "access token" } }, 400), /Check CYCLR_CLIENT_ID and CYCLR_CLIENT_SECRET/],
    [new CyclrTimeoutError(300, post), /within 300 ms \(CYCLR_TIMEOUT_MS\).*may or may not have been made/],
    [new CyclrNetworkError("Could not reach Cyclr at https://api.cyclr.com (ECONNREFUSED)", get()), /ECONNREFUSED\)\. Check CYCLR_API_URL/],
    [new CyclrResponseError("Cyclr answered GET /v1.0/x with a body that is not JSON", get()), /not JSON\. Check that CYCLR_API_URL is the Cyclr API domain/],
    [
      new CyclrResponseTooLargeError(1000, undefined, { method: "GET", path: "/v1.0/connectors", target: { kind: "catalog" } }),
      /answer to GET \/v1\.0\/connectors is larger than the limit of 1000 bytes.*a catalog page.*Trying again will not help: ask .* to raise CYCLR_MAX_RESPONSE_BYTES/,
    ],
    [new CyclrResponseTooLargeError(1000, 5000, post), /\(it declared 5000 bytes\).*CYCLR_MAX_RESPONSE_BYTES.*The change may have been made/],
    [new ToolInputError("accountId is missing"), /^accountId is missing$/],
    [new CyclrHttpError(404, "Template not found.", get({ kind: "template", id: "t-1" })), /^Template t-1 was not found in account acct-1\. Cyclr says: "Template not found\."\. Call list_templates/],
    [new CyclrHttpError(404, undefined, get({ kind: "cycle", id: "c-1" })), /^Cycle c-1 was not found in account acct-1\..*install_template returned.*list_templates with accountId/],
    [new CyclrHttpError(404, undefined, get({ kind: "parameter", id: "16001", stepId: "s-1" })), /^The parameter 16001 of step s-1 was not found in account acct-1\..*get_cycle lists the values to set/],
    // A change to a running cycle: the way on is to pause it, not to wait.
    [new CyclrHttpError(409, "The cycle is running.", { method: "PUT", path: "/v1.0/steps/s-1/parameters/7", accountId: "acct-1", target: { kind: "parameter", id: "7", stepId: "s-1" } }), /^The cycle is running.*\(409\)\. Cyclr says: "The cycle is running\."\. Pause it first with pause_cycle.*again with activate_cycle\. Nothing was changed\.$/],
    [new CyclrTimeoutError(300, { method: "PUT", path: "/v1.0/cycles/c-1/activate", target: { kind: "cycle", id: "c-1" } }), /may or may not have been made, so check its result \(get_cycle\)/],
  ])("%s", (error, expected) => {
    expect(describeError(error)).toMatch(expected);
  });

  it("leaves unexpected errors to the caller", () => {
    expect(describeError(new TypeError("x is undefined"))).toBeUndefined();
  });
});

describe("an install whose answer was lost", () => {
  const install = { accountId: "acct-1", connectorId: 5, name: "Pipedrive" };

  it("is safe to retry only when Cyclr answered and nothing appeared", () => {
    const text = describeError(new AmbiguousInstallError("not_installed", install, new CyclrHttpError(500, undefined, post)));
    expect(text).toMatch(/Cyclr answered, so the request is over.*not installed; safe to retry install_connector\./);
  });

  it("after a timeout, says it may still be running and how to pick it up, never 'safe to retry'", () => {
    const text = describeError(new AmbiguousInstallError("may_still_run", install, new CyclrTimeoutError(5000, post), { lookedForMs: 5_200 }));
    expect(text).toMatch(/within 5000 ms\)\. The account's connectors were watched for 5 s afterwards and it has not appeared yet, but the install may still be running at Cyclr/);
    expect(text).toMatch(/Call install_connector again later with the same connector and name: it first looks for this install/);
    expect(text).toMatch(/list_account_connectors and look for one named "Pipedrive"/);
    expect(text).not.toMatch(/safe to retry/);
  });

  it("when the check failed too, says it is unknown and how to find out", () => {
    const text = describeError(
      new AmbiguousInstallError("unknown", install, new CyclrNetworkError("The connection closed", post), { checkFailure: new CyclrHttpError(502, undefined, get()) }),
    );
    expect(text).toMatch(/failed too \(Cyclr answered 502.*unknown whether it was installed\. Call install_connector again later/);
    expect(text).not.toMatch(/safe to retry/);
  });
});
