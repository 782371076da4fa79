/**
 * A tiny stand-in for the person's browser, used by the demo and the tests: open the OAuth link,
 * read the consent form, press Approve or Deny. Redirects are reported, not followed.
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
