/**
 * Templates as an assistant sees them: compact entries (never icons), each connector marked with
 * whether the account already has it installed and ready, and the account's cycles of it. Pure.
 */
import type { AccountConnector, Cycle, Template } from "../cyclr/schemas.js";
import { shortText } from "./catalog.js";
import type { MatchKind } from "./search.js";
import { computeSetupState } from "./setup-state.js";

export interface TemplateEntry {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
  /** ready: present when the account has this connector installed (true once it is set up). */
  connectors: { name: string; ready?: boolean }[];
  /** The account's cycles installed from this template. */
  cycles?: { cycleId: string; status?: string }[];
  match?: MatchKind;
}

/** What the account has: its account connectors (by catalog connector) and its cycles (by template). */
export interface AccountHoldings {
  connectors: Map<number, { ready: boolean }>;
  connectorsByName: Map<string, { ready: boolean }>;
  cycles: Map<string, { cycleId: string; status?: string }[]>;
}

export function accountHoldings(accountId: string, installed: readonly AccountConnector[], cycles: readonly Cycle[], templates: readonly Template[]): AccountHoldings {
  const connectors = new Map<number, { ready: boolean }>();
  const connectorsByName = new Map<string, { ready: boolean }>();
  for (const accountConnector of installed) {
    const ready = computeSetupState(accountConnector, accountConnector.Connector, accountId).state === "ready";
    // Several installs of one connector: it counts as ready when any of them is.
    const merge = (known: { ready: boolean } | undefined) => ({ ready: ready || (known?.ready ?? false) });
    connectors.set(accountConnector.Connector.Id, merge(connectors.get(accountConnector.Connector.Id)));
    const name = accountConnector.Connector.Name.toLowerCase();
    connectorsByName.set(name, merge(connectorsByName.get(name)));
  }
  const byTemplate = new Map<string, { cycleId: string; status?: string }[]>();
  for (const cycle of cycles) {
    // The template a cycle came from: TemplateId when Cyclr gives it, else a template of the same name (a cycle takes its template's name).
    const templateId = cycle.TemplateId ?? templates.find((t) => t.Name === cycle.Name)?.Id;
    if (templateId === undefined) continue;
    const list = byTemplate.get(templateId.toLowerCase()) ?? [];
    list.push({ cycleId: cycle.Id, ...(cycle.Status !== undefined && { status: cycle.Status }) });
    byTemplate.set(templateId.toLowerCase(), list);
  }
  return { connectors, connectorsByName, cycles: byTemplate };
}

export function templateEntry(template: Template, holdings?: AccountHoldings, match?: MatchKind): TemplateEntry {
  const entry: TemplateEntry = {
    id: template.Id,
    name: template.Name,
    connectors: template.Connectors.map((c) => {
      const held = holdings && ((c.Id !== undefined ? holdings.connectors.get(c.Id) : undefined) ?? holdings.connectorsByName.get(c.Name.toLowerCase()));
      return { name: c.Name, ...(held && { ready: held.ready }) };
    }),
  };
  const description = shortText(template.Description);
  if (description) entry.description = description;
  if (template.Tags.length) entry.tags = template.Tags;
  const cycles = holdings?.cycles.get(template.Id.toLowerCase());
  if (cycles?.length) entry.cycles = cycles;
  if (match) entry.match = match;
  return entry;
}

/** The account's cycles of a template, when it has any. */
export function cyclesOfTemplate(holdings: AccountHoldings, templateId: string): { cycleId: string; status?: string }[] {
  return holdings.cycles.get(templateId.toLowerCase()) ?? [];
}
