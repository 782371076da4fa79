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
