import * as z from "zod";
import { basicAuthValue } from "../../setup/auth-values.js";
import { accountConnectorAuth, computeSetupState, possibleMethods } from "../../setup/setup-state.js";
import { connectorDefinition } from "../shared/account-connectors.js";
import { ToolInputError } from "../errors.js";
import { defineTool } from "../tool.js";
import { resolveAccountId } from "../shared/account-policy.js";
import { accountConnectorIdArg, accountIdArg, forCycleArg } from "../shared/arguments.js";
import { connectorRefSchema, setupStateSchema, setupSummary } from "../shared/results.js";

export const authenticateConnector = defineTool({
  name: "authenticate_connector",
  title: "Authenticate with a key or password typed in the chat",
  description:
    "Store an API key, or a Basic username and password, that the person ALREADY typed in the chat. The chat reaches the model provider, transcripts and logs: create_credential_link is safer, so never ask for a secret in order to use this. Never repeat it back; it is never returned.",
  inputSchema: {
    accountConnectorId: accountConnectorIdArg,
    apiKey: z.string().min(1).max(10_000).optional().describe("ApiKey connectors. Secret."),
    username: z.string().min(1).max(500).optional().describe("Basic connectors; with password."),
    password: z.string().min(1).max(2000).optional().describe("Basic connectors. Secret."),
    accountId: accountIdArg,
    cycleId: forCycleArg,
  },
  outputSchema: {
    accountId: z.string(),
    accountConnectorId: z.number(),
    connector: connectorRefSchema,
    authenticated: z.boolean(),
    setup: setupStateSchema,
  },
  // Idempotent: storing the same credential twice leaves the same state; destructive: it replaces the one stored.
  cyclrCalls: "`GET /v1.0/account/connectors/{id}`, `PUT /v1.0/account/connectors/{id}` `{AuthValue}`",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  ui: { card: "setup-card" },
  secrets: (args) => [
    args.apiKey,
    args.password,
    args.username !== undefined && args.password !== undefined ? basicAuthValue(args.username, args.password) : undefined,
  ],
  handler: (deps) => async (args, { signal }) => {
    const basic = args.username !== undefined || args.password !== undefined;
    if (basic && (args.username === undefined || args.password === undefined)) {
      throw new ToolInputError("username and password go together: give both for an HTTP Basic connector.");
    }
    if (basic === (args.apiKey !== undefined)) {
      throw new ToolInputError("Give either apiKey (an ApiKey connector) or username and password (an HTTP Basic connector).");
    }
    const accountId = resolveAccountId(args.accountId, deps);
    const current = await deps.cyclr.getAccountConnector(accountId, args.accountConnectorId, { signal });
    const definition = await connectorDefinition(deps.cyclr, accountId, current, signal);
    const { authType, oauth2Type } = accountConnectorAuth(current, definition);
    const expected = basic ? "basic" : "apiKey";
    // Any method that may be the one chosen at install will do (Cyclr may not say which it is).
    const possible = possibleMethods(current, definition);
    if (!possible.includes(expected) && !possible.includes("unknown")) {
      const needs = computeSetupState(current, definition, accountId, args.cycleId).nextStep;
      throw new ToolInputError(
        `${definition.Name} (account connector ${current.Id}) authenticates with ${authType ?? "another method"}` +
          `${oauth2Type ? `/${oauth2Type}` : ""}, not ${basic ? "a username and password" : "an API key"}. ` +
          `${needs.tool ? `Next: ${needs.tool}. ` : ""}${needs.instruction}`,
      );
    }
    const authValue = basic ? basicAuthValue(args.username ?? "", args.password ?? "") : (args.apiKey ?? "");
    const updated = await deps.cyclr.setAccountConnectorAuthValue(accountId, current.Id, authValue, { signal });
    const setup = computeSetupState(updated, definition, accountId, args.cycleId);
    return {
      structuredContent: {
        accountId,
        accountConnectorId: updated.Id,
        connector: { id: definition.Id, name: definition.Name },
        authenticated: updated.Authenticated,
        setup,
      },
      text: `${basic ? "Username and password" : "API key"} stored on ${definition.Name} (account connector ${updated.Id}); ${updated.Authenticated ? "authenticated" : "not authenticated yet"}. ${setupSummary(setup)}`,
    };
  },
});
