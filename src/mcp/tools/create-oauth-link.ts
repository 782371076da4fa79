import { z } from "zod";
import { authMethodKind } from "../../setup/auth-types.js";
import { buildOAuthLink } from "../../setup/auth-values.js";
import { accountConnectorAuth } from "../../setup/setup-state.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { connectorDefinition } from "./get-account-connector.js";
import { accountConnectorIdArg, accountIdArg, resolveAccountId } from "./shared.js";

/** Cyclr's sign-in tokens are single-use and last 5 minutes (api-notes §7). */
const LINK_MINUTES = 5;
const DEFAULT_USERNAME = "cyclr-mcp";

export const createOAuthLink = defineTool({
  name: "create_oauth_link",
  title: "Create an OAuth sign-in link",
  description:
    "Create the link a person opens in their browser to authenticate an OAuth connector (step 4 of setup, after required " +
    "properties are set). Give the url to the person; it works once and expires after 5 minutes, so create it just before " +
    "they use it. When they are done, call get_account_connector to verify. Refuses connectors that do not use OAuth.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    targetOrigin: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .describe("Where the browser goes when the person is done: a URL to redirect to, or, with callbackMessage, the origin of the window that opened the link."),
    callbackMessage: z
      .string()
      .max(500)
      .optional()
      .describe("A message posted to the opener window when done (for embedded popups). Leave out to redirect to targetOrigin."),
    username: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe(`The Cyclr account user the sign-in is made as; created if missing. Default "${DEFAULT_USERNAME}".`),
    accountId: accountIdArg,
  },
  outputSchema: {
    accountId: z.string(),
    accountConnectorId: z.number(),
    url: z.string().describe("The link for the person to open. Single-use."),
    expiresAtUtc: z.string().describe("When the link stops working (UTC)."),
    singleUse: z.literal(true),
    validForMinutes: z.number(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: (deps) => async (args, { signal }) => {
    const accountId = resolveAccountId(args.accountId, deps);
    if (!deps.serviceDomain) {
      throw new ToolInputError(
        "No service domain configured: start the server with CYCLR_SERVICE_DOMAIN (your partner service domain, e.g. acme-h.cyclr.com, " +
          "shown in the Cyclr Console under Settings > General Settings).",
      );
    }
    const accountConnector = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, accountConnector, signal);
    const { authType, oauth2Type } = accountConnectorAuth(accountConnector, definition);
    const method = authMethodKind(authType, oauth2Type);
    if (method !== "oauthLink") {
      const how: Record<string, string> = {
        apiKey: "it takes an API key (install_connector with authValue)",
        basic: "it takes a username and password (install_connector with username and password)",
        authFields: "it takes authentication fields (set_connector_properties)",
        clientCredentials: "it uses OAuth 2 client credentials: set its ClientId and ClientSecret properties and Cyclr authenticates by itself",
        none: "it needs no authentication",
        unknown: "its authentication method is unknown; authenticate it in the Cyclr console",
      };
      throw new ToolInputError(
        `${definition.Name} (account connector ${accountConnector.Id}) does not use an OAuth sign-in${authType ? ` (auth type ${authType}${oauth2Type ? `/${oauth2Type}` : ""})` : ""}: ${how[method]}.`,
      );
    }

    const signIn = await deps.cyclr.createSignInToken(accountId, args.username ?? DEFAULT_USERNAME, { signal });
    const url = buildOAuthLink({
      serviceDomain: deps.serviceDomain,
      accountConnectorId: accountConnector.Id,
      signInToken: signIn.Token,
      targetOrigin: args.targetOrigin,
      ...(args.callbackMessage !== undefined && { callbackMessage: args.callbackMessage }),
    });
    return {
      structuredContent: {
        accountId,
        accountConnectorId: accountConnector.Id,
        url,
        expiresAtUtc: signIn.ExpiresAtUtc,
        singleUse: true as const,
        validForMinutes: LINK_MINUTES,
      },
      text:
        `OAuth link for ${definition.Name} (account connector ${accountConnector.Id}): ${url}\n` +
        `Give it to the person to open in their browser. It works once and expires at ${signIn.ExpiresAtUtc} (${LINK_MINUTES} minutes). ` +
        "When they have approved access, call get_account_connector to verify.",
    };
  },
});
