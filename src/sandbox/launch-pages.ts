/** The sandbox's LAUNCH pages: pick an integration, set it up, done. No external resources; every text escaped. */
import type { LookupChoice } from "./template-fixtures.js";
import { escapeHtml, page, scriptJson } from "./pages.js";

/** A value the template leaves to the person, as the setup page asks for it. */
export interface SetupField {
  /** The form field's name. */
  key: string;
  /** A step's parameter or field mapping; or a connector's property, asked with its sign-in. */
  kind: "parameter" | "field" | "property";
  /** Where it is in the template: the step's and the value's position (a property: its connector's name and target). */
  step: number;
  index: number;
  property?: { connector: string; target: string };
  /** Typed as a password (a sensitive property). */
  secret?: boolean;
  label: string;
  description?: string;
  required: boolean;
  /** A lookup's choices, or the allowed values: a select instead of a text box. */
  choices?: LookupChoice[];
}

export function choicePage(session: string, templates: { id: string; name: string; description: string }[]): string {
  if (!templates.length) return page("LAUNCH", "<h1>Nothing to set up</h1><p>No integration is offered here (sandbox LAUNCH).</p>");
  const items = templates
    .map(
      (t) =>
        `<li><form method="post" action="/launch/setup"><input type="hidden" name="session" value="${escapeHtml(session)}">` +
        `<input type="hidden" name="template" value="${escapeHtml(t.id)}"><button type="submit">${escapeHtml(t.name)}</button> ${escapeHtml(t.description)}</form></li>`,
    )
    .join("");
  return page("LAUNCH: choose an integration", `<h1>Choose an integration</h1><p>Sandbox LAUNCH: the partner's integrations offered here.</p><ul>${items}</ul>`);
}

export function setupPage(session: string, template: { id: string; name: string; connectors: { name: string; connected: boolean }[]; fields: SetupField[] }, start: boolean): string {
  const connectors = template.connectors
    .map((c) =>
      c.connected
        ? `<p>${escapeHtml(c.name)}: already connected.</p>`
        : `<p><label><input type="checkbox" name="connect:${escapeHtml(c.name)}" required> Sign in to ${escapeHtml(c.name)} (this stands in for its sign-in screen)</label></p>`,
    )
    .join("");
  const fields = template.fields
    .map((f) => {
      const id = escapeHtml(f.key);
      const input = f.choices
        ? `<select id="${id}" name="${id}"${f.required ? " required" : ""}><option value=""></option>${f.choices.map((c) => `<option value="${escapeHtml(c.Value)}">${escapeHtml(c.Name)}</option>`).join("")}</select>`
        : `<input id="${id}" name="${id}"${f.secret ? ' type="password" autocomplete="off"' : ""}${f.required ? " required" : ""}>`;
      return `<p><label for="${id}">${escapeHtml(f.label)}${f.required ? "" : " (optional)"}</label><br>${input}${f.description ? `<br><small>${escapeHtml(f.description)}</small>` : ""}</p>`;
    })
    .join("");
  return page(
    `LAUNCH: ${template.name}`,
    `<h1>Set up ${escapeHtml(template.name)}</h1>
<form method="post" action="/launch/install">
<input type="hidden" name="session" value="${escapeHtml(session)}"><input type="hidden" name="template" value="${escapeHtml(template.id)}">
${connectors}${fields}
<button type="submit">${start ? "Install and start" : "Install"}</button>
</form>`,
  );
}

export function completePage(templateName: string, result: { accountId: string; cycleId: string; templateId: string; status: string; errors: string[] }): string {
  const said =
    result.status === "Active"
      ? `${escapeHtml(templateName)} is running. You can close this window and return to the conversation.`
      : `${escapeHtml(templateName)} is installed but not running${result.errors.length ? `: ${escapeHtml(result.errors.join("; "))}` : ""}.`;
  // As a partner's "Launch Complete HTML" may: the result object, posted to an opener window if there is one.
  const script = `var result = JSON.parse(${scriptJson(JSON.stringify(result))}); if (window.opener) window.opener.postMessage(JSON.stringify(result), "*");`;
  return page("LAUNCH complete", `<h1>Done</h1><p id="outcome">${said}</p><pre id="result">${escapeHtml(JSON.stringify(result))}</pre>`, script);
}

export function launchErrorPage(problem: string): string {
  return page("LAUNCH", `<h1>Not done</h1><p>${escapeHtml(problem)}</p>`);
}
