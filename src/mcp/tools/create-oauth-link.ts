import { randomUUID } from "node:crypto";
import * as z from "zod";
import { buildOAuthLink } from "../../setup/auth-values.js";
import { checkTargetOrigin } from "../../setup/target-origin.js";
import { accountConnectorAuth, computeSetupState, possibleMethods, waitingStep } from "../../setup/setup-state.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { connectorDefinition } from "../shared/account-connectors.js";
import { waitForAuthentication } from "../shared/authentication-wait.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountConnectorIdArg, accountIdArg, forCycleArg } from "../shared/arguments.js";
import { forSomeoneElseArg, linkParties } from "../shared/link-parties.js";
import { setupStateSchema } from "../shared/results.js";

/** Cyclr's sign-in tokens are single-use and last 5 minutes (api-notes §7). */
const LINK_MINUTES = 5;
/** A page of this server before the sign-in lasts as long as a credential page: Cyclr's 5 minutes start when the person goes on. */
const PAGE_MINUTES = 10;
/** How long, after the client opened the link for the person, the server watches for the sign-in to finish. */
const WATCH_MS = 15 * 60_000;
const DEFAULT_USERNAME = "cyclr-mcp";

export const createOAuthLink = defineTool({
  name: "create_oauth_link",
  title: "Create an OAuth sign-in link",
  description:
    "Create the single-use sign-in link (5 minutes; 10 where it first opens this server's page naming the account, which hosted sign-in needs) for an OAuth connector (step 4, after required properties): " +
    "give it to the person just before they use it; clients with URL elicitation open it and are told when it completes. Then get_account_connector with waitForAuthentication. Refuses connectors without OAuth.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    targetOrigin: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .optional()
      .describe(
        "Where the browser ends: a URL, or with callbackMessage the opener's origin; allowed origins only (CYCLR_OAUTH_TARGET_ORIGINS, the service domain, this server). " +
          "Default: this server's \"connected\" page.",
      ),
    callbackMessage: z
      .string()
      .max(500)
      .optional()
      .describe("Posted to the opener window when done (embedded popups) instead of a redirect."),
    username: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe(`The account user signing in (created if missing); default "${DEFAULT_USERNAME}".`),
    accountId: accountIdArg,
    cycleId: forCycleArg,
    forSomeoneElse: forSomeoneElseArg,
  },
  outputSchema: {
    accountId: z.string(),
    accountConnectorId: z.number(),
    url: z.string().optional().describe("The link for the person to open. Single-use. Left out when the client opened it for the person (URL elicitation)."),
    expiresAtUtc: z.string().describe("When the link stops working (UTC)."),
    singleUse: z.literal(true),
    validForMinutes: z.number(),
    openedByClient: z
      .enum(["accepted", "declined"])
      .optional()
      .describe("Present when the client was asked to open the link (URL elicitation): whether the person agreed to open it."),
    setup: setupStateSchema,
  },
  cyclrCalls:
    "`GET /v1.0/accounts/{accountId}` (its name, for the pages); `POST /v1.0/accounts/{accountId}/signintoken` `{Username}` (hosted with the pages' sign-in, or for someone else: when the person goes on from this server's page); " +
    "the sign-in link is `https://{service domain}/connectorauth/updateaccountconnectoroauth?id=&token=&targetOrigin=`",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  ui: { card: "setup-card" },
  handler: (deps) => async (args, context) => {
    const { signal } = context;
    const accountId = resolveAccountId(args.accountId, deps);
    if (!deps.serviceDomain) {
      throw new ToolInputError(
        "No service domain configured: start the server with CYCLR_SERVICE_DOMAIN (your partner service domain, e.g. acme-h.cyclr.com, " +
          "shown in the Cyclr Console under Settings > General Settings).",
      );
    }
    // The link is a genuine service-domain link: where it ends must be a place the operator chose.
    let target = args.targetOrigin !== undefined ? checkTargetOrigin(args.targetOrigin, deps.oauthTargetOrigins) : undefined;
    if (target && !target.allowed) {
      throw new ToolInputError(
        `targetOrigin ${target.reason}. Allowed origins: ${deps.oauthTargetOrigins.join(", ") || "none"}; pass one of them (or a URL on one), ` +
          "or leave targetOrigin out to end on this server's own page (or the service domain). The server's operator can allow more with CYCLR_OAUTH_TARGET_ORIGINS (--oauth-target-origins).",
      );
    }
    const accountConnector = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, accountConnector, signal);
    const { authType, oauth2Type } = accountConnectorAuth(accountConnector, definition);
    // Any method that may be the one chosen at install will do (Cyclr may not say which it is).
    if (!possibleMethods(accountConnector, definition).includes("oauthLink")) {
      const { nextStep } = computeSetupState(accountConnector, definition, accountId, args.cycleId);
      throw new ToolInputError(
        `${definition.Name} (account connector ${accountConnector.Id}) does not use an OAuth sign-in` +
          `${authType ? ` (auth type ${authType}${oauth2Type ? `/${oauth2Type}` : ""})` : ""}. ` +
          `${nextStep.tool ? `Next: ${nextStep.tool}. ` : ""}${nextStep.instruction}`,
      );
    }

    // On a 2026-07-28 client, the round after the person was asked to open the link: it was made then, and is not made again.
    const earlier = MadeLinkSchema.safeParse(context.rounds.carried("link"));
    let link: { url?: string; expiresAtUtc: string; id: string; minutes: number };
    if (earlier.success) {
      link = earlier.data;
    } else {
      const parties = await linkParties(deps, { accountId, connectorName: definition.Name, forSomeoneElse: args.forSomeoneElse }, signal);
      // Names this link in the browser step: reaching its landing page ends that step, and no later link's.
      const linkId = randomUUID();
      if (!target) {
        // By default the person lands on this server's own page, which says they can go back to the
        // conversation; a callback message is for an opener window, so it keeps the service domain.
        const landing = args.callbackMessage === undefined ? await deps.oauthLanding?.(definition.Name, { accountId, accountConnectorId: accountConnector.Id, link: linkId, parties }).catch(() => undefined) : undefined;
        const own = landing !== undefined ? checkTargetOrigin(landing, deps.oauthTargetOrigins) : undefined;
        target = own?.allowed ? own : checkTargetOrigin(deps.serviceDomain, deps.oauthTargetOrigins);
      }
      if (!target.allowed) throw new ToolInputError(`The service domain ${deps.serviceDomain} is not an allowed targetOrigin (${target.reason}): pass targetOrigin.`);
      const username = args.username ?? DEFAULT_USERNAME;
      // Where the pages sign the person in (or name a sender), the link opens a page of this server,
      // which asks Cyclr for the sign-in link once the person goes on from it.
      const page = await deps.credentialLinks?.createSignInPage({
        ...parties,
        accountConnectorId: accountConnector.Id,
        serviceDomain: deps.serviceDomain,
        username,
        targetOrigin: target.targetOrigin,
        ...(args.callbackMessage !== undefined && { callbackMessage: args.callbackMessage }),
      });
      let url: string;
      let expiresAtUtc: string;
      if (page) {
        context.keepSecret(page.token);
        url = page.url;
        expiresAtUtc = page.expiresAt.toISOString();
      } else {
        const signIn = await deps.cyclr.createSignInToken(accountId, username, { signal });
        context.keepSecret(signIn.Token);
        url = buildOAuthLink({
          serviceDomain: deps.serviceDomain,
          accountConnectorId: accountConnector.Id,
          signInToken: signIn.Token,
          targetOrigin: target.targetOrigin,
          ...(args.callbackMessage !== undefined && { callbackMessage: args.callbackMessage }),
        });
        expiresAtUtc = signIn.ExpiresAtUtc;
      }
      const minutes = page ? PAGE_MINUTES : LINK_MINUTES;
      await deps.browserSteps.record(accountId, accountConnector.Id, "create_oauth_link", page?.expiresAt ?? new Date(Date.now() + LINK_MINUTES * 60_000), linkId);
      // Never the link itself: its token is a secret, and what is carried is not.
      context.rounds.carry("link", { expiresAtUtc, id: linkId, minutes });
      link = { url, expiresAtUtc, id: linkId, minutes };
    }
    const { url, minutes } = link;
    let openedByClient: "accepted" | "declined" | undefined;
    // A link for someone else is sent to them: this client's person is not the one to open it.
    if (context.person.openUrl && !args.forSomeoneElse) {
      const opened = await context.person.openUrl(`Sign in to ${definition.Name} to connect it to your Cyclr account.`, url);
      openedByClient = opened.accepted ? "accepted" : "declined";
      const complete = opened.complete;
      if (opened.accepted && complete) {
        // Tell the client when the person has finished, so it can close the browser step.
        context.background(async (watchSignal) => {
          const { outcome } = await waitForAuthentication(deps.accountConnectorPolls, accountId, accountConnector.Id, {
            timeoutMs: WATCH_MS,
            signal: watchSignal,
            waitingFor: "create_oauth_link",
          });
          if (outcome !== "done") return;
          // Seen done, landing page or not: the step is over for every replica.
          await deps.browserSteps.end(accountId, accountConnector.Id, link.id).catch(() => undefined);
          await complete();
        });
      }
    }
    const nextStep = waitingStep(
      { accountConnectorId: accountConnector.Id, accountId, ...(args.cycleId !== undefined && { cycleId: args.cycleId }) },
      "create_oauth_link",
      openedByClient === "declined"
        ? url !== undefined
          ? `The person declined to open the link in their client. Ask whether they want to continue; if so, give them the link to open themselves (it works once, for ${minutes} minutes).`
          : "The person declined to open the link in their client. Ask whether they want to continue; if so, call create_oauth_link again for a new link."
        : args.forSomeoneElse
          ? `Send the link to the person it is for: its page says you sent it, for this account, before they sign in. It works once and expires in ${minutes} minutes.`
          : `${openedByClient === "accepted" ? "The link was opened for the person" : "Give the person the link to open in their browser"}; it works once and expires in ${minutes} minutes.`,
    );
    // What the person is doing now, and the call that follows.
    const setup = { ...computeSetupState(accountConnector, definition, accountId, args.cycleId), nextStep };
    // With URL elicitation the client has the link: the one-time token need not pass through the model.
    const shown = openedByClient !== "accepted" ? url : undefined;
    return {
      structuredContent: {
        accountId,
        accountConnectorId: accountConnector.Id,
        ...(shown !== undefined && { url: shown }),
        expiresAtUtc: link.expiresAtUtc,
        singleUse: true as const,
        validForMinutes: minutes,
        ...(openedByClient && { openedByClient }),
        setup,
      },
      reveal: shown !== undefined ? [shown] : [],
      text:
        `OAuth link for ${definition.Name} (account connector ${accountConnector.Id})${shown !== undefined ? `: ${shown}` : ""}\n` +
        `${openedByClient === "accepted" ? "The client opened it for the person." : openedByClient === "declined" ? "The person declined to open it." : "Give it to the person to open in their browser."} ` +
        `It works once and expires at ${link.expiresAtUtc} (${minutes} minutes). ` +
        `Then call ${nextStep.tool} with ${nextStep.tool === "get_cycle" ? "waitForActivation" : "waitForAuthentication"} to verify.`,
    };
  },
});

/** What the round that made the link carries to the next (2026-07-28): when it expires and the id naming its browser step, never the link. */
const MadeLinkSchema = z.object({ expiresAtUtc: z.string(), id: z.string(), minutes: z.number().default(LINK_MINUTES) });
