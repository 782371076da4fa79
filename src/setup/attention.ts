/**
 * What needs attention in an account: the account connectors whose setup is not ready, why, most
 * urgent first, and one line for the whole account. Pure: derived from the setup states.
 */
import type { NextStep, SetupState } from "./setup-state.js";

export interface ConnectorInAccount {
  accountConnectorId: number;
  /** The account connector's name (what the person calls it). */
  name: string;
  setup: SetupState;
}

/**
 * Not authenticated comes first: a connector that cannot sign in runs nothing at all, and it is
 * the usual cause of "it stopped"; then missing properties; then by name, so the order is stable.
 */
function urgency(setup: SetupState): number {
  return setup.state === "needs_authentication" ? 0 : setup.state === "needs_properties" ? (setup.authentication.authenticated ? 2 : 1) : 3;
}

/** Why one account connector is not ready, in a few words: "lacks PortalId", "is not authenticated". */
export function whyNotReady(setup: SetupState): string | undefined {
  if (setup.state === "ready") return undefined;
  const lacks = setup.missingProperties.length ? `lacks ${setup.missingProperties.map((p) => p.name).join(", ")}` : undefined;
  const needsAuth = !setup.authentication.authenticated && !["none", "clientCredentials", "authFields"].includes(setup.authentication.method);
  const unauthenticated = needsAuth ? "is not authenticated" : undefined;
  return [lacks, unauthenticated].filter(Boolean).join(" and ") || "is not set up";
}

/** The account connectors that are not ready, most urgent first. */
export function needingAttention<T extends ConnectorInAccount>(connectors: readonly T[]): (T & { why: string })[] {
  return connectors
    .filter((c) => c.setup.state !== "ready")
    .sort((a, b) => urgency(a.setup) - urgency(b.setup) || a.name.localeCompare(b.name) || a.accountConnectorId - b.accountConnectorId)
    .map((c) => ({ ...c, why: whyNotReady(c.setup) ?? "is not set up" }));
}

/**
 * "2 of 7 connectors need attention: Salesforce is not authenticated: 2 integrations stopped; HubSpot
 * lacks PortalId". `stops`: the integrations (cycles) that use the connector, which cannot run until
 * it is set up; left out when they are not known.
 */
export function attentionSummary(total: number, needing: readonly { name: string; why: string; stops?: readonly unknown[] }[]): string {
  if (total === 0) return "Nothing is installed in this account.";
  if (needing.length === 0) return `All ${total} connector${total === 1 ? " is" : "s are"} set up, as far as Cyclr can tell.`;
  const verb = needing.length === 1 ? "needs" : "need";
  const stopped = (c: { stops?: readonly unknown[] }) => (c.stops?.length ? `: ${c.stops.length} integration${c.stops.length === 1 ? "" : "s"} stopped` : "");
  return `${needing.length} of ${total} connector${total === 1 ? "" : "s"} ${verb} attention: ${needing.map((c) => `${c.name} ${c.why}${stopped(c)}`).join("; ")}.`;
}

/**
 * When Cyclr says everything is set up but the person says one stopped: its credentials have
 * likely expired or been revoked at the application, which Cyclr does not always notice
 * (Authenticated stays true). Reconnecting it (de-authenticate, then sign in again) is the fix.
 */
export function reconnectStep(accountId: string, ready: readonly { accountConnectorId: number; name: string }[]): NextStep {
  const only = ready.length === 1 ? ready[0] : undefined;
  return {
    tool: "reconnect_connector",
    arguments: {
      accountId,
      accountConnectorId: only ? only.accountConnectorId : "<the accountConnectorId (from ready) of the connector the person says stopped>",
      confirm: "<true once the person agrees>",
    },
    instruction:
      "Cyclr reports every connector here as set up. If the person says one stopped working, its credentials have probably expired or been revoked " +
      "at the application: reconnect it. That signs it out (the old credentials stop working) and gives the next step to sign in again; " +
      "ask the person first (clients with forms ask them themselves).",
  };
}
