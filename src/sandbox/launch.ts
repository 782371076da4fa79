/**
 * Cyclr's own pages for the person, as the sandbox stands them in (../shared/cyclr/cycles.md,
 * LAUNCH): POST /v1.0/accounts/{id}/launch and /marketplace, which create the account when the id is
 * new and answer a one-time link (5 minutes, spent when first opened); and a small LAUNCH page
 * behind that link which installs the chosen template, signs in its connectors, sets the values it
 * leaves to the person and starts it, as Cyclr's LAUNCH does. Kept apart from the cycles (cycles.ts),
 * which it only calls. What the notes leave unknown is marked "inferred".
 */
import { randomBytes } from "node:crypto";
import { html, isObject, json, message, parseJson, type SandboxRequest, type SandboxResponse } from "./answers.js";
import { CycleError, type CycleRecord } from "./cycles.js";
import { choicePage, completePage, launchErrorPage, setupPage, type SetupField } from "./launch-pages.js";
import { forbiddenPage } from "./pages.js";
import { base64Token } from "./records.js";
import type { SandboxState } from "./state.js";
import type { TemplateSpec } from "./template-fixtures.js";

/** The sandbox's one Marketplace (the id of Cyclr's docs' example); it shows every template. */
export const SANDBOX_MARKETPLACE_ID = 27;
/** The link lasts 5 minutes (Cyclr's docs). */
export const LAUNCH_LINK_MS = 5 * 60_000;
/** Once opened, the page's own session (inferred: Cyclr signs the person in with a cookie). */
const PAGE_SESSION_MS = 30 * 60_000;
/** The schedule LAUNCH starts a cycle on when the template says nothing (inferred). */
const LAUNCH_INTERVAL = 15;

type Kind = "launch" | "marketplace";

interface LinkRecord {
  kind: Kind;
  accountId: string;
  tags: string[];
  start: boolean;
  runOnce: boolean;
  autoInstall: boolean;
  expiresAt: number;
  used: boolean;
}

interface PageSession {
  accountId: string;
  templateIds: string[];
  start: boolean;
  runOnce: boolean;
  expiresAt: number;
}

/** What a link was made for and whether it was opened: for tests that check nothing opened it before the person. */
export interface LaunchLinkState {
  kind: Kind;
  accountId: string;
  tags: string[];
  opened: boolean;
}

/** Body fields as .NET binds them: names in any case, booleans also as "true"/"false" (Cyclr's tests send both). */
function field(body: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : body[key];
}

function flag(value: unknown, fallback: boolean): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  return fallback;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

export class SandboxLaunch {
  private readonly links = new Map<string, LinkRecord>();
  private readonly sessions = new Map<string, PageSession>();

  constructor(private readonly state: SandboxState) {}

  /** The link a token was given for (tests). */
  link(token: string): LaunchLinkState | undefined {
    const record = this.links.get(token);
    return record && { kind: record.kind, accountId: record.accountId, tags: record.tags, opened: record.used };
  }

  /**
   * POST /v1.0/accounts/{id}/launch or /marketplace, partner level. Inferred, strictest: a token
   * restricted to an account is refused (Cyclr's docs say not to use one for these calls).
   */
  createLink(kind: Kind, accountId: string, restrictedTo: string | undefined, req: SandboxRequest, origin: string): SandboxResponse {
    if (restrictedTo !== undefined) return message(403, `An account-restricted token cannot be used to create a ${kind === "launch" ? "LAUNCH" : "Marketplace"} URL.`);
    const body = parseJson(req) ?? {};
    if (!isObject(body)) return message(400, "The request is invalid.");
    let tags: string[] = [];
    if (kind === "launch") {
      const given = field(body, "Tags");
      if (given !== undefined && given !== null && !(Array.isArray(given) && given.every((t) => typeof t === "string"))) return message(400, "The request is invalid.");
      tags = ((given as string[] | null | undefined) ?? []).map((t) => t.trim()).filter(Boolean);
    } else {
      const id = field(body, "MarketplaceId");
      const number = typeof id === "number" ? id : typeof id === "string" && /^\d+$/.test(id) ? Number(id) : undefined;
      // Inferred: an unknown Marketplace is a 404 {"Message"} like any unknown id.
      if (number === undefined) return message(400, "MarketplaceId is required.");
      if (number !== SANDBOX_MARKETPLACE_ID) return message(404, `Marketplace '${number}' not found.`);
    }
    // Both calls create the account when the id does not exist (Cyclr's docs), named by AccountName or else the id.
    if (!this.state.accounts.has(accountId)) {
      this.state.addAccount({ id: accountId, name: text(field(body, "AccountName")) ?? accountId, description: text(field(body, "AccountDescription")) ?? null });
    }
    const token = base64Token();
    const record: LinkRecord = {
      kind,
      accountId,
      tags,
      start: flag(field(body, "Start"), true),
      runOnce: flag(field(body, "RunOnce"), false),
      autoInstall: flag(field(body, "AutoInstall"), true),
      expiresAt: Date.now() + LAUNCH_LINK_MS,
      used: false,
    };
    this.links.set(token, record);
    const url = new URL("/account/signinwithtoken", origin);
    url.searchParams.set("token", token);
    url.searchParams.set("returnUrl", kind === "launch" ? "/launch" : `/marketplace/${SANDBOX_MARKETPLACE_ID}`);
    // Cyclr's LAUNCH URL carries its options (Cyclr's tests): only what differs from the defaults, and the tags.
    if (kind === "launch") {
      if (!record.start) url.searchParams.set("start", "false");
      if (record.runOnce) url.searchParams.set("once", "true");
      url.searchParams.set("auto", String(record.autoInstall));
      url.searchParams.set("tags", tags.join(","));
    }
    const expiresAtUtc = new Date(record.expiresAt).toISOString().replace("Z", "0000Z");
    return json(200, { Token: token, [kind === "launch" ? "LaunchUrl" : "MarketplaceUrl"]: url.href, ExpiresAtUtc: expiresAtUtc, AccountId: accountId });
  }

  /** GET /account/signinwithtoken: the link, spent by this first request (a link preview spends it too). */
  open(req: SandboxRequest): SandboxResponse {
    const record = this.links.get(req.query.token ?? "");
    if (!record || record.used || record.expiresAt <= Date.now()) return html(403, forbiddenPage());
    record.used = true;
    // Inferred: which templates LAUNCH offers for several tags; the sandbox takes those with any of them.
    const offered = record.kind === "launch" ? this.state.cycles.templates.filter((t) => t.tags.some((tag) => record.tags.includes(tag))) : this.state.cycles.templates;
    const nonce = randomBytes(16).toString("hex");
    this.sessions.set(nonce, { accountId: record.accountId, templateIds: offered.map((t) => t.id), start: record.start, runOnce: record.runOnce, expiresAt: Date.now() + PAGE_SESSION_MS });
    if (offered.length === 1 && record.autoInstall) return html(200, setupPage(nonce, this.describe(record.accountId, offered[0]!), record.start));
    return html(200, choicePage(nonce, offered.map((t) => ({ id: t.id, name: t.name, description: t.description }))));
  }

  /** POST /launch/setup (a template chosen) and /launch/install (the setup sent). */
  submit(req: SandboxRequest): SandboxResponse {
    const form = new URLSearchParams(req.body);
    const nonce = form.get("session") ?? "";
    const session = this.sessions.get(nonce);
    if (!session || session.expiresAt <= Date.now()) return html(403, forbiddenPage());
    const templateId = form.get("template") ?? "";
    const template = session.templateIds.includes(templateId) ? this.state.cycles.template(templateId) : undefined;
    if (!template) return html(400, launchErrorPage("Choose one of the integrations offered."));
    if (req.path === "/launch/setup") return html(200, setupPage(nonce, this.describe(session.accountId, template), session.start));
    if (req.path !== "/launch/install") return html(404, launchErrorPage("Not found."));

    const described = this.describe(session.accountId, template);
    const missing = described.connectors.filter((c) => !c.connected && form.get(`connect:${c.name}`) !== "on").map((c) => c.name);
    if (missing.length) return html(400, launchErrorPage(`Sign in to ${missing.join(", ")} first.`));
    for (const value of described.fields) {
      if (value.required && !form.get(value.key)?.trim()) return html(400, launchErrorPage(`${value.label} needs a value.`));
    }
    this.sessions.delete(nonce);
    const cycle = this.state.cycles.install(session.accountId, template);
    this.signIn(cycle, (connectorName) => described.fields.flatMap((f) => (f.property?.connector === connectorName ? [{ Name: f.property.target, Value: form.get(f.key)?.trim() ?? "" }] : [])));
    const errors: string[] = [];
    for (const value of described.fields) {
      const given = form.get(value.key)?.trim();
      if (!given || value.kind === "property") continue;
      const target = value.kind === "parameter" ? cycle.steps[value.step]?.parameters[value.index] : cycle.steps[value.step]?.fields[value.index];
      if (!target) continue;
      try {
        this.state.cycles.setMapping(cycle, target, { MappingType: target.Values.includes(given) ? "ValueList" : "StaticValue", Value: given });
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (session.start) {
      try {
        this.state.cycles.activate(cycle, session.runOnce ? { RunOnce: true } : { Interval: LAUNCH_INTERVAL });
      } catch (error) {
        if (!(error instanceof CycleError)) throw error;
        errors.push(error.message);
      }
    }
    // LAUNCH's result object (handle callbacks docs): Active, or "stopped" when the install did not start.
    const result = { accountId: session.accountId, cycleId: cycle.Id, templateId: template.id, status: cycle.Status === "Active" ? "Active" : "stopped", errors };
    return html(200, completePage(template.name, result));
  }

  /** The template's setup as the page shows it: its connectors (and whether the account has them signed in) and the values it leaves to the person. */
  private describe(accountId: string, template: TemplateSpec): { id: string; name: string; connectors: { name: string; connected: boolean }[]; fields: SetupField[] } {
    const connectors: { name: string; connected: boolean }[] = [];
    for (const step of template.steps) {
      if (step.connector === undefined || connectors.some((c) => c.name === step.connector)) continue;
      const connector = this.state.connectors.find((c) => c.Name === step.connector);
      const signedIn =
        template.installation === "existing" &&
        [...this.state.accountConnectors.values()].some((r) => r.AccountId === accountId && r.ConnectorId === connector?.Id && this.state.render(r).Authenticated === true);
      connectors.push({ name: step.connector, connected: signedIn });
    }
    const fields: SetupField[] = [];
    // A connector's required properties come with its sign-in (LAUNCH's authentication screen).
    for (const { name, connected } of connectors) {
      if (connected) continue;
      for (const parameter of this.state.connectors.find((c) => c.Name === name)?.Parameters ?? []) {
        if (!parameter.IsAccountConnectorProperty || parameter.IsOptional) continue;
        fields.push({
          key: `property:${name}:${parameter.TargetName}`,
          kind: "property",
          step: -1,
          index: -1,
          property: { connector: name, target: parameter.TargetName },
          label: `${name}: ${parameter.Name}`,
          ...(parameter.Description !== null && { description: parameter.Description }),
          required: true,
          ...(parameter.IsSensitive && { secret: true }),
          ...(parameter.Values?.length && { choices: parameter.Values.map((v) => ({ Name: v, Value: v })) }),
        });
      }
    }
    template.steps.forEach((step, stepIndex) => {
      (step.parameters ?? []).forEach((spec, index) => {
        if (spec.preset !== undefined) return;
        fields.push({
          key: `value:${stepIndex}:p:${index}`,
          kind: "parameter",
          step: stepIndex,
          index,
          label: `${step.name}: ${spec.name}`,
          ...(spec.description !== undefined && { description: spec.description }),
          required: !spec.optional,
          ...(spec.lookup ? { choices: spec.lookup.choices } : spec.values ? { choices: spec.values.map((v) => ({ Name: v, Value: v })) } : {}),
        });
      });
      (step.fields ?? []).forEach((spec, index) => {
        // Only what the partner made user configurable is shown (LAUNCH's field mapping screen).
        if (!spec.userConfigurable) return;
        fields.push({
          key: `value:${stepIndex}:f:${index}`,
          kind: "field",
          step: stepIndex,
          index,
          label: `${step.name}: ${spec.name}`,
          ...(spec.description !== undefined && { description: spec.description }),
          required: !spec.optional,
          ...(spec.values && { choices: spec.values.map((v) => ({ Name: v, Value: v })) }),
        });
      });
    });
    return { id: template.id, name: template.name, connectors, fields };
  }

  /** The person signed in to each connector on LAUNCH's screens, its properties given: a stand-in credential (inferred shape, as the consent page's). */
  private signIn(cycle: CycleRecord, properties: (connectorName: string) => { Name: string; Value: string }[]): void {
    for (const step of cycle.steps) {
      if (step.AccountConnectorId === null) continue;
      const record = this.state.accountConnector(cycle.AccountId, step.AccountConnectorId);
      if (!record || this.state.render(record).Authenticated === true) continue;
      const connectorName = this.state.connectorsById.get(record.ConnectorId)?.Name ?? "";
      for (const property of properties(connectorName)) if (property.Value) this.state.upsertProperty(record, property);
      record.AuthValue = JSON.stringify({ AccessToken: randomBytes(24).toString("hex"), Expires: new Date(Date.now() + 3600_000).toISOString() });
    }
  }
}
