/**
 * An MCP client signing a person in the way a real one does: the SDK's own client OAuth code
 * (discovery from the 401, dynamic registration, PKCE, the resource indicator), the person's login
 * and consent at the test authorization server driven over HTTP.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { AuthorizationServer } from "./authorization-server.js";

/** The SDK's client-side OAuth provider, in memory: "redirecting" the person is the test driving the authorization server. */
export class PersonAtTheKeyboard implements OAuthClientProvider {
  private information?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier = "";
  /** The code the last sign-in came back with. */
  signedIn?: Promise<string>;

  constructor(
    private readonly as: AuthorizationServer,
    private readonly person: string,
  ) {}

  get redirectUrl(): string {
    return "http://127.0.0.1:9/callback";
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: "cyclr-mcp tests", redirect_uris: [this.redirectUrl], grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.signedIn = this.as.signIn(url, this.person).then((back) => {
      const code = back.searchParams.get("code");
      if (!code) throw new Error(`no code in ${back.href}`);
      return code;
    });
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  accessToken(): string {
    if (!this.saved) throw new Error("no token yet");
    return this.saved.access_token;
  }
}

/** Connects as the person: the first attempt is sent to sign in, the code is exchanged, the second connects. */
export async function connectThroughSignIn(
  as: AuthorizationServer,
  person: string,
  url: string,
): Promise<{ client: Client; provider: PersonAtTheKeyboard; transport: StreamableHTTPClientTransport }> {
  const provider = new PersonAtTheKeyboard(as, person);
  const first = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const refused = await new Client({ name: "oauth-tests", version: "0" }).connect(first).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(refused instanceof UnauthorizedError)) throw new Error(`expected the first connection to be sent to sign in, got ${String(refused)}`);
  await first.finishAuth(await provider.signedIn!);
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: "oauth-tests", version: "0" });
  await client.connect(transport);
  return { client, provider, transport };
}
