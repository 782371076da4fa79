import { z } from "zod";
import { credentialRequest } from "../../setup/credential-request.js";
import { computeSetupState, waitingStep } from "../../setup/setup-state.js";
import { connectorDefinition } from "../shared/account-connectors.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountConnectorIdArg, accountIdArg, forCycleArg } from "../shared/arguments.js";
import { setupStateSchema } from "../shared/results.js";

const LINK_MINUTES = 10;

export const createCredentialLink = defineTool({
  name: "create_credential_link",
  title: "Create a credential link",
  description:
    "Create a one-time link (10 minutes) to a page of this server where the person types the connector's secrets (API key, username and password, secret properties): they go from the browser to Cyclr, never through the chat, so prefer it to asking. Clients with URL elicitation open it. Then get_account_connector with waitForAuthentication.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    accountId: accountIdArg,
    cycleId: forCycleArg,
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
  cyclrCalls: "`GET /v1.0/account/connectors/{id}`; when the person submits the page, `PUT .../properties/{propertyId}` (one it has) or `POST .../properties` (a new one) per secret property, then `PUT /v1.0/account/connectors/{id}` `{AuthValue}`",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  ui: { card: "setup-card" },
  handler: (deps) => async (args, context) => {
    const accountId = resolveAccountId(args.accountId, deps);
    if (!deps.credentialLinks) {
      throw new ToolInputError("Credential links are not available in this server; use authenticate_connector or set_connector_properties instead.");
    }
    const accountConnector = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal: context.signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, accountConnector, context.signal);
    const request = credentialRequest(accountConnector, definition, accountId);
    if (!request) {
      const { nextStep } = computeSetupState(accountConnector, definition, accountId, args.cycleId);
      throw new ToolInputError(
        `${definition.Name} (account connector ${accountConnector.Id}) needs no secret from the person now. ` +
          `${nextStep.tool ? `Next: ${nextStep.tool}. ` : ""}${nextStep.instruction}`,
      );
    }

    const link = await deps.credentialLinks.create({
      accountId,
      accountConnectorId: accountConnector.Id,
      connectorName: definition.Name,
      request,
      keepSecret: context.keepSecret,
    });
    context.keepSecret(link.token);
    await deps.browserSteps.record(accountId, accountConnector.Id, "create_credential_link", link.expiresAt, link.id);
    const asksFor = request.fields.map((f) => f.label);
    let openedByClient: "accepted" | "declined" | undefined;
    if (context.person.openUrl) {
      const opened = await context.person.openUrl(`Enter ${asksFor.join(", ")} for ${definition.Name} on a secure page.`, link.url);
      openedByClient = opened.accepted ? "accepted" : "declined";
      if (opened.accepted) {
        context.background(async (signal) => {
          const aborted = new Promise<boolean>((resolve) => signal.addEventListener("abort", () => resolve(false), { once: true }));
          if (await Promise.race([link.used, aborted])) await opened.complete();
        });
      }
    }
    const nextStep = waitingStep(
      { accountConnectorId: accountConnector.Id, accountId, ...(args.cycleId !== undefined && { cycleId: args.cycleId }) },
      "create_credential_link",
      openedByClient === "declined"
        ? `The person declined to open the page in their client. Ask whether they want to continue; if so, give them the link to open themselves: they enter ${asksFor.join(", ")} there.`
        : `${openedByClient === "accepted" ? "The page was opened for the person" : "Give the person the link"}: they enter ${asksFor.join(", ")} there. It works once, for 10 minutes.`,
    );
    // What the person is doing now, and the call that follows.
    const setup = { ...computeSetupState(accountConnector, definition, accountId, args.cycleId), nextStep };
    const expiresAtUtc = link.expiresAt.toISOString();
    return {
      structuredContent: {
        accountId,
        accountConnectorId: accountConnector.Id,
        ...(openedByClient !== "accepted" && { url: link.url }),
        asksFor,
        expiresAtUtc,
        validForMinutes: LINK_MINUTES,
        singleUse: true as const,
        ...(openedByClient && { openedByClient }),
        setup,
      },
      reveal: [link.url],
      text:
        `Credential page for ${definition.Name} (account connector ${accountConnector.Id}), asking for ${asksFor.join(", ")}` +
        `${openedByClient === "accepted" ? ": the client opened it for the person." : `: ${link.url}`}\n` +
        `It works once and expires at ${expiresAtUtc} (${LINK_MINUTES} minutes). Then call ${nextStep.tool} with ${nextStep.tool === "get_cycle" ? "waitForActivation" : "waitForAuthentication"}.`,
    };
  },
});
