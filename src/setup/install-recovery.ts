/**
 * After an install whose answer was lost: which account connector, if any, that install created.
 * An account connector counts when it is of the same connector, has the name the install asked
 * for, and was not there before the install was sent.
 */
export interface InstalledConnectorRef {
  Id: number;
  Name?: string | undefined;
  Connector: { Id: number };
}

export interface NewInstall<T extends InstalledConnectorRef> {
  /** The one the install created: the earliest, if (unexpectedly) several match. */
  created?: T;
  /** Other matches, e.g. a concurrent install of the same connector under the same name. */
  others: T[];
}

export function findNewInstall<T extends InstalledConnectorRef>(
  before: ReadonlySet<number>,
  after: readonly T[],
  connectorId: number,
  name: string,
): NewInstall<T> {
  const wanted = name.trim().toLowerCase();
  const matches = after
    .filter((ac) => !before.has(ac.Id) && ac.Connector.Id === connectorId && (ac.Name ?? "").trim().toLowerCase() === wanted)
    .sort((a, b) => a.Id - b.Id);
  const [created, ...others] = matches;
  return created ? { created, others } : { others };
}

/** The ids of the account connectors of one connector, to compare with after an install. */
export function idsOfConnector(accountConnectors: readonly InstalledConnectorRef[], connectorId: number): Set<number> {
  return new Set(accountConnectors.filter((ac) => ac.Connector.Id === connectorId).map((ac) => ac.Id));
}

/**
 * How long to keep looking for an install whose request may still be running at Cyclr (a timeout,
 * a lost connection, a gateway's 5xx): about as long as a request may take, at least a second
 * (the install often lands just after), at most 30 s, so the tool call still ends.
 */
export function lookWindowMs(timeoutMs: number): number {
  return Math.min(30_000, Math.max(1_000, timeoutMs));
}

/** The delay before looking again, after look number n (0-based): 1 s, growing by half each time, at most 5 s. */
export function lookDelayMs(look: number): number {
  return Math.min(5_000, Math.round(1_000 * 1.5 ** look));
}

/** An install nobody knows the outcome of, remembered so the next install of it can find it instead of making another. */
export interface UncertainInstall {
  accountId: string;
  connectorId: number;
  name: string;
  /** The ids of the account connectors of this connector from before that install was sent. */
  before: ReadonlySet<number>;
}

/** The key an uncertain install is remembered under: the same account, connector and name (as findNewInstall compares names). */
export function uncertainInstallKey(install: { accountId: string; connectorId: number; name: string }): string {
  return `${install.accountId}\n${install.connectorId}\n${install.name.trim().toLowerCase()}`;
}

/** A cycle as the recovery after a lost template install reads it. */
export interface InstalledCycleRef {
  Id: string;
  Name?: string | undefined;
  TemplateId?: string | undefined;
}

/**
 * After a template install whose answer was lost: the cycle it made, if one appeared that was not
 * there before, of this template (by TemplateId; by the template's name when Cyclr's list leaves
 * TemplateId out). The earliest of several (a concurrent install) is taken; the others are named.
 */
export function findNewCycle<T extends InstalledCycleRef>(before: ReadonlySet<string>, after: readonly T[], template: { id: string; name: string }): { created?: T; others: T[] } {
  const mine = (cycle: T) => (cycle.TemplateId !== undefined ? cycle.TemplateId.toLowerCase() === template.id.toLowerCase() : (cycle.Name ?? "") === template.name);
  const [created, ...others] = after.filter((cycle) => !before.has(cycle.Id) && mine(cycle));
  return created ? { created, others } : { others };
}
