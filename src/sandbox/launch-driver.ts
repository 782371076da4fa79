/**
 * The person at the sandbox's LAUNCH page, over plain HTTP (the demo, and tests where a browser adds
 * nothing): opens the link, picks the integration by name when several are offered, signs in to each
 * connector, answers the values by their label (a choice by its shown name), and installs.
 */
export interface LaunchOutcome {
  status: number;
  /** The last page's message. */
  outcome: string;
  /** LAUNCH's result object, when it got that far. */
  result?: { accountId: string; cycleId: string; templateId: string; status: string; errors: string[] };
  /** The labels of the values the page asked for. */
  asked: string[];
}

function decode(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function attribute(tag: string, name: string): string | undefined {
  const found = new RegExp(`\\s${name}="([^"]*)"`, "i").exec(tag)?.[1];
  return found === undefined ? undefined : decode(found);
}

function hiddenFields(form: string): URLSearchParams {
  const fields = new URLSearchParams();
  for (const input of form.match(/<input type="hidden"[^>]*>/gi) ?? []) {
    const name = attribute(input, "name");
    if (name) fields.set(name, attribute(input, "value") ?? "");
  }
  return fields;
}

async function ended(response: Response, asked: string[]): Promise<LaunchOutcome> {
  const html = await response.text();
  const outcome = decode(/<p(?: id="outcome")?>([^<]*)<\/p>/.exec(html)?.[1] ?? "");
  const result = /<pre id="result">([^<]*)<\/pre>/.exec(html)?.[1];
  return { status: response.status, outcome, asked, ...(result !== undefined && { result: JSON.parse(decode(result)) as LaunchOutcome["result"] & object }) };
}

export async function finishLaunch(url: string, person: { integration?: string; values?: Record<string, string> } = {}): Promise<LaunchOutcome> {
  const opened = await fetch(url);
  let html = await opened.text();
  if (opened.status !== 200) return { status: opened.status, outcome: "", asked: [] };
  const origin = new URL(url).origin;
  if (html.includes('action="/launch/setup"')) {
    const forms = html.match(/<form method="post" action="\/launch\/setup">[\s\S]*?<\/form>/g) ?? [];
    const chosen = forms.find((form) => person.integration !== undefined && decode(/<button[^>]*>([^<]*)<\/button>/.exec(form)?.[1] ?? "") === person.integration);
    if (!chosen) throw new Error(`the LAUNCH page offered ${forms.map((f) => /<button[^>]*>([^<]*)</.exec(f)?.[1]).join(", ")}, not ${person.integration ?? "(none chosen)"}`);
    const setup = await fetch(new URL("/launch/setup", origin), { method: "POST", body: hiddenFields(chosen) });
    html = await setup.text();
    if (setup.status !== 200) return { status: setup.status, outcome: "", asked: [] };
  }
  const form = /<form method="post" action="\/launch\/install">[\s\S]*?<\/form>/.exec(html)?.[0];
  if (!form) return ended(new Response(html, { status: 200 }), []);
  const body = hiddenFields(form);
  for (const box of form.match(/<input type="checkbox"[^>]*>/g) ?? []) body.set(attribute(box, "name") ?? "", "on");
  const asked: string[] = [];
  for (const [, id, label] of form.matchAll(/<label for="([^"]+)">([^<]*)<\/label>/g)) {
    const name = decode(label ?? "").replace(/ \(optional\)$/, "");
    asked.push(name);
    const given = person.values?.[name];
    if (given === undefined) continue;
    const select = new RegExp(`<select id="${id}"[^>]*>([\\s\\S]*?)</select>`).exec(form)?.[1];
    const option = select ? [...select.matchAll(/<option value="([^"]*)">([^<]*)<\/option>/g)].find((o) => decode(o[2] ?? "") === given) : undefined;
    if (select && !option) throw new Error(`${name} offers no choice named ${given}`);
    body.set(decode(id ?? ""), option ? decode(option[1] ?? "") : given);
  }
  return ended(await fetch(new URL("/launch/install", origin), { method: "POST", body }), asked);
}
