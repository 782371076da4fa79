/**
 * The sandbox's routes, following api-notes: partner token, account-level routes behind
 * X-Cyclr-Account, bare arrays paged with page/pageSize, {"Message"} errors, 200 on create.
 * Behaviour the notes leave unknown is marked "inferred".
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { ConnectorFixture } from "./fixtures.js";
import { cycleRoutes } from "./cycle-routes.js";
import { callbackPage, consentPage, forbiddenPage } from "./pages.js";
import { BadBody, html, isObject, json, message, paged, parseJson, redirect, type ApiOptions, type SandboxRequest, type SandboxResponse } from "./answers.js";
import type { SandboxLaunch } from "./launch.js";
import type { AccountConnectorRecord, AccountRecord, SandboxState } from "./state.js";

export type { ApiOptions, SandboxRequest, SandboxResponse } from "./answers.js";

const DENIED = "Authorization has been denied for this request.";

/** One request to the sandbox: its state, its settings, and Cyclr's own pages for the person (LAUNCH, the Marketplace). */
export function handle(state: SandboxState, options: ApiOptions, req: SandboxRequest, launch: SandboxLaunch): SandboxResponse {
  try {
    if (req.path === "/oauth/token") return req.method === "POST" ? token(state, options, req) : notFound(req);
    if (req.path === "/connectorauth/updateaccountconnectoroauth" && req.method === "GET") return startConsent(state, req);
    if (req.path === "/connectorauth/consent" && req.method === "POST") return finishConsent(state, req);
    // Cyclr's own pages for the person (launch.ts): the one-time link, then the LAUNCH page's forms.
    if (req.path === "/account/signinwithtoken" && req.method === "GET") return launch.open(req);
    if (req.path.startsWith("/launch/") && req.method === "POST") return launch.submit(req);
    if (req.path.startsWith("/v1.0/")) return v1(state, options, req, launch);
    return notFound(req);
  } catch (error) {
    if (error instanceof BadBody) return message(400, error.message);
    return message(500, "An error has occurred.");
  }
}

function notFound(req: SandboxRequest): SandboxResponse {
  return message(404, `No HTTP resource was found that matches the request URI '${req.path}'.`);
}

function token(state: SandboxState, options: ApiOptions, req: SandboxRequest): SandboxResponse {
  if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return json(400, { error: "invalid_request" });
  const form = new URLSearchParams(req.body);
  if (form.get("grant_type") !== "client_credentials") return json(400, { error: "unsupported_grant_type" });
  if (form.get("client_id") !== options.clientId || form.get("client_secret") !== options.clientSecret) {
    return json(400, { error: "invalid_client" });
  }
  const scope = form.get("scope");
  const accountId = scope?.startsWith("account:") ? scope.slice("account:".length) : undefined;
  if (accountId !== undefined && !state.accounts.has(accountId)) return json(400, { error: "invalid_scope" });
  const accessToken = state.issueAccessToken(options.tokenLifetimeSeconds * 1000, accountId);
  return json(200, { token_type: "bearer", access_token: accessToken, expires_in: options.tokenLifetimeSeconds, clientId: options.clientId });
}

function v1(state: SandboxState, options: ApiOptions, req: SandboxRequest, launch: SandboxLaunch): SandboxResponse {
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const access = bearer ? state.accessToken(bearer) : undefined;
  if (!access) return message(401, DENIED);
  const segments = req.path.split("/").slice(2); // after "/v1.0"
  // The cycles' runs that fell due are made before anything is read or changed (cycle-runs.ts).
  state.runs.advance();

  // Partner level: no X-Cyclr-Account needed.
  if (segments[0] === "accounts") {
    const [, accountId, action] = segments;
    if (accountId === undefined) {
      // Inferred: a token restricted to one account sees that account only, and cannot create others.
      if (req.method === "GET") return paged([...state.accounts.values()].filter((a) => access.accountId === undefined || a.id === access.accountId), req.query, options, renderAccount);
      if (req.method === "POST") return access.accountId === undefined ? createAccount(state, req) : message(401, DENIED);
      return notFound(req);
    }
    const account = state.accounts.get(accountId);
    if (access.accountId !== undefined && access.accountId !== accountId) return message(401, DENIED);
    // These two create the account when it does not exist.
    if ((action === "launch" || action === "marketplace") && req.method === "POST") {
      return launch.createLink(action, accountId, access.accountId, req, `http://${req.headers.host ?? "127.0.0.1"}`);
    }
    if (!account) return message(404, `Account '${accountId}' not found.`);
    if (action === undefined && req.method === "GET") return json(200, renderAccount(account));
    if (action === "signintoken" && req.method === "POST") {
      const body = parseJson(req);
      const username = isObject(body) && typeof body.Username === "string" ? body.Username.trim() : "";
      if (!username) return message(400, "Username is required.");
      const signIn = state.issueSignInToken(accountId, username);
      return json(200, { Token: signIn.token, ExpiresAtUtc: new Date(signIn.expiresAt).toISOString().replace("Z", "0000Z") });
    }
    return notFound(req);
  }

  // Account level: X-Cyclr-Account names an existing account the token may use.
  const accountId = req.headers["x-cyclr-account"]?.trim();
  if (!accountId) return message(401, DENIED);
  if (access.accountId !== undefined && access.accountId !== accountId) return message(401, DENIED);
  if (!state.accounts.has(accountId)) return message(404, `Account '${accountId}' not found.`);

  if (segments[0] === "connectors") return connectors(state, options, req, accountId, segments.slice(1));
  if (segments[0] === "account" && segments[1] === "connectors") return accountConnectors(state, options, req, accountId, segments.slice(2));
  const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
  return cycleRoutes({ cycles: state.cycles, runs: state.runs, oddTemplates: state.oddTemplates, options, req, accountId, origin }, segments) ?? notFound(req);
}

/** The account JSON of Cyclr's tests (api-notes addendum). */
function renderAccount(account: AccountRecord) {
  return { Id: account.id, Name: account.name, Description: account.description, Timezone: account.timezone, CreatedDate: account.createdDate, NextBillDateUtc: null };
}

/** POST /v1.0/accounts as Cyclr's tests show it: Name required, Id optional and unique ("ID already in use"), 200 with the account. */
function createAccount(state: SandboxState, req: SandboxRequest): SandboxResponse {
  const body = parseJson(req);
  if (!isObject(body)) return message(400, "The request is invalid.");
  const name = typeof body.Name === "string" ? body.Name.trim() : "";
  if (!name) return message(400, "Name is required.");
  const id = typeof body.Id === "string" && body.Id.trim() ? body.Id.trim() : randomUUID();
  if (state.accounts.has(id)) return message(400, "ID already in use");
  const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : null);
  return json(200, renderAccount(state.addAccount({ id, name, description: text(body.Description), timezone: text(body.Timezone) })));
}

function connectors(state: SandboxState, options: ApiOptions, req: SandboxRequest, accountId: string, rest: string[]): SandboxResponse {
  const [idOrName, action] = rest;
  if (idOrName === undefined) {
    if (req.method !== "GET") return notFound(req);
    let list: unknown[] = state.connectors;
    const { query, category } = req.query;
    // Inferred, strictest: custom connectors only when asked for (Cyclr's default is unknown).
    let fixtures = req.query.includeCustomConnectors === "true" ? state.connectors : state.connectors.filter((c) => !state.isCustom(c));
    if (query) fixtures = fixtures.filter((c) => c.Name.toLowerCase().includes(query.toLowerCase()));
    if (category) fixtures = fixtures.filter((c) => c.Categories.includes(category));
    if (req.query.orderBy) {
      const key = req.query.orderBy === "Id" ? "Id" : "Name";
      const direction = req.query.sortOrderAsc === "false" ? -1 : 1;
      fixtures = [...fixtures].sort((a, b) => (a[key] < b[key] ? -direction : a[key] > b[key] ? direction : 0));
    }
    list = query || category ? fixtures : [...fixtures, ...state.oddCatalogItems];
    return paged(list, req.query, options, (c) => c);
  }
  const byId = /^\d+$/.test(idOrName) ? state.connectorsById.get(Number(idOrName)) : undefined;
  const byName = state.connectors.filter((c) => c.Name.toLowerCase() === idOrName.toLowerCase());
  if (action === undefined && req.method === "GET") {
    if (/^\d+$/.test(idOrName)) return byId ? json(200, byId) : message(404, `Connector '${idOrName}' not found.`);
    return json(200, byName);
  }
  if (action === "install" && req.method === "POST") {
    const connector = byId ?? byName[0];
    if (!connector) return message(404, `Connector '${idOrName}' not found.`);
    return install(state, req, accountId, connector);
  }
  return notFound(req);
}

function install(state: SandboxState, req: SandboxRequest, accountId: string, connector: ConnectorFixture): SandboxResponse {
  const body = parseJson(req);
  // Faithful to a noted Cyclr bug: a null or empty install body is a 500.
  if (!isObject(body)) return message(500, "An error has occurred.");
  if (connector.Status === "Draft") return message(400, `Connector ${connector.Id} is a draft and cannot be installed.`);
  const authenticationId = typeof body.AuthenticationId === "string" && body.AuthenticationId ? body.AuthenticationId : null;
  if (authenticationId && !connector.Authentication?.some((a) => a.Id === authenticationId)) {
    return message(400, `Authentication '${authenticationId}' is not valid for connector ${connector.Id}.`); // inferred
  }
  const properties: { Name: string; Value: string }[] = [];
  for (const item of Array.isArray(body.Properties) ? body.Properties : []) {
    if (!isObject(item)) continue;
    const name = String(item.Name ?? "");
    const parameter = connector.Parameters.find((p) => p.TargetName === name);
    if (!parameter) return message(400, `There is not a connector property that matches name '${name}'.`);
    if (!parameter.IsAccountConnectorProperty) return message(400, `Connector property name '${name}' is not an account connector property.`);
    properties.push({ Name: name, Value: item.Value === null || item.Value === undefined ? "" : String(item.Value) });
  }
  const name = typeof body.Name === "string" && body.Name ? body.Name : connector.Name; // inferred default
  // Names are unique in an account: the answer code written against the live API catches ([3P]); compared ignoring case (inferred, strictest).
  if (state.nameTaken(accountId, name)) return message(400, `Account connector name '${name}' is in use.`);
  const record = state.createAccountConnector(
    {
      AccountId: accountId,
      ConnectorId: connector.Id,
      Name: name,
      Description: typeof body.Description === "string" ? body.Description : null,
      AuthValue: typeof body.AuthValue === "string" && body.AuthValue ? body.AuthValue : null,
      AuthenticationId: authenticationId,
    },
    properties,
  );
  return json(200, state.render(record));
}

function accountConnectors(state: SandboxState, options: ApiOptions, req: SandboxRequest, accountId: string, rest: string[]): SandboxResponse {
  const [idText, action, propertyIdText] = rest;
  if (idText === undefined) {
    if (req.method !== "GET") return notFound(req);
    const mine: unknown[] = [...state.accountConnectors.values()].filter((r) => r.AccountId === accountId).map((r) => state.render(r));
    return paged([...mine, ...state.oddAccountConnectors], req.query, options, (r) => r);
  }
  const record = /^\d+$/.test(idText) ? state.accountConnector(accountId, Number(idText)) : undefined;
  if (!record) return message(404, `Account connector '${idText}' not found.`);

  if (action === undefined) {
    if (req.method === "GET") return json(200, state.render(record));
    if (req.method === "DELETE") {
      state.accountConnectors.delete(record.Id);
      return json(200, { Message: `Connector '${record.Name}' successfully deleted.` });
    }
    if (req.method === "PUT") return update(state, req, record);
    return notFound(req);
  }
  if (action === "deauthenticate" && req.method === "PUT") {
    record.AuthValue = null;
    return json(200, { Message: `Connector '${record.Name}' successfully de-authenticated.` });
  }
  if (action === "properties") {
    if (propertyIdText === undefined) {
      if (req.method === "GET") return json(200, record.Properties);
      if (req.method === "POST") {
        const body = parseJson(req);
        // One property per call, a single object (api-notes §5).
        if (!isObject(body)) return message(400, "The request body must be a single property object {Name, Value}.");
        const name = typeof body.Name === "string" ? body.Name.trim() : "";
        if (!name) return message(400, "Name is required.");
        const value = body.Value === null || body.Value === undefined ? "" : String(body.Value);
        // Accepts any name, as Cyclr's test with an arbitrary name shows. Inferred, strictest: a name it
        // already has is refused (untested at Cyclr); a change is a PUT of that property.
        if (record.Properties.some((p) => p.Name === name)) return message(400, `A property named '${name}' already exists on this account connector.`);
        return json(200, state.upsertProperty(record, { Name: name, Value: value }));
      }
      return notFound(req);
    }
    const property = record.Properties.find((p) => String(p.Id) === propertyIdText);
    if (!property) return message(404, `Property '${propertyIdText}' not found.`);
    if (req.method === "GET") return json(200, property);
    if (req.method === "DELETE") {
      record.Properties = record.Properties.filter((p) => p !== property);
      return json(200, { Message: "Property deleted." });
    }
    if (req.method === "PUT") {
      const body = parseJson(req);
      if (!isObject(body)) return message(400, "The request is invalid.");
      // Body {Name, Value, Id} as Cyclr's tests send it.
      if (typeof body.Name === "string" && body.Name.trim()) property.Name = body.Name.trim();
      if (body.Value !== undefined) property.Value = body.Value === null ? "" : String(body.Value);
      return json(200, property);
    }
  }
  return notFound(req);
}

function update(state: SandboxState, req: SandboxRequest, record: AccountConnectorRecord): SandboxResponse {
  const body = parseJson(req);
  if (!isObject(body)) return message(400, "The request is invalid.");
  // A partial update (api-notes §4).
  if (typeof body.Name === "string") record.Name = body.Name;
  if (typeof body.Description === "string" || body.Description === null) record.Description = body.Description as string | null;
  if (typeof body.AuthValue === "string" || body.AuthValue === null) record.AuthValue = (body.AuthValue as string | null) || null;
  return json(200, state.render(record));
}

function startConsent(state: SandboxState, req: SandboxRequest): SandboxResponse {
  const { id, token: signInToken, targetOrigin, callbackMessage } = req.query;
  if (!id || !signInToken || !targetOrigin) return html(403, forbiddenPage());
  const signIn = state.useSignInToken(signInToken);
  const record = signIn && /^\d+$/.test(id) ? state.accountConnector(signIn.accountId, Number(id)) : undefined;
  if (!signIn || !record) return html(403, forbiddenPage());
  const consentId = randomBytes(16).toString("hex");
  state.consents.set(consentId, {
    accountId: signIn.accountId,
    accountConnectorId: record.Id,
    targetOrigin,
    ...(callbackMessage !== undefined && callbackMessage !== "" && { callbackMessage }),
  });
  const connector = state.connectorsById.get(record.ConnectorId);
  return html(200, consentPage(connector?.Name ?? record.Name, signIn.accountId, consentId));
}

function finishConsent(state: SandboxState, req: SandboxRequest): SandboxResponse {
  const form = new URLSearchParams(req.body);
  const consentId = form.get("consent") ?? "";
  const consent = state.consents.get(consentId);
  if (!consent) return html(403, forbiddenPage());
  state.consents.delete(consentId);
  const approved = form.get("decision") === "approve";
  const record = state.accountConnector(consent.accountId, consent.accountConnectorId);
  if (approved && record) {
    const expires = new Date(Date.now() + 3600_000).toISOString();
    record.AuthValue = JSON.stringify({ AccessToken: randomBytes(24).toString("hex"), RefreshToken: randomBytes(24).toString("hex"), Expires: expires });
  }
  if (consent.callbackMessage !== undefined) {
    return html(200, callbackPage(approved ? consent.callbackMessage : `${consent.callbackMessage}:denied`, consent.targetOrigin));
  }
  const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(consent.targetOrigin) ? consent.targetOrigin : `https://${consent.targetOrigin}`;
  if (approved) return redirect(target);
  const url = new URL(target);
  url.searchParams.set("error", "access_denied");
  return redirect(url.href);
}
