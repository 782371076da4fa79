/** What a link's page says of whose account it connects: every value escaped, the id where Cyclr gives no name, a sender named plainly. */
import { describe, expect, it } from "vitest";
import { partiesBlock, personText, type PageParties } from "../../src/hosting/credential-page-html.js";

const HOSTILE = `<script>alert("x")</script>&'`;
const ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";

describe("partiesBlock", () => {
  it("escapes every name it shows: connector, account, partner, who asked", () => {
    const html = partiesBlock({
      connectorName: HOSTILE,
      accountId: "acme",
      accountName: HOSTILE,
      partner: HOSTILE,
      requester: { subject: "s", name: HOSTILE, email: HOSTILE },
      forSomeoneElse: true,
    });
    expect(html).not.toContain("<script>");
    expect(html.split(ESCAPED).length - 1).toBe(7);
  });

  it("shows the account's id, marked as such, when Cyclr gives no name", () => {
    expect(partiesBlock({ connectorName: "Xero", accountId: "7f3e-<b>" })).toContain('<dd><span class="id">7f3e-&lt;b&gt;</span> (its id: Cyclr gives no name)</dd>');
  });

  it("names the person signed in as the one who asked, and no asker where the server knows none", () => {
    const base: PageParties = { connectorName: "Xero", accountId: "a", accountName: "Acme" };
    expect(partiesBlock(base)).not.toContain("Asked for by");
    expect(partiesBlock({ ...base, requester: { subject: "alice" }, signedIn: { subject: "alice", name: "Alice", email: "alice@example.com" } })).toContain(
      "<dt>Asked for by</dt><dd>Alice (alice@example.com): you, signed in</dd>",
    );
    // A JWT caller with no name or e-mail in the token: its subject.
    expect(partiesBlock({ ...base, requester: { subject: "auth0|42" } })).toContain("<dt>Asked for by</dt><dd>auth0|42</dd>");
  });

  it("says plainly who sent a link for someone else, and for which account; without a notice on the pages after it", () => {
    const parties: PageParties = { connectorName: "Xero", accountId: "a", accountName: "Acme", partner: "Partner Co", requester: { subject: "sam", name: "Sam" }, forSomeoneElse: true };
    expect(partiesBlock(parties)).toContain("This link was sent to you by <strong>Sam</strong> for the Cyclr account <strong>Acme</strong> of Partner Co.");
    expect(partiesBlock(parties)).toContain("<dt>Sent by</dt><dd>Sam</dd>");
    expect(partiesBlock(parties, { notice: false })).not.toContain("sent to you");
    expect(partiesBlock({ ...parties, requester: undefined })).toContain("sent to you by someone using this service");
  });
});

describe("personText", () => {
  it("is the name and e-mail, or what there is of them, else the subject", () => {
    expect(personText({ subject: "s", name: "Ana", email: "ana@example.com" })).toBe("Ana (ana@example.com)");
    expect(personText({ subject: "s", name: "ana@example.com", email: "ana@example.com" })).toBe("ana@example.com");
    expect(personText({ subject: "s", email: "ana@example.com" })).toBe("ana@example.com");
    expect(personText({ subject: "s" })).toBe("s");
  });
});
