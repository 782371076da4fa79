import { setTimeout as sleep } from "node:timers/promises";
import * as z from "zod";
import type { CyclrOperations } from "../../cyclr/client.js";
import { CyclrHttpError, CyclrResponseError, mayHaveBeenApplied } from "../../cyclr/errors.js";
import type { AccountConnector, Cycle, Template } from "../../cyclr/schemas.js";
import { findNewCycle, lookDelayMs } from "../../setup/install-recovery.js";
import { accountHoldings, cyclesOfTemplate } from "../../setup/templates.js";
import { AmbiguousCycleInstallError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountIdArg, templateIdArg } from "../shared/arguments.js";
import { cycleViewShape, describeCycle, loadCycleView } from "../shared/cycles.js";

export const installTemplate = defineTool({
  name: "install_template",
  title: "Install a template into the account",
  description:
    "Install an integration template into the account (after list_templates): makes a paused cycle and answers its id and setup (connectors first, then values, then activation; follow setup.nextStep). A template already installed there is returned (existing: true) unless again: true. Sent once: a lost answer is checked in the account's cycles, never resent.",
  inputSchema: {
    templateId: templateIdArg,
    accountId: accountIdArg,
    again: z.boolean().optional().describe("Install a second cycle of a template the account already has (default: the existing one is returned)."),
  },
  outputSchema: {
    ...cycleViewShape,
    existing: z.boolean().optional().describe("True when the account already had a cycle of this template and it is returned: nothing was installed."),
    reused: z.array(z.string()).optional().describe("Connectors the cycle takes from the account's existing ones (the template's Existing Installation setting)."),
    note: z.string().optional(),
  },
  cyclrCalls:
    "`GET /v1.0/templates/{id}`, `GET /v1.0/cycles` and `GET /v1.0/account/connectors` (a cycle of it already there, and to compare with should the answer be lost), `POST /v1.0/templates/{id}/install`; then as get_cycle",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  ui: { card: "setup-card" },
  changesCycles: true,
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    // The template first: an unknown id fails cleanly, naming list_templates.
    const template = await deps.cyclr.getTemplate(accountId, args.templateId, { signal });
    const [cycles, installed] = await Promise.all([deps.cyclr.listCycles(accountId, { signal }), deps.cyclr.listAccountConnectors(accountId, { signal })]);
    const existing = cyclesOfTemplate(accountHoldings(accountId, [], cycles.items, [template]), template.Id)[0];
    if (existing && !args.again) {
      const view = await loadCycleView(deps, accountId, existing.cycleId, signal);
      const note =
        `"${template.Name}" is already installed in account ${accountId} as cycle ${existing.cycleId}: it is returned with its setup, and nothing was installed. ` +
        "If the person wants a second one, call install_template again with again: true.";
      return { structuredContent: { ...view, existing: true, note }, text: `Already installed. ${describeCycle(view)}\nNote: ${note}` };
    }
    const installedCycle = await installOnce(deps.cyclr, accountId, template, new Set(cycles.items.map((c) => c.Id)), deps.uncertainInstalls.lookWindowMs, signal);
    const { cycle } = installedCycle;
    const notes = [installedCycle.note, connectorNote(cycle, installed.items)].filter((n): n is string => Boolean(n));
    const before = new Set(installed.items.map((ac) => ac.Id));
    const reused = cycle.Connectors.filter((c) => c.AccountConnectorId !== undefined && before.has(c.AccountConnectorId)).map((c) => c.Name ?? `account connector ${c.AccountConnectorId}`);
    // The install's answer is the cycle: reading it again would cost a call for nothing.
    const view = await loadCycleView(deps, accountId, cycle.Id, signal, cycle);
    const note = notes.length ? notes.join(" ") : undefined;
    return {
      structuredContent: { ...view, ...(reused.length && { reused }), ...(note !== undefined && { note }) },
      text: `Installed "${template.Name}" as cycle ${cycle.Id}. ${describeCycle(view)}${note !== undefined ? `\nNote: ${note}` : ""}`,
    };
  },
});

/**
 * Sends the install once. If its answer is lost (a timeout, a closed connection, a 5xx after
 * sending), the account's cycles are compared with those from before: a new cycle of this template
 * is the install (returned, with a note). None is proof only when Cyclr answered (its 500, a body
 * that is not its JSON); otherwise it may still be running, so the account is watched for a while.
 * A late one is found by the next install_template, which returns a cycle of the template already there.
 */
async function installOnce(
  cyclr: CyclrOperations,
  accountId: string,
  template: Template,
  before: ReadonlySet<string>,
  lookWindowMs: number,
  signal: AbortSignal,
): Promise<{ cycle: Cycle; note?: string }> {
  try {
    return { cycle: await cyclr.installTemplate(accountId, template.Id, { signal }) };
  } catch (failure) {
    if (!mayHaveBeenApplied(failure) || signal.aborted) throw failure;
    const identity = { accountId, templateId: template.Id, templateName: template.Name };
    const mayStillRun = !(failure instanceof CyclrHttpError && failure.status === 500) && !(failure instanceof CyclrResponseError);
    const started = performance.now();
    const deadline = started + (mayStillRun ? lookWindowMs : 0);
    for (let look = 0; ; look++) {
      let found: { created?: Cycle; others: Cycle[] };
      try {
        found = findNewCycle(before, (await cyclr.listCycles(accountId, { signal })).items, { id: template.Id, name: template.Name });
      } catch (checkFailure) {
        throw new AmbiguousCycleInstallError("unknown", identity, failure, { checkFailure });
      }
      if (found.created) {
        const alsoNew = found.others.length ? ` Other new cycles of this template appeared at the same time (${found.others.map((c) => c.Id).join(", ")}): check whether they are wanted.` : "";
        const cycle = await cyclr.getCycle(accountId, found.created.Id, { signal }).catch(() => found.created as Cycle);
        return { cycle, note: `The install got no usable answer (${failure.message}), so the account's cycles were checked: it was installed as cycle ${cycle.Id}; it was not sent again.${alsoNew}` };
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      await sleep(Math.min(lookDelayMs(look), remaining), undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw failure;
    }
    throw new AmbiguousCycleInstallError(mayStillRun ? "may_still_run" : "not_installed", identity, failure, { lookedForMs: performance.now() - started });
  }
}

/**
 * Which account connectors the cycle uses is the partner's per-template choice (Existing or Fresh
 * Installation), and the API has no field to name them (cycles.md): when the cycle got new ones
 * although the account had a ready one of the same connector, the person is told why.
 */
function connectorNote(cycle: Cycle, before: readonly AccountConnector[]): string | undefined {
  const known = new Set(before.map((ac) => ac.Id));
  const fresh = cycle.Connectors.filter((c) => c.AccountConnectorId !== undefined && !known.has(c.AccountConnectorId));
  const passedOver = fresh.flatMap((c) => {
    const ready = before.find((ac) => ac.Connector.Id === c.Id && ac.Authenticated);
    return ready ? [`${c.Name ?? "a connector"} (the account's ready one is account connector ${ready.Id})`] : [];
  });
  if (!passedOver.length) return undefined;
  return (
    `The template installs its own connectors (the partner's "Fresh Installation" setting), so the cycle did not reuse ${passedOver.join(", ")}: ` +
    "Cyclr's API offers no way to choose, so set up the new ones (setup.nextStep does), or ask the partner to switch the template to Existing Installation."
  );
}
