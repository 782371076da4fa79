/**
 * The credential pages' HTML: self-contained (no external resources, no script), every value from
 * Cyclr, the store or a sign-in escaped; and the headers every page is sent with (`sendPage`: the
 * CSP allows this page's style nonce and nothing else). Every page of a link says, above its form,
 * whose account the details go to (`partiesBlock`).
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { CredentialField } from "../setup/credential-request.js";

/**
 * Sends a page made for a fresh style nonce, with the headers that keep it from being framed,
 * cached, sniffed or leaking its URL. Its form posts to this server only; `formRedirects`: the
 * origins that post may be redirected to (browsers hold a form's redirects to form-action too).
 */
export function sendPage(res: ServerResponse, status: number, page: (nonce: string) => string, headers: Record<string, string> = {}, formRedirects: readonly string[] = []): void {
  const nonce = randomBytes(16).toString("base64");
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    pragma: "no-cache",
    "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${["'self'", ...formRedirects].join(" ")}; frame-ancestors 'none'; base-uri 'none'`,
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
  .parties { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0 0 1rem; padding: .8rem; background: #f4f5f7; border-radius: 4px; }
  .parties dt { color: #4a5468; }
  .parties dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
  .parties .id { font-family: ui-monospace, monospace; font-weight: 400; }
  .notice { background: #fff6dd; border: 1px solid #d9b44a; padding: .6rem; border-radius: 4px; }
  footer { font-size: .8rem; color: #5a6478; margin-top: 1.5rem; }
`;

/** A person as a page names them. */
export interface PersonShown {
  subject: string;
  name?: string | undefined;
  email?: string | undefined;
}

/** Whose account a page's details go to, and who asked for them, as the page says it. */
export interface PageParties {
  connectorName: string;
  accountId: string;
  /** Cyclr's name of the account; without it the page shows the id. */
  accountName?: string | undefined;
  /** Whose service the account belongs to (CYCLR_PARTNER_NAME, or the service domain's host). */
  partner?: string | undefined;
  /** Who made the link, where the server knows them (hosted, a JWT access token). */
  requester?: PersonShown | undefined;
  /** The person signed in on this page, who is the one who made the link. */
  signedIn?: PersonShown | undefined;
  /** Made for another person: the page says plainly who sent it. */
  forSomeoneElse?: boolean | undefined;
}

/** "Ana Lima (ana@example.com)", or what there is of it; the subject when the token names no one. */
export function personText(person: PersonShown): string {
  if (person.name && person.email && person.name !== person.email) return `${person.name} (${person.email})`;
  return person.name ?? person.email ?? person.subject;
}

function accountHtml(parties: PageParties): string {
  return parties.accountName ? escapeHtml(parties.accountName) : `<span class="id">${escapeHtml(parties.accountId)}</span> (its id: Cyclr gives no name)`;
}

/**
 * Whose account the details go to: the connector, the Cyclr account, the partner, and who asked;
 * for a link sent by someone else, a plain sentence saying who sent it, for which account.
 */
export function partiesBlock(parties: PageParties, options: { notice: boolean } = { notice: true }): string {
  const rows = [
    ["Connector", escapeHtml(parties.connectorName)],
    ["Cyclr account", accountHtml(parties)],
    ...(parties.partner ? [["Partner", escapeHtml(parties.partner)]] : []),
  ];
  const asker = parties.signedIn ?? parties.requester;
  if (asker) {
    const who = escapeHtml(personText(asker));
    if (parties.forSomeoneElse) rows.push(["Sent by", who]);
    else rows.push(["Asked for by", parties.signedIn ? `${who}: you, signed in` : who]);
  }
  const list = `<dl class="parties" id="parties">\n${rows.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join("\n")}\n</dl>`;
  if (!parties.forSomeoneElse || !options.notice) return list;
  const sender = parties.requester ? `<strong>${escapeHtml(personText(parties.requester))}</strong>` : "someone using this service";
  const partner = parties.partner ? ` of ${escapeHtml(parties.partner)}` : "";
  return (
    `<p class="notice" id="sent-by" role="note">This link was sent to you by ${sender} for the Cyclr account <strong>${accountHtml(parties)}</strong>${partner}. ` +
    "What you enter here goes to that account. If you did not expect this link, close this page.</p>\n" +
    list
  );
}

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
  parties: PageParties;
  fields: readonly CredentialField[];
  csrfToken: string;
  action: string;
  expiresAt: Date;
  error?: string;
}): string {
  const connectorName = options.parties.connectorName;
  const name = escapeHtml(connectorName);
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
    `Connect ${connectorName}`,
    options.nonce,
    `<h1>Connect ${name}</h1>
${partiesBlock(options.parties)}
<p>Enter the details below. They go from this page to this Cyclr account and are not shown to the assistant.</p>
${error}
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrfToken)}">
${inputs}
<button type="submit">Connect ${name}</button>
</form>
<footer>This page works once and until ${escapeHtml(options.expiresAt.toISOString().replace("T", " ").slice(0, 16))} UTC.</footer>`,
  );
}

export function successPage(nonce: string, parties: PageParties): string {
  const name = escapeHtml(parties.connectorName);
  return layout(
    `${parties.connectorName} connected`,
    nonce,
    `<h1 class="ok">${name} is connected</h1>\n${partiesBlock(parties, { notice: false })}\n<p>You can close this page and return to the conversation.</p>`,
  );
}

/**
 * The page before an OAuth sign-in: whose account the connector goes to, then a button that takes
 * the person to the sign-in (this server asks Cyclr for the link only then).
 */
export function signInStartPage(options: { nonce: string; parties: PageParties; serviceHost: string; csrfToken: string; action: string; expiresAt: Date; error?: string }): string {
  const connectorName = options.parties.connectorName;
  const name = escapeHtml(connectorName);
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : "";
  return layout(
    `Connect ${connectorName}`,
    options.nonce,
    `<h1>Connect ${name}</h1>
${partiesBlock(options.parties)}
<p>Next you sign in to ${name} (through ${escapeHtml(options.serviceHost)}), and ${name} gives this Cyclr account access. Nothing you type there is shown to the assistant.</p>
${error}
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrfToken)}">
<button type="submit">Sign in to ${name}</button>
</form>
<footer>This page works once and until ${escapeHtml(options.expiresAt.toISOString().replace("T", " ").slice(0, 16))} UTC.</footer>`,
  );
}

/**
 * A link whose maker is not the person signed in: nothing of the form, and nothing of whose
 * account it is (the link may have been sent to them to fill in someone else's account).
 */
export function otherPersonPage(nonce: string, signedIn: PersonShown, connectorName: string, again: string): string {
  return layout(
    "This link is for someone else",
    nonce,
    `<h1>This link is for someone else</h1>
<p>You are signed in as <strong>${escapeHtml(personText(signedIn))}</strong>. This link to connect ${escapeHtml(connectorName)} was made by another person, for themselves: only they can use it, and nothing was sent to Cyclr.</p>
<p>If someone sent it to you, do not enter anything: ask the assistant in your own conversation for a link of your own. If you made it, <a href="${escapeHtml(again)}">sign in as yourself</a>.</p>`,
  );
}

/**
 * Where the person lands when an OAuth sign-in ends (create_oauth_link's default targetOrigin). The
 * name comes from the link's query, so anyone can put any text there: escaped, and only ever shown
 * as the name of a connector (no claim this page checked anything).
 */
export function connectedPage(nonce: string, connectorName: string | undefined, denied: boolean, parties?: PageParties): string {
  // With the landing's nonce, the names come from the store, not from the URL.
  const given = parties?.connectorName ?? connectorName;
  const shown = given?.trim() ? given.trim().slice(0, 100) : "The application";
  const name = escapeHtml(shown);
  const whose = parties ? `${partiesBlock(parties, { notice: false })}\n` : "";
  if (denied) {
    return layout(`${shown} not connected`, nonce, `<h1>${name} was not connected</h1>\n${whose}<p>Access was not granted. You can close this tab and return to the conversation.</p>`);
  }
  return layout(`${shown} connected`, nonce, `<h1 class="ok">${name} is connected</h1>\n${whose}<p>You can close this tab and return to the conversation.</p>`);
}

/** One page for unknown, used and expired links alike: it tells nothing about which. */
export function notFoundPage(nonce: string): string {
  return layout(
    "Link not valid",
    nonce,
    "<h1>This link is not valid</h1>\n<p>It may have been used already or have expired. Ask the assistant for a new link.</p>",
  );
}

/** A page that only says something, with a link to go on from where there is one. */
export function messagePage(nonce: string, title: string, message: string, next?: { href: string; text: string }): string {
  const link = next ? ` <a href="${escapeHtml(next.href)}">${escapeHtml(next.text)}</a>` : "";
  return layout(title, nonce, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}${link}</p>`);
}
