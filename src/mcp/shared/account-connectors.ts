/**
 * An installed connector as the assistant sees it: the account connector, its connector definition
 * and its setup state. Shared by the tools and the account connector resource.
 */
import * as z from "zod";
import type { CyclrOperations } from "../../cyclr/client.js";
import type { AccountConnector, Connector } from "../../cyclr/schemas.js";
import { computeSetupState, waitingStep, type BrowserStep, type SetupState, type StepIds } from "../../setup/setup-state.js";
import { connectorRefSchema, setupStateSchema } from "./results.js";

/** The connector definition behind an account connector; fetched when Cyclr left its Parameters out. */
export async function connectorDefinition(
  cyclr: CyclrOperations,
  accountId: string,
  accountConnector: AccountConnector,
  signal?: AbortSignal,
): Promise<Connector> {
  if (accountConnector.Connector.Parameters) return accountConnector.Connector;
  return cyclr.getConnector(accountId, accountConnector.Connector.Id, signal ? { signal } : {});
}

/** Which account connector a result is about: every result about one names it with these, first. */
export const accountConnectorNamesShape = {
  accountId: z.string(),
  accountConnectorId: z.number(),
  name: z.string().optional(),
  connector: connectorRefSchema,
};

export interface AccountConnectorNames {
  accountId: string;
  accountConnectorId: number;
  name?: string;
  connector: { id: number; name: string };
}

/** The names of an account connector in the account: its own name, else its connector's. */
export function accountConnectorNames(accountId: string, accountConnector: AccountConnector): AccountConnectorNames {
  const connector = { id: accountConnector.Connector.Id, name: accountConnector.Connector.Name };
  const name = accountConnector.Name ?? connector.name;
  return { accountId, accountConnectorId: accountConnector.Id, ...(name && { name }), connector };
}

export const accountConnectorViewShape = {
  ...accountConnectorNamesShape,
  authenticated: z.boolean(),
  propertiesSet: z.array(z.string()).describe("Names of the properties that have a value (values are not shown)."),
  setup: setupStateSchema,
};

export interface AccountConnectorView extends AccountConnectorNames {
  authenticated: boolean;
  propertiesSet: string[];
  setup: SetupState;
}

export function accountConnectorView(accountId: string, accountConnector: AccountConnector, definition: Connector): AccountConnectorView {
  return {
    ...accountConnectorNames(accountId, accountConnector),
    authenticated: accountConnector.Authenticated,
    propertiesSet: accountConnector.Properties.filter((p) => p.HasValue).map((p) => p.Name),
    setup: computeSetupState(accountConnector, definition, accountId),
  };
}

/**
 * While the person is at a link this server gave out (and it is still valid), the next step is to
 * wait for them, not to make another link: a new sign-in link would void the one they are using.
 */
export function whilePersonAtLink(setup: SetupState, ids: StepIds, pending: string | undefined): SetupState {
  if (setup.state === "ready" || pending === undefined || setup.nextStep.tool !== pending) return setup;
  const step = pending as BrowserStep;
  const what =
    step === "create_oauth_link"
      ? "The person has the sign-in link from create_oauth_link and may be signing in now."
      : "The person has the credential page from create_credential_link and may be filling it in now.";
  return { ...setup, nextStep: waitingStep(ids, step, what) };
}

/** Reads an account connector and its definition, and derives its setup state. */
export async function loadAccountConnectorView(
  cyclr: CyclrOperations,
  accountId: string,
  accountConnectorId: number,
  signal?: AbortSignal,
): Promise<AccountConnectorView> {
  const accountConnector = await cyclr.getAccountConnector(accountId, accountConnectorId, signal ? { signal } : {});
  const definition = await connectorDefinition(cyclr, accountId, accountConnector, signal);
  return accountConnectorView(accountId, accountConnector, definition);
}

/** Each account connector with its setup state, compact: the account is the list's, and property names are for get_account_connector. */
export async function compactAccountConnectorViews(cyclr: CyclrOperations, accountId: string, installed: readonly AccountConnector[], signal?: AbortSignal) {
  // Definitions: the list usually carries each connector whole; otherwise the cached catalog, then one GET each.
  let catalog: Map<number, Connector> | undefined;
  const definitionOf = async (connector: Connector): Promise<Connector> => {
    if (connector.Parameters) return connector;
    catalog ??= new Map((await cyclr.listCatalog(accountId)).connectors.map((c) => [c.Id, c]));
    return catalog.get(connector.Id)?.Parameters ? catalog.get(connector.Id)! : cyclr.getConnector(accountId, connector.Id, signal ? { signal } : {});
  };
  const views = [];
  for (const accountConnector of installed) {
    const view = accountConnectorView(accountId, accountConnector, await definitionOf(accountConnector.Connector));
    views.push({
      accountConnectorId: view.accountConnectorId,
      ...(view.name !== undefined && { name: view.name }),
      connector: view.connector,
      authenticated: view.authenticated,
      setup: view.setup,
    });
  }
  return views;
}
