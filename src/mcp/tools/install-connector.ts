import { setTimeout as sleep } from "node:timers/promises";
import * as z from "zod";
import type { CallOptions, CyclrOperations, InstallConnectorRequest } from "../../cyclr/client.js";
import { CyclrHttpError, CyclrNetworkError, CyclrResponseError, mayHaveBeenApplied } from "../../cyclr/errors.js";
import type { AccountConnector, Connector } from "../../cyclr/schemas.js";
import { authMethodKind } from "../../setup/auth-types.js";
import { basicAuthValue } from "../../setup/auth-values.js";
import { authenticationOptions, looksSensitive, type AuthenticationOption } from "../../setup/catalog.js";
import { findNewInstall, idsOfConnector, lookDelayMs, type NewInstall } from "../../setup/install-recovery.js";
import { existingInstall, freeName } from "../../setup/existing-installs.js";
import { computeSetupState, type SetupState } from "../../setup/setup-state.js";
import { AmbiguousInstallError, ToolInputError } from "../errors.js";
import { askForProperties, writeProperties, type PropertyResult } from "../shared/properties.js";
import { defineTool, type ServerDeps, type ToolContext } from "../tool.js";
import type { UncertainInstalls } from "../shared/uncertain-installs.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg, positiveId, propertiesArg } from "../shared/arguments.js";
import { connectorRefSchema, setupStateSchema, setupSummary } from "../shared/results.js";

interface Credentials {
  authValue?: string;
  username?: string;
  password?: string;
}

function describeOption(option: AuthenticationOption): string {
  const kind = [option.authType, option.oauth2Type].filter(Boolean).join("/");
  return `${option.name ?? kind} (authenticationId "${option.authenticationId}", ${kind})`;
}

/** The authentication method to install with: the one asked for, or the only one that fits the credentials given. */
export function chooseAuthentication(connector: Connector, authenticationId: string | undefined, credentials: Credentials): AuthenticationOption | undefined {
  const options = authenticationOptions(connector);
  if (authenticationId !== undefined) {
    const chosen = options.find((option) => option.authenticationId === authenticationId);
    if (!chosen) {
      const known = options.filter((o) => o.authenticationId).map(describeOption);
      throw new ToolInputError(
        `authenticationId "${authenticationId}" is not one of ${connector.Name}'s authentication methods` +
          (known.length ? `: use one of ${known.join("; ")}.` : "; this connector lists none, so leave authenticationId out."),
      );
    }
    return chosen;
  }
  if (options.length <= 1) return options[0];
  const fits = (option: AuthenticationOption) => {
    const kind = authMethodKind(option.authType, option.oauth2Type);
    if (credentials.username !== undefined) return kind === "basic";
    if (credentials.authValue !== undefined) return kind === "apiKey" || kind === "authFields";
    return kind === "oauthLink";
  };
  const fitting = options.filter(fits);
  if (fitting.length === 1) return fitting[0];
  throw new ToolInputError(
    `${connector.Name} offers several authentication methods; pass authenticationId to choose one: ${options.map(describeOption).join("; ")}.`,
  );
}

/** The AuthValue to send, and a check that the credentials suit the chosen method. */
function authValueFor(connector: Connector, chosen: AuthenticationOption | undefined, credentials: Credentials): string | undefined {
  const kind = authMethodKind(chosen?.authType, chosen?.oauth2Type);
  if (credentials.username !== undefined && credentials.password !== undefined) {
    if (kind !== "basic" && kind !== "unknown") {
      throw new ToolInputError(
        `${connector.Name} authenticates with ${chosen?.authType}${kind === "apiKey" ? ": pass the key as authValue, not username and password" : ", not a username and password"}.`,
      );
    }
    return basicAuthValue(credentials.username, credentials.password);
  }
  if (credentials.authValue !== undefined) return credentials.authValue;
  // Cyclr authenticates client-credentials connectors by itself when AuthValue is "{}" (api-notes §7).
  if (kind === "clientCredentials") return "{}";
  return undefined;
}

/**
 * An earlier install of this connector and name whose answer was lost (uncertain-installs.ts): if
 * it landed late it is returned; either way this call settles it.
 */
async function lateInstall(
  cyclr: CyclrOperations,
  uncertain: UncertainInstalls,
  identity: { accountId: string; connectorId: number; name: string },
  listed: readonly AccountConnector[],
  options: CallOptions,
): Promise<{ found?: { accountConnector: AccountConnector; note: string }; earlierNote: string }> {
  const earlier = await uncertain.find(identity);
  if (!earlier) return { earlierNote: "" };
  const late = findNewInstall(earlier.before, listed, identity.connectorId, identity.name).created;
  // Either way this call settles it: returned now, or superseded by the install that follows.
  await uncertain.forget(identity);
  if (late) {
    return {
      found: {
        accountConnector: await cyclr.getAccountConnector(identity.accountId, late.Id, options).catch(() => late),
        note: `An earlier install_connector of connector ${identity.connectorId} as "${identity.name}" got no usable answer; the earlier install finished late: account connector ${late.Id}; not installed again.`,
      },
      earlierNote: "",
    };
  }
  return {
    earlierNote:
      ` An earlier install_connector of this connector with this name got no usable answer and has not appeared; if it still appears later, ` +
      "there will be two: check list_account_connectors.",
  };
}

/**
 * Sends the install once, never twice. If its answer is lost (timeout, closed connection, 5xx
 * after sending), the account's connectors are compared with a list taken just before: a new one
 * of this connector and name is the install ("installed as account connector N", with a note).
 * None is proof only when Cyclr answered (a 500, a malformed body): "not installed; safe to retry".
 * Otherwise the request may still be running at Cyclr, so the account is watched for a while, and
 * if it has still not appeared the install is remembered: the next install of the same connector
 * and name in the account looks for it first and returns it instead of installing again.
 */
async function installOnce(
  cyclr: CyclrOperations,
  uncertain: UncertainInstalls,
  accountId: string,
  connectorId: number,
  install: InstallConnectorRequest,
  listed: readonly AccountConnector[],
  earlierNote: string,
  options: CallOptions & { signal: AbortSignal },
): Promise<{ accountConnector: AccountConnector; note?: string }> {
  const identity = { accountId, connectorId, name: install.Name };
  const before = idsOfConnector(listed, connectorId);
  let accountConnector: AccountConnector;
  try {
    accountConnector = await cyclr.installConnector(accountId, connectorId, install, options);
  } catch (failure) {
    // A call cancelled while the install was on its way may have reached Cyclr too: remembered, so the next install checks first.
    if (failure instanceof CyclrNetworkError && failure.cancelled) await uncertain.remember({ ...identity, before });
    if (!mayHaveBeenApplied(failure)) throw failure;
    // Remembered before looking, so that a look cut short (cancelled, failed) still leaves it for the next call.
    await uncertain.remember({ ...identity, before });
    if (options.signal.aborted) throw failure;
    // Cyclr's own 500 or an answer that is not its JSON ends the request there; a timeout, a lost
    // connection or a gateway's 5xx may come while Cyclr is still working on the install.
    const mayStillRun = !(failure instanceof CyclrHttpError && failure.status === 500) && !(failure instanceof CyclrResponseError);
    const started = performance.now();
    const deadline = started + (mayStillRun ? uncertain.lookWindowMs : 0);
    let found: NewInstall<AccountConnector> = { others: [] };
    for (let look = 0; ; look++) {
      try {
        found = findNewInstall(before, (await cyclr.listAccountConnectors(accountId, options)).items, connectorId, install.Name);
      } catch (checkFailure) {
        throw new AmbiguousInstallError("unknown", identity, failure, { checkFailure });
      }
      const remaining = deadline - performance.now();
      if (found.created || remaining <= 0) break;
      await sleep(Math.min(lookDelayMs(look), remaining), undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal.aborted) throw failure;
    }
    const { created, others } = found;
    if (!created) {
      if (mayStillRun) throw new AmbiguousInstallError("may_still_run", identity, failure, { lookedForMs: performance.now() - started });
      await uncertain.forget(identity);
      throw new AmbiguousInstallError("not_installed", identity, failure);
    }
    await uncertain.forget(identity);
    // The listing may abbreviate entries (api-notes §4): read the whole account connector if possible.
    const full = await cyclr.getAccountConnector(accountId, created.Id, options).catch(() => created);
    const alsoNew = others.length ? ` Other account connectors of this connector with this name appeared at the same time (${others.map((o) => o.Id).join(", ")}): check whether they are wanted.` : "";
    return {
      accountConnector: full,
      note:
        `The install request got no usable answer (${failure.message}), so the account's connectors were checked: ` +
        `it was installed as account connector ${created.Id}; it was not sent again.${alsoNew}${earlierNote}`,
    };
  }
  return { accountConnector, ...(earlierNote && { note: earlierNote.trim() }) };
}

export const installConnector = defineTool({
  name: "install_connector",
  title: "Install a connector into the account",
  description:
    "Install a connector into the account (step 2), creating an account connector; returns its accountConnectorId and setup. Properties may be given now or later; secrets come through the credential link setup.nextStep names. An existing install of the connector is returned (existing: true) unless allowDuplicate. Sent once: a lost answer is reported as installed, not installed or maybe still running (a later identical install then returns it).",
  inputSchema: {
    connectorId: positiveId().describe("The connector's id from list_connectors."),
    name: z.string().trim().min(1).max(200).optional().describe("Default: the connector's name."),
    description: z.string().max(1000).optional().describe("Optional."),
    authenticationId: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe("The method to use, when the connector offers several (ids in cyclr://connectors/{connectorId})."),
    authValue: z.string().min(1).max(10_000).optional().describe("API key (ApiKey connectors). Secret."),
    username: z.string().min(1).max(500).optional().describe("Basic connectors; with password."),
    password: z.string().min(1).max(2000).optional().describe("Basic connectors. Secret."),
    properties: propertiesArg().optional().describe("Properties to set now (at most 50), e.g. [{name: \"CompanyDomain\", value: \"acme\"}]."),
    allowDuplicate: z
      .boolean()
      .optional()
      .describe("Install a second one of a connector already installed (default: the existing one is returned)."),
    accountId: accountIdArg,
  },
  outputSchema: {
    accountId: z.string(),
    accountConnectorId: z.number().describe("Pass this to the other tools."),
    name: z.string().optional(),
    connector: connectorRefSchema,
    authenticated: z.boolean(),
    form: z
      .object({
        outcome: z.enum(["filled", "declined"]),
        results: z.array(z.object({ name: z.string(), outcome: z.enum(["set", "failed", "unknown"]), error: z.string().optional() })),
      })
      .optional()
      .describe("Present when the person was asked for the missing settings in a form (clients with elicitation)."),
    existing: z.boolean().optional().describe("True when the connector was already installed and that account connector is returned: nothing was installed."),
    setup: setupStateSchema,
    note: z
      .string()
      .optional()
      .describe("Present when an existing install is returned, when a free name was picked, when the install's answer was lost and the account was checked to find it, or when an earlier such install finished late and is returned."),
  },
  cyclrCalls: "`GET /v1.0/connectors/{id}`, `GET /v1.0/account/connectors` (an install already there, the names in use, and to compare with should the answer be lost), `POST /v1.0/connectors/{id}/install`",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  ui: { card: "setup-card" },
  secrets: (args) => [
    args.authValue,
    args.password,
    args.username !== undefined && args.password !== undefined ? basicAuthValue(args.username, args.password) : undefined,
    ...(args.properties ?? []).filter((p) => looksSensitive(p.name)).map((p) => p.value),
  ],
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    if ((args.username === undefined) !== (args.password === undefined)) {
      throw new ToolInputError("username and password go together: give both for an HTTP Basic connector.");
    }
    if (args.authValue !== undefined && args.username !== undefined) {
      throw new ToolInputError("Give either authValue (an API key) or username and password (HTTP Basic), not both.");
    }
    const accountId = resolveAccountId(args.accountId, deps);
    const definition = await deps.cyclr.getConnector(accountId, args.connectorId, { signal });
    const chosen = chooseAuthentication(definition, args.authenticationId, args);
    const authValue = authValueFor(definition, chosen, args);

    // On a 2026-07-28 client, the round after the person was asked for the settings: the install
    // was made by the round before, and is not made again.
    const earlier = InstalledSchema.safeParse(context.rounds.carried("installed"));
    if (earlier.success) {
      const accountConnector = await deps.cyclr.getAccountConnector(accountId, earlier.data.accountConnectorId, { signal });
      return askForSettings(deps, context, accountId, definition, accountConnector, chosen?.authenticationId, earlier.data.note);
    }

    const listed = (await deps.cyclr.listAccountConnectors(accountId, { signal })).items;
    const wanted = args.name ?? definition.Name;
    const identity = { accountId, connectorId: args.connectorId, name: wanted };
    let late = await lateInstall(deps.cyclr, deps.uncertainInstalls, identity, listed, { signal });
    // A second install whose answer was lost was remembered under its free name ("HubSpot 2"): look there too.
    const candidate = args.allowDuplicate ? freeName(wanted, listed) : wanted;
    if (!late.found && candidate !== wanted) {
      const underFreeName = await lateInstall(deps.cyclr, deps.uncertainInstalls, { ...identity, name: candidate }, listed, { signal });
      late = { ...underFreeName, earlierNote: late.earlierNote || underFreeName.earlierNote };
    }
    const existing = late.found || args.allowDuplicate ? undefined : existingInstall(listed, args.connectorId, wanted);
    if (existing) {
      const accountConnector = await deps.cyclr.getAccountConnector(accountId, existing.Id, { signal });
      const given = [args.authValue !== undefined || args.username !== undefined ? "credentials" : "", args.properties?.length ? "properties" : ""].filter(Boolean);
      const note =
        `${definition.Name} is already installed in account ${accountId} as account connector ${existing.Id}${existing.Name ? ` ("${existing.Name}")` : ""}: ` +
        "it is returned with its setup state, and nothing was installed. " +
        (given.length ? `The ${given.join(" and ")} given were not applied: follow setup.nextStep. ` : "") +
        "If the person wants a second one, call install_connector again with allowDuplicate: true.";
      return installResult(accountId, definition, accountConnector, computeSetupState(accountConnector, definition, accountId), { existing: true, note });
    }
    // Names are unique in an account: a second install (or a name another connector took) gets the next free one.
    const name = late.found ? (late.found.accountConnector.Name ?? wanted) : freeName(wanted, listed);
    const renamed = name !== wanted ? ` The name "${wanted}" is in use in the account, so it was installed as "${name}".` : "";
    const installed =
      late.found ??
      (await installOnce(
        deps.cyclr,
        deps.uncertainInstalls,
        accountId,
        args.connectorId,
        {
          Name: name,
          ...(args.description !== undefined && { Description: args.description }),
          ...(chosen?.authenticationId !== undefined && { AuthenticationId: chosen.authenticationId }),
          ...(authValue !== undefined && { AuthValue: authValue }),
          ...(args.properties && { Properties: args.properties.map((p) => ({ Name: p.name, Value: p.value })) }),
        },
        listed,
        late.earlierNote,
        { signal },
      ));
    const { accountConnector } = installed;
    const note = [renamed.trim(), installed.note].filter(Boolean).join(" ") || undefined;
    // What a later round (2026-07-28, after the settings form) needs, so that it does not install again.
    context.rounds.carry("installed", { accountConnectorId: accountConnector.Id, ...(note !== undefined && { note }) });
    return askForSettings(deps, context, accountId, definition, accountConnector, chosen?.authenticationId, note);
  },
});

/** What the round that installed carries to the next (2026-07-28): the account connector made, and the note about it. */
const InstalledSchema = z.object({ accountConnectorId: z.number().int(), note: z.string().optional() });

/**
 * The new install's setup, after asking the person for its missing settings where the client can
 * show a form (never secrets), and setting what they entered.
 */
async function askForSettings(
  deps: ServerDeps,
  context: ToolContext,
  accountId: string,
  definition: Connector,
  accountConnector: AccountConnector,
  authenticationId: string | undefined,
  note: string | undefined,
) {
  // The method asked for decides how the rest of setup goes: Cyclr accepted it, whether or not it reports it back.
  if (authenticationId !== undefined && accountConnector.AuthenticationId === undefined) accountConnector.AuthenticationId = authenticationId;
  let setup = computeSetupState(accountConnector, definition, accountId);
  let form: { outcome: "filled" | "declined"; results: PropertyResult[] } | undefined;
  if (setup.state === "needs_properties" && context.person.fillForm) {
    const asked = await askForProperties(context.person, definition.Name, setup.missingProperties);
    if (asked.outcome === "filled" || asked.outcome === "declined") {
      const results = await writeProperties(deps.cyclr, accountId, accountConnector, definition, asked.values, context.signal, context.keepSecret);
      form = { outcome: asked.outcome, results };
      setup = computeSetupState(accountConnector, definition, accountId);
    }
  }
  return installResult(accountId, definition, accountConnector, setup, { ...(form && { form }), ...(note !== undefined && { note }) });
}

/** The tool's result, for a new install or an existing one. */
function installResult(
  accountId: string,
  definition: Connector,
  accountConnector: AccountConnector,
  setup: SetupState,
  extra: { form?: { outcome: "filled" | "declined"; results: PropertyResult[] }; note?: string; existing?: boolean },
) {
  const { form, note, existing } = extra;
    const name = accountConnector.Name ?? definition.Name;
    const formText =
      form?.outcome === "filled"
        ? ` The person filled in ${form.results.filter((r) => r.outcome === "set").map((r) => r.name).join(", ") || "nothing"}` +
          `${form.results.some((r) => r.outcome === "failed") ? `; failed: ${form.results.filter((r) => r.outcome === "failed").map((r) => `${r.name} (${r.error})`).join("; ")}` : ""}.`
        : form?.outcome === "declined"
          ? " The person declined the settings form."
          : "";
    return {
      structuredContent: {
        accountId,
        accountConnectorId: accountConnector.Id,
        name,
        connector: { id: definition.Id, name: definition.Name },
        authenticated: accountConnector.Authenticated,
        ...(form && { form }),
        ...(existing && { existing }),
        setup,
        ...(note !== undefined && { note }),
      },
      text:
        `${existing ? "Already installed" : "Installed"}: ${definition.Name} as account connector ${accountConnector.Id} in account ${accountId}` +
        `${accountConnector.Authenticated ? " (authenticated)" : ""}.${formText} ${setupSummary(setup)}${note !== undefined ? `\nNote: ${note}` : ""}`,
    };
}
