/**
 * The cost of checking a JWT access token beside a static token: in process (CallerAuthentication
 * alone, keys cached), and per call of a hosted server that takes both.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { built, envFor, median, ms, spawnHosted, spread, startSandbox, us } from "../shared.mjs";

export default { name: "auth", run };

/** A loopback issuer (RFC 8414 metadata and a JWKS) whose ES256 key the bench holds. */
async function startIssuer() {
  const { createServer } = await import("node:http");
  const { exportJWK, generateKeyPair } = await import("jose");
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256", use: "sig" };
  let fetches = 0;
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/jwks") fetches++;
    if (req.url === "/.well-known/oauth-authorization-server") res.end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/a`, token_endpoint: `${issuer}/t`, response_types_supported: ["code"], jwks_uri: `${issuer}/jwks` }));
    else if (req.url === "/jwks") res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end("{}");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, privateKey, fetches: () => fetches, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function run({ quick, row }) {
  const count = quick ? 50 : 300;
  const { SignJWT } = await import("jose");
  const sandbox = await startSandbox();
  const issuer = await startIssuer();
  const staticToken = "bench-static-token-0123456789abcdef";
  const mint = (audience) =>
    new SignJWT({ scope: "cyclr:read cyclr:write", cyclr_account: sandbox.accountId, client_id: "bench" })
      .setProtectedHeader({ alg: "ES256", kid: "bench" })
      .setSubject("bench-person")
      .setIssuer(issuer.issuer)
      .setAudience(audience)
      .setExpirationTime("1h")
      .sign(issuer.privateKey);

  // In process: CallerAuthentication.authenticate alone, keys cached after the first token.
  const { CallerAuthentication } = await built("hosting/auth.js");
  const { Redactor } = await built("redact.js");
  const { silentLogger } = await built("log.js");
  const resource = new URL("http://127.0.0.1:1/mcp");
  const auth = new CallerAuthentication({
    tokens: [{ token: staticToken, accountId: sandbox.accountId }],
    jwt: { signer: { kind: "issuer", issuer: issuer.issuer }, accountClaim: "cyclr_account", allowUnpinned: false },
    resource,
    redactor: new Redactor(),
    logger: silentLogger,
  });
  const jwt = await mint(resource.href);
  const request = (token) => ({ headers: { authorization: `Bearer ${token}` } });
  await auth.authenticate(request(jwt));
  const timeEach = async (token) => {
    const times = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      const result = await auth.authenticate(request(token));
      times.push(performance.now() - t);
      if ("refused" in result) throw new Error(`bench token refused: ${result.refused.message}`);
    }
    return times;
  };
  const jwtChecks = await timeEach(jwt);
  const staticChecks = await timeEach(staticToken);
  row(`Auth: checking a token (${count} each, in process)`, `JWT (ES256, cached JWKS) ${spread(jwtChecks, us)}`, `static token ${spread(staticChecks, us)}`, "—");

  const fetchesBefore = issuer.fetches();
  // Over HTTP: one hosted server taking both, N calls each way on one session, median per call.
  const { url, child } = await spawnHosted({ ...envFor(sandbox), MCP_HTTP_AUTH_ISSUER: issuer.issuer, MCP_HTTP_PAGE_SIGN_IN: "off", MCP_HTTP_TOKENS: `${staticToken}=${sandbox.accountId}` });
  const perCall = async (token) => {
    const client = new Client({ name: "bench-auth", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    await client.callTool({ name: "list_account_connectors", arguments: {} });
    const times = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      const result = await client.callTool({ name: "list_account_connectors", arguments: {} });
      times.push(performance.now() - t);
      if (result.isError) throw new Error("bench call failed");
    }
    await client.close();
    return times;
  };
  const overJwt = await perCall(await mint(url));
  const overStatic = await perCall(staticToken);
  child.kill("SIGTERM");
  row(
    `Auth: hosted list_account_connectors (${count} calls each way)`,
    `JWT ${spread(overJwt)} per call, +${ms(Math.max(0, median(overJwt) - median(overStatic)))}; the server fetched the JWKS ${issuer.fetches() - fetchesBefore}× in all`,
    `static token ${spread(overStatic)} per call`,
    "—",
  );
  await issuer.close();
  await sandbox.close();
}
