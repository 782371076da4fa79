/**
 * A tiny stand-in for the person's browser, used by the demo and the tests: open the OAuth link,
 * read the consent form, press Approve or Deny; or fill in a credential page. Redirects are reported,
 * not followed.
 */
export interface ConsentOutcome {
  status: number;
  location?: string;
  body: string;
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`, "i").exec(tag)?.[1]?.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export async function approveOAuthLink(linkUrl: string, decision: "approve" | "deny"): Promise<ConsentOutcome> {
  const outcome = async (response: Response): Promise<ConsentOutcome> => {
    const location = response.headers.get("location");
    return { status: response.status, ...(location !== null && { location }), body: await response.text() };
  };
  const opened = await fetch(linkUrl, { redirect: "manual" });
  if (opened.status !== 200) return outcome(opened);
  const page = await opened.text();
  const form = /<form[^>]*>/i.exec(page)?.[0];
  if (!form) return { status: opened.status, body: page };
  const action = new URL(attribute(form, "action") ?? "", linkUrl);
  const fields = new URLSearchParams();
  for (const input of page.match(/<input[^>]*type="hidden"[^>]*>/gi) ?? []) {
    const name = attribute(input, "name");
    if (name) fields.set(name, attribute(input, "value") ?? "");
  }
  fields.set("decision", decision);
  return outcome(await fetch(action, { method: "POST", body: fields, redirect: "manual" }));
}

/**
 * The person at a credential page: reads the form, fills the named fields and sends it as a browser
 * does from that page: under its Referrer-Policy no-referrer, with "Origin: null".
 */
export async function fillCredentialPage(url: string, values: Record<string, string>): Promise<{ status: number; html: string; asked: string[] }> {
  const page = await fetch(url);
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, html, asked: [] };
  const asked = [...html.matchAll(/<input id="f\d+"[^>]*>/g)].map((m) => attribute(m[0], "name") ?? "");
  const body = new URLSearchParams({ csrf: attribute(/<input type="hidden" name="csrf"[^>]*>/.exec(html)?.[0] ?? "", "value") ?? "" });
  for (const field of asked) {
    const value = values[field];
    if (value === undefined) throw new Error(`the credential page asked for ${field}, which was not given`);
    body.set(field, value);
  }
  const sent = await fetch(url, { method: "POST", body, headers: { origin: "null", "sec-fetch-site": "same-origin" }, redirect: "manual" });
  return { status: sent.status, html: await sent.text(), asked };
}
