/** What an assistant is told when it connects: the order of a connector setup. */
export const INSTRUCTIONS = `This server sets up Cyclr connectors in a customer's Cyclr account. Follow this order:
1. Find: list_connectors with a query (e.g. the app's name) to get the connector's id and auth types. cyclr://connectors/{connectorId} shows its authentication methods and properties.
2. Install: install_connector with the connectorId. For an ApiKey connector ask the person for the key and pass it as authValue; for Basic pass username and password. For a connector with several authentication methods pass authenticationId.
3. Set properties: if the result lists missingProperties, ask the person for each (use allowedValues when given) and call set_connector_properties.
4. Authenticate: for OAuth connectors call create_oauth_link and give the person the url; it is single-use and expires in 5 minutes.
5. Verify: get_account_connector until setup.state is "ready".
Every result carries setup.nextStep: the next tool and its arguments. Never repeat a secret (API key, password) back to the person. cyclr://reference/auth-types explains each auth type.`;
