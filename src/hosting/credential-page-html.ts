/**
 * The credential pages' HTML: self-contained (no external resources, no script), every value from
 * Cyclr escaped; and the headers every page is sent with (`sendPage`: the CSP allows this page's
 * style nonce and nothing else).
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { CredentialField } from "../setup/credential-request.js";

/** Sends a page made for a fresh style nonce, with the headers that keep it from being framed, cached, sniffed or leaking its URL. */
export function sendPage(res: ServerResponse, status: number, page: (nonce: string) => string, headers: Record<string, string> = {}): void {
  const nonce = randomBytes(16).toString("base64");
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    pragma: "no-cache",
    "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    ...headers,
  });
  res.end(page(nonce));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2433; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.3rem; margin-top: 0; overflow-wrap: anywhere; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  .hint { font-size: .85rem; color: #5a6478; margin: .2rem 0; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 1px solid #b8bfcc; border-radius: 4px; }
  button { margin-top: 1.5rem; padding: .6rem 1.2rem; font: inherit; background: #1f5fd1; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  .error { background: #fdecec; border: 1px solid #e5a5a5; padding: .6rem; border-radius: 4px; }
  .ok { color: #176b2c; }
  footer { font-size: .8rem; color: #5a6478; margin-top: 1.5rem; }
`;

function layout(title: string, nonce: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body><main>
${body}
</main></body>
</html>`;
}

export function credentialFormPage(options: {
  nonce: string;
  connectorName: string;
  fields: readonly CredentialField[];
  csrfToken: string;
  action: string;
  expiresAt: Date;
  error?: string;
}): string {
  const name = escapeHtml(options.connectorName);
  const inputs = options.fields
    .map((field, i) => {
      const id = `f${i}`;
      const hint = field.description ? `<p class="hint" id="${id}-hint">${escapeHtml(field.description)}</p>` : "";
      return (
        `<label for="${id}">${escapeHtml(field.label)}</label>${hint}` +
        `<input id="${id}" name="${escapeHtml(field.field)}" type="${field.secret ? "password" : "text"}" required ` +
        `autocomplete="${field.secret ? "new-password" : "off"}" spellcheck="false"${field.description ? ` aria-describedby="${id}-hint"` : ""}>`
      );
    })
    .join("\n");
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : "";
  return layout(
    `Connect ${options.connectorName}`,
    options.nonce,
    `<h1>Connect ${name}</h1>
<p>Enter the details below. They go from this page to Cyclr and are not shown to the assistant.</p>
${error}
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrfToken)}">
${inputs}
<button type="submit">Connect ${name}</button>
</form>
<footer>This page works once and until ${escapeHtml(options.expiresAt.toISOString().replace("T", " ").slice(0, 16))} UTC.</footer>`,
  );
}

export function successPage(nonce: string, connectorName: string): string {
  const name = escapeHtml(connectorName);
  return layout(`${connectorName} connected`, nonce, `<h1 class="ok">${name} is connected</h1>\n<p>You can close this page and return to the conversation.</p>`);
}

/**
 * Where the person lands when an OAuth sign-in ends (create_oauth_link's default targetOrigin). The
 * name comes from the link's query, so anyone can put any text there: escaped, and only ever shown
 * as the name of a connector (no claim this page checked anything).
 */
export function connectedPage(nonce: string, connectorName: string | undefined, denied: boolean): string {
  const shown = connectorName?.trim() ? connectorName.trim().slice(0, 100) : "The application";
  const name = escapeHtml(shown);
  if (denied) {
    return layout(`${shown} not connected`, nonce, `<h1>${name} was not connected</h1>\n<p>Access was not granted. You can close this tab and return to the conversation.</p>`);
  }
  return layout(`${shown} connected`, nonce, `<h1 class="ok">${name} is connected</h1>\n<p>You can close this tab and return to the conversation.</p>`);
}

/** One page for unknown, used and expired links alike: it tells nothing about which. */
export function notFoundPage(nonce: string): string {
  return layout(
    "Link not valid",
    nonce,
    "<h1>This link is not valid</h1>\n<p>It may have been used already or have expired. Ask the assistant for a new link.</p>",
  );
}

export function messagePage(nonce: string, title: string, message: string): string {
  return layout(title, nonce, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
