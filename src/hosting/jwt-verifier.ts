/**
 * Checks a JWT access token with jose: the signature (the authorization server's published keys,
 * asymmetric algorithms only, or the HS256 shared secret), the issuer, the audience and the
 * lifetime. auth.ts loads this module with the first JWT it sees (or the first readiness check with
 * an issuer), so a deployment of static tokens never loads jose.
 */
import { createSecretKey } from "node:crypto";
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions, type RemoteJWKSet } from "jose";
import { discoverAuthorizationServerMetadata } from "@modelcontextprotocol/client";
import * as z from "zod";
import type { JwtAuthConfig } from "../config/index.js";

/** Asymmetric algorithms only from an authorization server: its JWKS holds public keys, and "none" is never a signature. */
const ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
/** A partner's backend signs with the shared secret: HS256, nothing else. */
const SECRET_ALGORITHM = "HS256";
/** Leeway for clocks that disagree a little on exp and nbf. */
const CLOCK_TOLERANCE_SECONDS = 30;
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_MAX_AGE_MS = 10 * 60_000;

/** What this server needs of the authorization server's metadata (RFC 8414, or OpenID discovery). */
const IssuerMetadataSchema = z.looseObject({ issuer: z.string(), jwks_uri: z.url().optional() });

/** A token checked: its claims, or what is wrong with it in words safe to send back (never the token). */
export type Verified = { payload: unknown } | { problem: string };

export interface JwtVerifierOptions {
  jwt: JwtAuthConfig;
  /** The audience tokens must name (MCP_HTTP_AUTH_AUDIENCE, default the resource URL). */
  audience: string;
  /** How soon after a fetch of the keys a token with an unknown kid may fetch them again (jose's cooldownDuration); default 30 s. */
  jwksCooldownMs?: number;
}

class TokenProblem {
  constructor(readonly description: string) {}
}

export class JwtVerifier {
  private keys?: Promise<RemoteJWKSet>;

  constructor(private readonly options: JwtVerifierOptions) {}

  /**
   * Whether tokens can be checked now (for /readyz): with an issuer, its keys have been fetched and
   * are fresh, or can be fetched now. With a shared secret there is nothing to fetch.
   */
  async ready(): Promise<boolean> {
    if (this.options.jwt.signer.kind !== "issuer") return true;
    try {
      const keys = await this.signingKeys();
      if (!keys.fresh) await keys.reload();
      return true;
    } catch {
      return false;
    }
  }

  /** The token's claims once jose has checked it, or the check that failed; throws only when the keys themselves cannot be had. */
  async verify(token: string): Promise<Verified> {
    try {
      return { payload: await this.verifiedPayload(token) };
    } catch (error) {
      if (error instanceof TokenProblem) return { problem: error.description };
      throw error;
    }
  }

  private async verifiedPayload(token: string): Promise<unknown> {
    const { jwt } = this.options;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new TokenProblem("is malformed (not a JWT)");
    }
    if (typeof alg !== "string") throw new TokenProblem("is malformed (no alg in its header)");
    if (alg.toLowerCase() === "none") throw new TokenProblem("is unsigned (alg none)");
    // The header is the sender's: named back only when it looks like an algorithm.
    const named = /^[A-Za-z0-9+-]{1,16}$/.test(alg) ? alg : "an unknown algorithm";
    const common: JWTVerifyOptions = { audience: this.options.audience, requiredClaims: ["exp", "sub"], clockTolerance: CLOCK_TOLERANCE_SECONDS };
    try {
      if (jwt.signer.kind === "secret") {
        if (alg !== SECRET_ALGORITHM) throw new TokenProblem(`is signed with ${named}: this server accepts only ${SECRET_ALGORITHM} tokens signed with its shared secret`);
        return (await jwtVerify(token, createSecretKey(Buffer.from(jwt.signer.secret, "utf8")), { ...common, algorithms: [SECRET_ALGORITHM] })).payload;
      }
      // An HMAC "signed" with the server's public key (which anyone can read) would verify if it were allowed.
      if (/^HS\d+$/i.test(alg)) throw new TokenProblem(`is signed with ${named}, a shared-secret algorithm: a token from the authorization server must be signed with its private key`);
      if (!ASYMMETRIC_ALGORITHMS.includes(alg)) throw new TokenProblem(`is signed with ${named}, an algorithm this server does not accept`);
      const keys: JWTVerifyGetKey = await this.signingKeys();
      return (await jwtVerify(token, keys, { ...common, issuer: jwt.signer.issuer, algorithms: ASYMMETRIC_ALGORITHMS })).payload;
    } catch (error) {
      if (error instanceof TokenProblem) throw error;
      const problem = tokenProblem(error);
      if (problem === undefined) throw error;
      throw new TokenProblem(problem);
    }
  }

  /**
   * The issuer's keys, found once from its metadata (or MCP_HTTP_AUTH_JWKS_URL). jose keeps them
   * for 10 minutes, and a token with a key id it does not know fetches them again, at most once per
   * cooldown: a rotation needs no restart, and a stream of made-up key ids costs one fetch per cooldown.
   */
  private signingKeys(): Promise<RemoteJWKSet> {
    const { signer } = this.options.jwt;
    if (signer.kind !== "issuer") return Promise.reject(new Error("no issuer"));
    this.keys ??= (async () => {
      let jwksUrl = signer.jwksUrl;
      if (jwksUrl === undefined) {
        const found = await discoverAuthorizationServerMetadata(signer.issuer);
        if (!found) throw new Error(`no authorization server metadata found for ${signer.issuer}`);
        const metadata = IssuerMetadataSchema.parse(found);
        // RFC 8414 §3.3: metadata that names another issuer is not this server's.
        if (metadata.issuer !== signer.issuer) throw new Error(`the metadata at ${signer.issuer} names another issuer (${metadata.issuer})`);
        if (!metadata.jwks_uri) throw new Error(`the metadata of ${signer.issuer} has no jwks_uri: set MCP_HTTP_AUTH_JWKS_URL`);
        jwksUrl = metadata.jwks_uri;
      }
      return createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5_000, cooldownDuration: this.options.jwksCooldownMs ?? JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS });
    })().catch((error: unknown) => {
      // Try again on the next request rather than failing for good.
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }
}

/** What is wrong with the token, in words safe to send back; undefined when it is not the token (the keys could not be fetched). */
function tokenProblem(error: unknown): string | undefined {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) return undefined;
  if (error instanceof errors.JWTExpired) return "has expired (exp)";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return `has no ${error.claim} claim`;
    if (error.claim === "nbf") return "is not yet valid (nbf)";
    if (error.claim === "iat") return "is not yet valid (iat)";
    if (error.claim === "aud") return "was issued for another audience (aud)";
    if (error.claim === "iss") return "is from another issuer (iss)";
    return `has an invalid ${error.claim} claim`;
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return "is signed by a key the authorization server does not publish (unknown kid)";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "has a signature that does not verify";
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return "is signed with an algorithm this server does not accept";
  return "is malformed (not a valid JWT)";
}
