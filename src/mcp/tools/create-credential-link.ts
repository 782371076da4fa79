import * as z from "zod";
import { credentialRequest } from "../../setup/credential-request.js";
import { computeSetupState, waitingStep } from "../../setup/setup-state.js";
import { connectorDefinition } from "../shared/account-connectors.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountConnectorIdArg, accountIdArg, forCycleArg } from "../shared/arguments.js";
import { forSomeoneElseArg, linkParties } from "../shared/link-parties.js";
import { setupStateSchema } from "../shared/results.js";

const LINK_MINUTES = 10;

export const createCredentialLink = defineTool({
  name: "create_credential_link",
  title: "Create a credential link",
  description:
    "Create a one-time link (10 minutes) to a page of this server where the person types the connector's secrets (API key, username and password, secret properties): they go from the browser to Cyclr, never through the chat, so prefer it to asking. " +
    "The page names the connector, the Cyclr account and who asked; hosted with sign-in, only the person who made the link can fill it. Clients with URL elicitation open it. Then get_account_connector with waitForAuthentication.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    accountId: accountIdArg,
    cycleId: forCycleArg,
    forSomeoneElse: forSomeoneElseArg,
  },
  outputSchema: {
    accountId: z.string(),
    accountConnectorId: z.number(),
    url: z.string().optional().describe("The link for the person to open. Left out when the client opened it for the person (URL elicitation)."),
    asksFor: z.array(z.string()).describe("What the page asks the person for (labels only)."),
    expiresAtUtc: z.string(),
    validForMinutes: z.number(),
    singleUse: z.literal(true),
    openedByClient: z
      .enum(["accepted", "declined"])
      .optional()
      .describe("Present when the client was asked to open the link (URL elicitation): whether the person agreed to open it."),
    setup: setupStateSchema,
  },
  cyclrCalls: "`GET /v1.0/account/connectors/{id}`, `GET /v1.0/accounts/{accountId}` (its name, for the page); when the person submits the page, `PUT .../properties/{propertyId}` (one it has) or `POST .../properties` (a new one) per secret property, then `PUT /v1.0/account/connectors/{id}` `{AuthValue}`",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  ui: { card: "setup-card" },
  handler: (deps) => async (args, context) => {
    const accountId = resolveAccountId(args.accountId, deps);
    if (!deps.credentialLinks) {
      throw new ToolInputError("Credential links are not available in this server; use authenticate_connector or set_connector_properties instead.");
    }
    const accountConnector = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal: context.signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, accountConnector, context.signal);
    // On a 2026-07-28 client, the round after the person was asked to open the page: it was made
    // then (and may be used already), and is not made again.
    const earlier = MadeLinkSchema.safeParse(context.rounds.carried("link"));
    let link: { url?: string; expiresAtUtc: string; asksFor: string[]; used?: Promise<boolean> };
    if (earlier.success) {
      link = earlier.data;
    } else {
      const request = credentialRequest(accountConnector, definition, accountId);
      if (!request) {
        const { nextStep } = computeSetupState(accountConnector, definition, accountId, args.cycleId);
        throw new ToolInputError(
          `${definition.Name} (account connector ${accountConnector.Id}) needs no secret from the person now. ` +
            `${nextStep.tool ? `Next: ${nextStep.tool}. ` : ""}${nextStep.instruction}`,
        );
      }
      const parties = await linkParties(deps, { accountId, connectorName: definition.Name, forSomeoneElse: args.forSomeoneElse }, context.signal);
      const made = await deps.credentialLinks.create({
        ...parties,
        accountConnectorId: accountConnector.Id,
        request,
        keepSecret: context.keepSecret,
      });
      context.keepSecret(made.token);
      await deps.browserSteps.record(accountId, accountConnector.Id, "create_credential_link", made.expiresAt, made.id);
      const asksFor = request.fields.map((f) => f.label);
      // Never the link itself: its token is a secret, and what is carried is not.
      context.rounds.carry("link", { expiresAtUtc: made.expiresAt.toISOString(), asksFor });
      link = { url: made.url, expiresAtUtc: made.expiresAt.toISOString(), asksFor, used: made.used };
    }
    const { url, asksFor, expiresAtUtc } = link;
    let openedByClient: "accepted" | "declined" | undefined;
    // A link for someone else is sent to them: this client's person is not the one to open it.
    if (context.person.openUrl && !args.forSomeoneElse) {
      const opened = await context.person.openUrl(`Enter ${asksFor.join(", ")} for ${definition.Name} on a secure page.`, url);
      openedByClient = opened.accepted ? "accepted" : "declined";
      const { complete } = opened;
      const used = link.used;
      if (opened.accepted && complete && used) {
        context.background(async (signal) => {
          const aborted = new Promise<boolean>((resolve) => signal.addEventListener("abort", () => resolve(false), { once: true }));
          if (await Promise.race([used, aborted])) await complete();
        });
      }
    }
    const nextStep = waitingStep(
      { accountConnectorId: accountConnector.Id, accountId, ...(args.cycleId !== undefined && { cycleId: args.cycleId }) },
      "create_credential_link",
      openedByClient === "declined"
        ? url !== undefined
          ? `The person declined to open the page in their client. Ask whether they want to continue; if so, give them the link to open themselves: they enter ${asksFor.join(", ")} there.`
          : `The person declined to open the page in their client. Ask whether they want to continue; if so, call create_credential_link again for a new link: they enter ${asksFor.join(", ")} there.`
        : args.forSomeoneElse
          ? `Send the link to the person it is for: they enter ${asksFor.join(", ")} there, on a page that says you sent it, for this account. It works once, for 10 minutes.`
          : `${openedByClient === "accepted" ? "The page was opened for the person" : "Give the person the link"}: they enter ${asksFor.join(", ")} there. It works once, for 10 minutes.`,
    );
    // What the person is doing now, and the call that follows.
    const setup = { ...computeSetupState(accountConnector, definition, accountId, args.cycleId), nextStep };
    const shown = openedByClient !== "accepted" ? url : undefined;
    return {
      structuredContent: {
        accountId,
        accountConnectorId: accountConnector.Id,
        ...(shown !== undefined && { url: shown }),
        asksFor,
        expiresAtUtc,
        validForMinutes: LINK_MINUTES,
        singleUse: true as const,
        ...(openedByClient && { openedByClient }),
        setup,
      },
      reveal: shown !== undefined ? [shown] : [],
      text:
        `Credential page for ${definition.Name} (account connector ${accountConnector.Id}), asking for ${asksFor.join(", ")}` +
        `${openedByClient === "accepted" ? ": the client opened it for the person." : shown !== undefined ? `: ${shown}` : "."}\n` +
        `It works once and expires at ${expiresAtUtc} (${LINK_MINUTES} minutes). Then call ${nextStep.tool} with ${nextStep.tool === "get_cycle" ? "waitForActivation" : "waitForAuthentication"}.`,
    };
  },
});

/** What the round that made the page carries to the next (2026-07-28): when it expires and what it asks for, never the link. */
const MadeLinkSchema = z.object({ expiresAtUtc: z.string(), asksFor: z.array(z.string()) });
