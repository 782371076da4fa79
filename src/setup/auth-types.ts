/**
 * The auth-type reference (api-notes §3, §6, §7; seeds/004): what each Cyclr AuthType needs and how
 * it is completed through the API. Data first; the markdown resource is rendered from it.
 */

/** console: documented AuthTypes that are finished in the Cyclr console, not through the API. */
export type AuthMethodKind = "apiKey" | "basic" | "oauthLink" | "clientCredentials" | "authFields" | "none" | "console" | "unknown";

export interface AuthTypeInfo {
  authType: string;
  label: string;
  requires: string;
  completedBy: string;
}

export const AUTH_TYPES: readonly AuthTypeInfo[] = [
  {
    authType: "ApiKey",
    label: "API key",
    requires: "The person's API key for the third-party application.",
    completedBy:
      "create_credential_link: the person types the key on a page of this server, never in the chat, and it goes to Cyclr as AuthValue (PUT /v1.0/account/connectors/{id}, the key as plain text); authenticate_connector only for a key the person already typed in the chat. Cyclr stores it and marks the connector authenticated.",
  },
  {
    authType: "Basic",
    label: "HTTP Basic",
    requires: "The person's username and password for the third-party API.",
    completedBy:
      'create_credential_link: the person types the username and password on a page of this server, never in the chat; the server sends AuthValue = base64("username:password") with no "Basic " prefix. authenticate_connector only for ones the person already typed in the chat.',
  },
  {
    authType: "OAuth2",
    label: "OAuth 2.0",
    requires: "A person who signs in to the third-party application in a browser (for AuthorisationCode and PasswordCredentials).",
    completedBy:
      "create_oauth_link: a sign-in token (POST /v1.0/accounts/{accountId}/signintoken) and the service-domain URL /connectorauth/updateaccountconnectoroauth, which the person opens.",
  },
  {
    authType: "OAuth1",
    label: "OAuth 1.0a",
    requires: "A person who signs in to the third-party application in a browser.",
    completedBy: "create_oauth_link, the same browser flow as OAuth 2.0 (inferred: no OAuth1-specific API is documented).",
  },
  {
    authType: "AuthFields",
    label: "Authentication fields",
    requires: "The fields the API injects into its requests; they are set as account connector properties, often sensitive.",
    completedBy: "set_connector_properties for the fields; once they are set the connector is ready (inferred: the fields are the credential).",
  },
  {
    authType: "Kerberos",
    label: "Kerberos",
    requires: "Kerberos credentials for the third-party service (documented AuthType; no API flow is documented).",
    completedBy: "The Cyclr console: Accounts > Account Management > the account > Connectors > Edit Connector (or Generate Setup Token there for the person).",
  },
  {
    authType: "NetSuiteOAuth1",
    label: "NetSuite OAuth 1.0 (token-based)",
    requires: "Tokens generated in NetSuite's own interface (NetSuite skips the OAuth handshake and forces HMAC-SHA256).",
    completedBy: "The Cyclr console: Accounts > Account Management > the account > Connectors > Edit Connector (or Generate Setup Token there for the person).",
  },
  {
    authType: "ClientCertificate",
    label: "Client certificate",
    requires: "A certificate the API accepts as authentication.",
    completedBy: "The Cyclr console: Accounts > Account Management > the account > Connectors > Edit Connector (or Generate Setup Token there for the person).",
  },
  {
    authType: "None",
    label: "No authentication",
    requires: "Nothing.",
    completedBy: "Nothing to do once the required properties are set.",
  },
];

export const OAUTH2_TYPES: readonly { oauth2Type: string; meaning: string; completedBy: string }[] = [
  {
    oauth2Type: "AuthorisationCode",
    meaning: "The person is redirected to the provider, signs in and approves the app.",
    completedBy: "create_oauth_link; the person opens the link and approves.",
  },
  {
    oauth2Type: "ClientCredentials",
    meaning: "Cyclr gets the access token from the provider without a person.",
    completedBy:
      'Per-account app credentials go in properties named exactly ClientId and ClientSecret (the connector\'s guide describes them, even when they are not declared as parameters): ClientId with set_connector_properties, ClientSecret through a credential link. install_connector sends AuthValue "{}" so Cyclr authenticates by itself on first use. Ready when Cyclr says Authenticated or both are set.',
  },
  {
    oauth2Type: "PasswordCredentials",
    meaning: "Cyclr gets the access token with a username and password.",
    completedBy:
      "Set the required properties (for example Domain, Username, Password) first, then create_oauth_link; the person is redirected straight back.",
  },
];

/** How an account connector with this AuthType/OAuth2Type is authenticated. */
export function authMethodKind(authType: string | undefined, oauth2Type: string | undefined): AuthMethodKind {
  switch (authType?.toLowerCase()) {
    case "apikey":
      return "apiKey";
    case "basic":
      return "basic";
    case "authfields":
      return "authFields";
    case "none":
      return "none";
    case "oauth1":
      return "oauthLink";
    // Documented AuthTypes with no API flow (community.cyclr.com custom-connector-authentication).
    case "kerberos":
    case "netsuiteoauth1":
    case "clientcertificate":
      return "console";
    case "oauth2":
      return oauth2Type?.toLowerCase() === "clientcredentials" ? "clientCredentials" : "oauthLink";
    default:
      return "unknown";
  }
}

export function authTypesMarkdown(): string {
  const rows = AUTH_TYPES.map((t) => `| ${t.authType} | ${t.label} | ${t.requires} | ${t.completedBy} |`);
  const oauthRows = OAUTH2_TYPES.map((t) => `| ${t.oauth2Type} | ${t.meaning} | ${t.completedBy} |`);
  return [
    "# Cyclr authentication types",
    "",
    "Each connector declares its methods in `Authentication[]` (one entry per method, each with an `Id` to pass as",
    "`authenticationId` to install_connector); older connectors carry only the top-level `AuthType`/`OAuth2Type`.",
    "Set the required account connector properties first, then authenticate. Never ask the person for a secret (an API key, a",
    "password, a sensitive property) in the chat: send them a credential link (create_credential_link), where they type it.",
    "",
    "| AuthType | Name | What the person provides | How it is completed through the API |",
    "|---|---|---|---|",
    ...rows,
    "",
    "## OAuth2Type (only for AuthType OAuth2)",
    "",
    "| OAuth2Type | Meaning | How it is completed |",
    "|---|---|---|",
    ...oauthRows,
    "",
    "## The OAuth link",
    "",
    "The link is `https://{service domain}/connectorauth/updateaccountconnectoroauth?id={accountConnectorId}&token={signInToken}&targetOrigin=...`,",
    "every value URL-encoded (sign-in tokens contain `+`, `/` and `=`). The sign-in token is single-use and lasts 5 minutes:",
    "create the link just before the person opens it. When the person finishes, Cyclr redirects to targetOrigin, or, with a",
    "callbackMessage, posts that message to the opener window. An existing AuthValue can also be updated with",
    "`PUT /v1.0/account/connectors/{id}` `{AuthValue}` (API key as plain text, Basic as base64 of `username:password`).",
    "",
    "## Refresh tokens",
    "",
    "Cyclr refreshes OAuth tokens itself, and only uses refresh tokens that are valid for at least 12 hours;",
    "shorter-lived ones are ignored, so such connectors need re-authenticating when the access token expires.",
    "",
    "## Bearer-token APIs",
    "",
    "When an API wants its API key as a bearer token, the connector's script prepends it, e.g.",
    "`method_request_headers.Authorization = 'Bearer ' + method_auth_value;` in `before_action()`.",
    "The person still supplies the plain API key.",
    "",
  ].join("\n");
}
