/**
 * The page before an OAuth sign-in, where this server puts one (hosted with the pages' sign-in, or a
 * link sent to someone else): it names whose account the connector goes to, and only when the
 * person goes on from it (the router has checked who they are, the origin and the CSRF token) asks
 * Cyclr for a sign-in token and sends the browser to the service domain's sign-in. Without it,
 * the identity check of the credential pages would not cover OAuth connectors: a sign-in link sent
 * to someone else would connect their account at Salesforce, say, to the sender's Cyclr account.
 * The Cyclr sign-in token goes from Cyclr to the person's browser (a redirect) and nowhere else.
 */
import type { ServerResponse } from "node:http";
import { CyclrError } from "../cyclr/errors.js";
import { buildOAuthLink } from "../setup/auth-values.js";
import { notFoundPage, sendPage, signInStartPage, type PageParties } from "./credential-page-html.js";
import { CREDENTIALS_PATH, isSignInPage, linkKey, useLink, type LinkServices, type StoredSignInPage } from "./link-records.js";

export class OAuthStart {
  constructor(private readonly options: LinkServices) {}

  /** The page: whose account, and the button that goes on to the sign-in. */
  show(res: ServerResponse, status: number, token: string, page: StoredSignInPage, parties: PageParties, error?: string): void {
    const serviceDomain = new URL(page.serviceDomain);
    sendPage(
      res,
      status,
      (nonce) =>
        signInStartPage({
          nonce,
          parties,
          serviceHost: serviceDomain.host,
          csrfToken: page.csrfToken,
          action: `${CREDENTIALS_PATH}${token}`,
          expiresAt: new Date(page.expiresAt),
          ...(error !== undefined && { error }),
        }),
      {},
      // The button's post is answered with a redirect to the service domain's sign-in.
      [serviceDomain.origin],
    );
  }

  /** The person goes on: a sign-in token from Cyclr, the link spent, and the browser sent to the sign-in. */
  async go(res: ServerResponse, token: string, hash: string, parties: PageParties): Promise<void> {
    const { store } = this.options;
    const used = await useLink(store, hash, this.options.now(), isSignInPage, async (page) => {
      const cyclr = this.options.cyclrForAccount?.(page.accountId) ?? this.options.cyclr;
      let signInToken: string;
      try {
        signInToken = (await cyclr.createSignInToken(page.accountId, page.username)).Token;
      } catch (error) {
        if (!(error instanceof CyclrError)) throw error;
        this.options.logger.warn("OAuth sign-in not started: Cyclr gave no sign-in token", { accountConnectorId: page.accountConnectorId, error: this.options.redactor.text(error.message) });
        this.show(res, 502, token, page, parties, "Cyclr could not start the sign-in just now. Try again in a moment.");
        return false;
      }
      // Spent before the browser goes: the page works once, as the sign-in link it stands for.
      await store.delete(linkKey(hash));
      this.options.logger.info("OAuth sign-in page used", { accountId: page.accountId, accountConnectorId: page.accountConnectorId });
      res.writeHead(303, {
        location: buildOAuthLink({
          serviceDomain: page.serviceDomain,
          accountConnectorId: page.accountConnectorId,
          signInToken,
          targetOrigin: page.targetOrigin,
          ...(page.callbackMessage !== undefined && { callbackMessage: page.callbackMessage }),
        }),
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
      });
      res.end();
      return true;
    });
    if (!used) sendPage(res, 404, (nonce) => notFoundPage(nonce));
  }
}
