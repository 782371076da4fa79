/** The service domain's HTML pages: the consent page standing in for the third party, and errors. No external resources. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** JSON for inside a <script>: no way to close the tag or start a comment. */
export function scriptJson(value: string): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

export function page(title: string, body: string, script = ""): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}</style>
</head><body>${body}${script ? `<script>${script}</script>` : ""}</body></html>`;
}

export function consentPage(connectorName: string, accountId: string, consentId: string): string {
  const name = escapeHtml(connectorName);
  return page(
    `Authorize ${connectorName}`,
    `<h1>${name} (sandbox)</h1>
<p>The Cyclr account <strong>${escapeHtml(accountId)}</strong> wants access to your ${name} data.</p>
<p>This page stands in for ${name}'s own sign-in and consent screen.</p>
<form method="post" action="/connectorauth/consent">
<input type="hidden" name="consent" value="${escapeHtml(consentId)}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function forbiddenPage(): string {
  return page("403 - Forbidden", "<h1>403 – Forbidden: Access is denied.</h1><p>The link is invalid, expired or already used.</p>");
}

/** When the flow was opened with a callbackMessage: post it to the opener and close. */
export function callbackPage(callbackMessage: string, targetOrigin: string): string {
  return page(
    "Done",
    "<p>Done. You can close this window.</p>",
    `(window.opener || window.parent).postMessage(${scriptJson(callbackMessage)}, ${scriptJson(targetOrigin)}); window.close();`,
  );
}
