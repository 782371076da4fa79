/**
 * Account connector names are unique in an account: code written against the live API catches
 * `400 {"Message":"Account connector name 'HubSpot' is in use."}` on a second install with the
 * same name (api-notes addendum, [3P]). So install_connector first looks for an install of the same
 * connector, and a deliberate second install gets a name nobody uses yet. Pure.
 */
import type { InstalledConnectorRef } from "./install-recovery.js";

const fold = (name: string) => name.trim().toLowerCase();

/**
 * The install of this connector to return instead of installing again: the one with the name
 * asked for, else the oldest (lowest id), so repeated calls keep returning the same one.
 */
export function existingInstall<T extends InstalledConnectorRef>(installed: readonly T[], connectorId: number, name: string): T | undefined {
  const mine = installed.filter((ac) => ac.Connector.Id === connectorId).sort((a, b) => a.Id - b.Id);
  return mine.find((ac) => fold(ac.Name ?? "") === fold(name)) ?? mine[0];
}

/** `wanted` if no account connector in the account has that name (compared as Cyclr may: case and edge spaces aside), else "wanted 2", "wanted 3"... */
export function freeName(wanted: string, installed: readonly InstalledConnectorRef[]): string {
  const taken = new Set(installed.flatMap((ac) => (ac.Name !== undefined ? [fold(ac.Name)] : [])));
  if (!taken.has(fold(wanted))) return wanted;
  for (let n = 2; ; n++) {
    const candidate = `${wanted} ${n}`;
    if (!taken.has(fold(candidate))) return candidate;
  }
}

/** The name in Cyclr's "Account connector name '...' is in use." answer, when that is what it says. */
export function nameInUse(message: string | undefined): string | undefined {
  return message ? /account connector name '(.*)' is in use/i.exec(message)?.[1] : undefined;
}
