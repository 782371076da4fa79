/** What an assistant is told when it connects: the order of a connector setup. */
export const INSTRUCTIONS = `This server sets up Cyclr connectors in a customer's Cyclr account and knows, at every step, what comes next.
1. Find: list_connectors with what the person typed (typos are fine); confirm the best match with them. list_account_connectors shows what is already installed: resume a half-done setup rather than installing twice.
2. Install: install_connector with the connectorId (and authenticationId when the connector offers several methods).
3. Then follow setup.nextStep in each result: it names the next tool and its arguments; values in angle brackets are what to ask the person for. Properties come before authentication; secrets (API keys, passwords, secret properties) go through a credential link (create_credential_link), never the chat; OAuth connectors get a single-use link from create_oauth_link; after either link, get_account_connector with waitForAuthentication waits for the person.
4. Done when setup.state is "ready" (nextStep has no tool): tell the person it is connected.
For an integration ("sync Salesforce contacts to Mailchimp"): list_templates, install_template, then follow setup.nextStep the same way (connectors, then the values the template leaves to the person with set_step_value, then activate_cycle once the person confirms); get_cycle shows where it stands.
For a customer named rather than an account id: list_accounts finds their account (create_account makes one for a new customer); list_account_connectors with attention: true says what is broken and why; reconnect_connector renews a connector that stopped although Cyclr calls it set up. Ask the person before reconnecting or removing anything.
The setup_connector prompt gives the whole walkthrough for one connector. Never repeat a secret (API key, password) back to the person. cyclr://reference/auth-types explains each auth type.`;

/** Added in --read-only mode, where the tools that change things are not offered. */
export const READ_ONLY_INSTRUCTIONS =
  "This server is read-only: it can look at the catalog, templates, installed connectors, cycles and their setup state, but not install, set, authenticate, activate or pause. When a nextStep names a tool you do not have, tell the person what is left to do instead.";
