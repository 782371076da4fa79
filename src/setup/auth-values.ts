/**
 * The browser link that takes a person through a connector's OAuth flow (api-notes §7):
 * https://{service domain}/connectorauth/updateaccountconnectoroauth?id=..&token=..&targetOrigin=..[&callbackMessage=..]
 * Every value is URL-encoded: sign-in tokens are base64 and contain + / =.
 */
export interface OAuthLinkParts {
  /** Service domain as an origin, e.g. https://acme-h.cyclr.com */
  serviceDomain: string;
  accountConnectorId: number;
  signInToken: string;
  targetOrigin: string;
  callbackMessage?: string;
}

export function buildOAuthLink(parts: OAuthLinkParts): string {
  const url = new URL("/connectorauth/updateaccountconnectoroauth", parts.serviceDomain);
  const query = [
    ["id", String(parts.accountConnectorId)],
    ["token", parts.signInToken],
    ["targetOrigin", parts.targetOrigin],
    ...(parts.callbackMessage ? [["callbackMessage", parts.callbackMessage]] : []),
  ]
    // encodeURIComponent rather than URLSearchParams: the latter writes spaces as "+", which a
    // server decoding with plain percent-decoding would take literally.
    .map(([key, value]) => `${key}=${encodeURIComponent(value ?? "")}`)
    .join("&");
  return `${url.origin}${url.pathname}?${query}`;
}

/** HTTP Basic credentials as Cyclr stores them: base64 of "username:password", no "Basic " prefix. */
export function basicAuthValue(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, "utf8").toString("base64");
}
