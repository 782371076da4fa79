/**
 * A credential page's form, once the router (credential-pages.ts) has checked the request: the
 * claim on the link (one submission at a time, over every replica), the check of what was typed,
 * the writes to Cyclr, and spending the link. (The link as the store keeps it is link-records.ts.)
 */
import type { ServerResponse } from "node:http";
import * as z from "zod";
import { CyclrError, CyclrHttpError } from "../cyclr/errors.js";
import type { BrowserSteps } from "../mcp/shared/authentication-wait.js";
import { existingPropertyId } from "../mcp/shared/properties.js";
import type { HashedForm, Redactor, SecretHash } from "../redact.js";
import { basicAuthValue } from "../setup/auth-values.js";
import { PROPERTY_FIELD } from "../setup/credential-request.js";
import { readJson, type Store } from "../store/index.js";
import { credentialFormPage, notFoundPage, sendPage, successPage, type PageParties } from "./credential-page-html.js";
import { CREDENTIALS_PATH, isCredentialPage, linkKey, usedKey, useLink, type LinkServices, type StoredLink } from "./link-records.js";

const typedKey = (hash: string) => `link-typed:${hash}`;

/** What was typed on a link's page, as the store keeps it for the replica that gave it out: per secret, the keyed hashes of its forms. */
const TypedSecretsSchema = z.array(z.array(z.object({ digest: z.string(), length: z.number() })));
/** Secrets kept per link (a person retrying with corrections types a few). */
const MAX_TYPED = 8;

/** The keyed hashes of what was typed on this link's page, on whichever replica; none when the store cannot say. */
export async function readTypedSecrets(store: Store, hash: string): Promise<HashedForm[][]> {
  return (await readJson(store, typedKey(hash), TypedSecretsSchema)) ?? [];
}

/** The form for what the link still asks, below whose account it goes to, with a message when the last submission failed. */
export function sendForm(res: ServerResponse, status: number, token: string, link: StoredLink, parties: PageParties, error?: string): void {
  sendPage(res, status, (nonce) =>
    credentialFormPage({
      nonce,
      parties,
      fields: link.remaining,
      csrfToken: link.csrfToken,
      action: `${CREDENTIALS_PATH}${token}`,
      expiresAt: new Date(link.expiresAt),
      ...(error !== undefined && { error }),
    }),
  );
}

export interface CredentialFormOptions extends LinkServices {
  /** The browser step of the account connector, which a spent link ends (CredentialLink.id is the link's hash). */
  steps: BrowserSteps;
  /** What the person typed for this link: the session that gave it out hides it too, when it is on this replica. */
  typed: (hash: string, secrets: string[]) => void;
  /**
   * With a store the replicas share: the keyed hash what was typed is kept under, for the replica
   * that gave out the link (never the secret itself).
   */
  secretHash?: SecretHash;
  /** This replica, as the events it sends name it. */
  replica: string;
  /** Cyclr accepted it all: the link is spent (removed from the store already). */
  spent: (hash: string, link: StoredLink) => Promise<void>;
}

export class CredentialForm {
  constructor(private readonly options: CredentialFormOptions) {}

  /** A submission whose origin, CSRF token and person the router has checked. */
  async submit(res: ServerResponse, token: string, hash: string, body: URLSearchParams, parties: PageParties): Promise<void> {
    // One submission at a time, over every replica: the other sees the page of a used link. Read
    // again under the claim: a submission that finished just before took the link away, or set some
    // of its fields (a partial failure) on another replica.
    const used = await useLink(this.options.store, hash, this.options.now(), isCredentialPage, (link) => this.take(res, token, hash, link, body, parties));
    if (!used) sendPage(res, 404, (nonce) => notFoundPage(nonce));
  }

  /** Checks and stores what was typed; true once Cyclr accepted it all and the link is spent. */
  private async take(res: ServerResponse, token: string, hash: string, link: StoredLink, body: URLSearchParams, parties: PageParties): Promise<boolean> {
    const values = new Map<string, string>();
    const secrets: string[] = [];
    for (const field of link.remaining) {
      const value = body.get(field.field) ?? "";
      if (field.secret) secrets.push(value);
      if (value.trim() === "") {
        sendForm(res, 400, token, link, parties, `Please fill in ${field.label}.`);
        return false;
      }
      values.set(field.field, field.secret ? value : value.trim());
    }
    if (link.request.authValue === "basic" && values.has("password")) {
      secrets.push(basicAuthValue(values.get("username") ?? "", values.get("password") ?? ""));
    }
    // What the person typed is hidden from this submission's page and log lines, and from the
    // answers of the session that gave out the link; no other session's output changes.
    const redactor = this.options.redactor.scope();
    redactor.register(...secrets);
    const typed = secrets.filter((secret) => secret.trim() !== "");
    this.options.typed(hash, typed);
    // Before Cyclr sees it: the other replica's session hides it by the time Cyclr could quote it back.
    await this.share(hash, link, typed);

    const failure = await this.save(link, values, redactor);
    if (failure) {
      // What Cyclr accepted is not asked again, on whichever replica the person retries.
      const ttlMs = link.expiresAt - this.options.now();
      if (ttlMs > 0) await this.options.store.set(linkKey(hash), JSON.stringify(link), { ttlMs }).catch(() => undefined);
      sendForm(res, 400, token, link, parties, failure);
      return false;
    }
    this.options.logger.info("credential link used", { accountId: link.accountId, accountConnectorId: link.accountConnectorId });
    // Cyclr has it: the person is told so even if the store fails now (the claim, kept, still bars a second use).
    await this.spend(hash, link).catch((error: unknown) => this.options.logger.warn("credential link used, but not marked used in the store", { error: String(error) }));
    sendPage(res, 200, (nonce) => successPage(nonce, parties));
    return true;
  }

  /**
   * What was typed, as keyed hashes in the store for the replica that gave out the link, and an
   * event that tells it to read them. A store that fails leaves it to this replica alone, as before.
   */
  private async share(hash: string, link: StoredLink, secrets: string[]): Promise<void> {
    const { store, secretHash } = this.options;
    if (!secretHash || !store.shared || secrets.length === 0) return;
    try {
      const typed = [...(await readTypedSecrets(store, hash)), ...secrets.map((secret) => secretHash.forms(secret))].slice(-MAX_TYPED);
      // Until the link's end and a little more: the replica that gave it out reads them on the event, or when it sees the link used.
      const ttlMs = Math.max(1_000, link.expiresAt - this.options.now()) + 60_000;
      await store.set(typedKey(hash), JSON.stringify(typed), { ttlMs });
      await store.publish({ kind: "secrets typed", link: hash, from: this.options.replica });
    } catch (error) {
      this.options.logger.warn("what was typed on a credential page is hidden on this replica only: the store failed", { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Sets each secret property, then the AuthValue; what Cyclr accepted is not asked again. Returns a message for the person on failure. */
  private async save(link: StoredLink, values: Map<string, string>, redactor: Redactor): Promise<string | undefined> {
    // Hosted mode: over a token Cyclr restricted to the link's account (least privilege).
    const cyclr = this.options.cyclrForAccount?.(link.accountId) ?? this.options.cyclr;
    try {
      // A property it already has is corrected with a PUT of that property, not posted again.
      const current = link.remaining.some((f) => f.field.startsWith(PROPERTY_FIELD))
        ? await cyclr.getAccountConnector(link.accountId, link.accountConnectorId)
        : undefined;
      for (const field of [...link.remaining]) {
        if (!field.field.startsWith(PROPERTY_FIELD)) continue;
        const name = field.field.slice(PROPERTY_FIELD.length);
        const id = current && existingPropertyId(current, name);
        await cyclr.setAccountConnectorProperty(link.accountId, link.accountConnectorId, {
          name,
          value: values.get(field.field) ?? "",
          sensitive: true,
          ...(id !== undefined && { id }),
        });
        link.remaining = link.remaining.filter((f) => f !== field);
      }
      if (link.request.authValue) {
        const authValue =
          link.request.authValue === "basic" ? basicAuthValue(values.get("username") ?? "", values.get("password") ?? "") : (values.get("apiKey") ?? "");
        await cyclr.setAccountConnectorAuthValue(link.accountId, link.accountConnectorId, authValue);
      }
      return undefined;
    } catch (error) {
      this.options.logger.warn("credential submission failed", {
        accountConnectorId: link.accountConnectorId,
        error: redactor.text(error instanceof Error ? error.message : String(error)),
      });
      return redactor.text(forThePerson(error));
    }
  }

  /**
   * The link, gone from the store; a mark that it was used, for the replica that gave it out; the
   * person's browser step over, for every replica, whether or not a wait runs; then the router is told.
   */
  private async spend(hash: string, link: StoredLink): Promise<void> {
    const { store } = this.options;
    await store.delete(linkKey(hash));
    const ttlMs = Math.max(1_000, link.expiresAt - this.options.now());
    await store.set(usedKey(hash), "1", { ttlMs }).catch(() => undefined);
    await this.options.steps
      .end(link.accountId, link.accountConnectorId, hash)
      .catch((error: unknown) => this.options.logger.warn("credential link used, but its browser step not ended in the store", { error: String(error) }));
    await this.options.spent(hash, link);
  }
}

/** What went wrong, in words for the person at the page (not the assistant's next-tool advice). */
function forThePerson(error: unknown): string {
  if (error instanceof CyclrHttpError) {
    if (error.status === 400 && error.upstreamMessage) return `Cyclr did not accept it: ${error.upstreamMessage} Check what you typed and try again.`;
    if (error.status === 404) return "This connector is no longer installed. Ask the assistant what to do next.";
    return `Cyclr could not save it just now (${error.status}). Try again in a moment.`;
  }
  if (error instanceof CyclrError) return "Cyclr could not be reached just now. Try again in a moment.";
  return "Something went wrong while saving. Try again in a moment.";
}
