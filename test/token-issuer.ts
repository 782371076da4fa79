/**
 * A minimal authorization server for the tests that mint their own tokens: RFC 8414 metadata and a
 * JWKS on loopback, an ES256 key (and an RSA one, whose public key an attacker might use as an
 * HS256 secret), key rotation, and a count of JWKS fetches. The full OAuth flow is
 * authorization-server.ts (oidc-provider).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

export interface TokenIssuer {
  issuer: string;
  /** The PEM of the published RSA key: public, so anyone may try it as an HS256 secret. */
  rsaPublicPem: string;
  /** A token signed by the current key, for `audience`; options override the header and times. */
  mint(claims: JWTPayload, audience: string, options?: { alg?: string; kid?: string; key?: CryptoKey | Uint8Array; expires?: string; notBefore?: string; issuer?: string }): Promise<string>;
  /** Publishes a new key (kid k2, k3, ...) in place of the old ones; later mints use it. */
  rotate(): Promise<void>;
  /** A key the issuer never publishes. */
  strangerKey: CryptoKey;
  jwksFetches(): number;
  close(): Promise<void>;
}

async function publicJwk(key: CryptoKey, kid: string, alg: string): Promise<JWK> {
  const jwk = { ...(await exportJWK(key)), kid, alg, use: "sig" };
  for (const part of ["d", "p", "q", "dp", "dq", "qi"] as const) delete jwk[part];
  return jwk;
}

export async function startTokenIssuer(): Promise<TokenIssuer> {
  let generation = 1;
  let current = (await generateKeyPair("ES256", { extractable: true })).privateKey;
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const strangerKey = (await generateKeyPair("ES256")).privateKey;
  let published = [await publicJwk(current, "k1", "ES256"), await publicJwk(rsa.privateKey, "r1", "RS256")];
  let fetches = 0;
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/oauth-authorization-server") {
      res.end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, response_types_supported: ["code"], jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === "/jwks") {
      fetches++;
      res.end(JSON.stringify({ keys: published }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    rsaPublicPem: await exportSPKI(rsa.publicKey),
    strangerKey,
    mint: (claims, audience, options = {}) => {
      const jwt = new SignJWT({ scope: "cyclr:read cyclr:write", ...claims })
        .setProtectedHeader({ alg: options.alg ?? "ES256", typ: "at+jwt", kid: options.kid ?? `k${generation}` })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(options.expires ?? "5m");
      if (options.notBefore) jwt.setNotBefore(options.notBefore);
      return jwt.sign(options.key ?? current);
    },
    rotate: async () => {
      generation++;
      current = (await generateKeyPair("ES256", { extractable: true })).privateKey;
      published = [await publicJwk(current, `k${generation}`, "ES256"), await publicJwk(rsa.privateKey, "r1", "RS256")];
    },
    jwksFetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
