import { describe, expect, it } from "vitest";
import { PrerequisiteSchema, TemplateSchema } from "../../src/cyclr/schemas.js";
import { computeCycleSetup, sortPrerequisites, type CycleFacts } from "../../src/setup/cycle-setup.js";
import { searchTemplates } from "../../src/setup/search.js";
import type { SetupState } from "../../src/setup/setup-state.js";

const ids = { accountId: "acme", cycleId: "c-1" };

function facts(overrides: Partial<CycleFacts> = {}): CycleFacts {
  return { ...ids, name: "Salesforce contacts to Mailchimp", status: "Paused", lastRun: "0001-01-01T00:00:00", connectors: [], values: [], blockers: [], webhooks: [], hasPrerequisites: false, ...overrides };
}

const oauthSetup: SetupState = {
  state: "needs_authentication",
  authentication: { method: "oauthLink", authenticated: false },
  missingProperties: [],
  nextStep: { tool: "create_oauth_link", arguments: { accountConnectorId: 7, accountId: "acme", cycleId: "c-1" }, instruction: "Create the OAuth link." },
};
const consoleSetup: SetupState = {
  state: "needs_authentication",
  authentication: { method: "console", authenticated: false },
  missingProperties: [],
  nextStep: { arguments: {}, instruction: "Kerberos is finished in the Cyclr console." },
};

describe("computeCycleSetup", () => {
  it("sets up the connectors first, through their own next step, which carries the cycle", () => {
    const setup = computeCycleSetup(
      facts({
        connectors: [
          { accountConnectorId: 6, name: "Dynamics NAV", ready: false, setup: consoleSetup },
          { accountConnectorId: 7, name: "Salesforce", ready: false, setup: oauthSetup },
          { accountConnectorId: 8, name: "MailChimp", ready: true },
        ],
        values: [{ stepId: "s-2", kind: "parameter", id: "16001", name: "List", visible: true, lookup: true }],
        hasPrerequisites: true,
      }),
    );
    expect(setup.state).toBe("needs_connectors");
    // The one a tool can finish comes first; the console-only one is named after it.
    expect(setup.nextStep).toMatchObject({ tool: "create_oauth_link", arguments: { accountConnectorId: 7, cycleId: "c-1" } });
    expect(setup.nextStep.instruction).toMatch(/^Salesforce first: Create the OAuth link\. Then Dynamics NAV\.$/);
    expect(setup.connectors).toEqual([
      { accountConnectorId: 6, name: "Dynamics NAV", ready: false },
      { accountConnectorId: 7, name: "Salesforce", ready: false },
      { accountConnectorId: 8, name: "MailChimp", ready: true },
    ]);
    expect(setup.values).toHaveLength(1);
  });

  it("then the values: a lookup is listed first (no value argument), a value list is offered as its values", () => {
    const lookup = computeCycleSetup(
      facts({ values: [{ stepId: "s-2", stepName: "Add subscriber", connectorName: "MailChimp", kind: "parameter", id: "16001", name: "List", visible: true, lookup: true }], hasPrerequisites: true }),
    );
    expect(lookup.state).toBe("needs_values");
    expect(lookup.nextStep).toEqual({
      tool: "set_step_value",
      arguments: { ...ids, stepId: "s-2", parameter: "16001" },
      instruction: expect.stringContaining("chosen from the person's MailChimp account"),
    });
    const list = computeCycleSetup(facts({ values: [{ stepId: "s-3", kind: "field", id: "9", name: "Income Account", visible: true, lookup: false, allowedValues: ["Sales", "Services"] }], hasPrerequisites: true }));
    expect(list.nextStep.arguments).toEqual({ ...ids, stepId: "s-3", field: "9", value: "<one of: Sales | Services>" });
  });

  it("names what only the partner can fix, never a silent dead end", () => {
    const setup = computeCycleSetup(
      facts({
        values: [
          { stepId: "s-2", stepName: "Create invoice", kind: "field", id: "5", name: "Account Code", visible: true, lookup: false },
          { stepId: "s-2", stepName: "Create invoice", kind: "field", id: "6", name: "Tax Type", visible: false, lookup: false },
        ],
        blockers: [{ reasonCode: 31, words: "a decision step has no criteria", stepName: "Only bug cards" }],
        hasPrerequisites: true,
      }),
    );
    expect(setup.values.map((v) => v.name)).toEqual(["Account Code"]);
    expect(setup.partner).toEqual([
      'step "Create invoice": field "Tax Type" has no value, and the template does not leave it to the person (not user configurable)',
      'step "Only bug cards": a decision step has no criteria',
    ]);
    expect(setup.nextStep.instruction).toContain("Only the partner can fix the rest");
    // Once the person's values are set, the partner's remain: no tool, and said so.
    const stuck = computeCycleSetup(facts({ values: [{ stepId: "s-2", kind: "field", id: "6", name: "Tax Type", visible: false, lookup: false }], hasPrerequisites: true }));
    expect(stuck.state).toBe("needs_values");
    expect(stuck.nextStep.tool).toBeUndefined();
    expect(stuck.nextStep.instruction).toMatch(/^Nothing is left for the person to set\. Only the partner can fix the rest/);
    // Prerequisites this server cannot explain are not taken for "ready".
    const unexplained = computeCycleSetup(facts({ hasPrerequisites: true }));
    expect(unexplained).toMatchObject({ state: "needs_values", nextStep: { instruction: expect.stringContaining("cannot explain") } });
  });

  it("ready: activation, with the default interval and the person's confirmation to ask for", () => {
    const setup = computeCycleSetup(facts());
    expect(setup.state).toBe("ready_to_activate");
    expect(setup.nextStep).toMatchObject({ tool: "activate_cycle", arguments: { ...ids, interval: 15, confirm: "<true once the person agrees>" } });
    expect(setup.nextStep.instruction).toContain("1, 5, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 10080");
  });

  it("paused once it has run before; active while Cyclr says Active", () => {
    expect(computeCycleSetup(facts({ lastRun: "2026-03-01T10:00:00" })).state).toBe("paused");
    const active = computeCycleSetup(facts({ status: "Active" }));
    expect(active.state).toBe("active");
    expect(active.nextStep.tool).toBeUndefined();
    expect(active.nextStep.instruction).toContain("pause_cycle");
  });

  it("a webhook trigger: no interval, and the URL to paste where the data comes from", () => {
    const setup = computeCycleSetup(facts({ webhooks: [{ stepId: "s-1", stepName: "Receive submission", url: "https://h.example/api/webhook/abc" }] }));
    expect(setup.nextStep.arguments).not.toHaveProperty("interval");
    expect(setup.nextStep.instruction).toContain("must call https://h.example/api/webhook/abc");
    const unknown = computeCycleSetup(facts({ status: "Active", webhooks: [{ stepId: "s-1", stepName: "Receive submission" }] }));
    expect(unknown.nextStep.instruction).toContain('the webhook URL of step "Receive submission" (the Cyclr console shows it');
  });
});

describe("sortPrerequisites", () => {
  it("sorts Cyclr's reasons into connectors, steps to read and the partner's blockers", () => {
    const parsed = [
      { ReasonCode: 20, Reason: "Unauthenticated connector", ObjectType: "AccountConnector", ObjectId: 36328 },
      { ReasonCode: 30, Reason: "Missing mapping", ObjectType: "Action", ObjectId: "709b68ba-394e-4339-9550-abd0312e8dd5" },
      { ReasonCode: 31, Reason: "Missing decision criteria", ObjectType: "Decision", ObjectId: "8c2f" },
      { ReasonCode: 99, Reason: "Something New", ObjectType: null, ObjectId: null },
    ].map((p) => PrerequisiteSchema.parse(p));
    const sorted = sortPrerequisites(parsed);
    expect([...sorted.unauthenticated]).toEqual([36328]);
    expect([...sorted.stepsToRead]).toEqual(["709b68ba-394e-4339-9550-abd0312e8dd5"]);
    expect(sorted.blockers).toEqual([
      { reasonCode: 31, words: "a decision step has no criteria", stepId: "8c2f" },
      { reasonCode: 99, words: "something New" },
    ]);
  });
});

describe("searchTemplates", () => {
  const templates = [
    ["Salesforce contacts to Mailchimp", ["Salesforce", "MailChimp"], ["crm"]],
    ["SugarCRM accounts to Mailchimp", ["SugarCRM", "MailChimp"], ["crm"]],
    ["Marketo leads to Salesforce", ["Marketo", "Salesforce"], ["marketing"]],
    ["Zendesk urgent tickets to Slack", ["Zendesk", "Slack"], ["helpdesk"]],
    ["Société Générale Pay payouts to Xero", ["Société Générale Pay", "Xero"], ["payments"]],
  ].map(([Name, connectors, Tags], i) => TemplateSchema.parse({ Id: `t-${i}`, Name, Tags, Connectors: (connectors as string[]).map((Name) => ({ Name })) }));
  const names = (filter: Parameters<typeof searchTemplates>[1]) => searchTemplates(templates, filter).map((hit) => hit.template.Name);

  it("finds what the person asks for in their words, typos and joining words included", () => {
    expect(names({ query: "salesforce to mailchimp" })[0]).toBe("Salesforce contacts to Mailchimp");
    expect(names({ query: "salesfroce to malchimp" })).toEqual(["Salesforce contacts to Mailchimp"]);
    expect(names({ query: "sync SOCIETE generale with xero" })).toEqual(["Société Générale Pay payouts to Xero"]);
  });

  it("a connector's name finds the templates that use it; the connector filter keeps only those", () => {
    expect(names({ query: "mailchimp" })).toEqual(["Salesforce contacts to Mailchimp", "SugarCRM accounts to Mailchimp"]);
    expect(names({ connector: "salesforse" })).toEqual(["Marketo leads to Salesforce", "Salesforce contacts to Mailchimp"]);
    expect(names({ connector: "salesforce", query: "mailchimp" })).toEqual(["Salesforce contacts to Mailchimp"]);
    expect(names({ query: "to" })).toEqual(expect.arrayContaining(["Marketo leads to Salesforce"]));
    expect(names({ query: "hubspot" })).toEqual([]);
  });
});

describe("what the account has of each template", () => {
  it("ties cycles to their template by TemplateId, else by the template's name; marks each connector installed and ready or not", async () => {
    const { accountHoldings, templateEntry } = await import("../../src/setup/templates.js");
    const { AccountConnectorSchema, CycleSchema } = await import("../../src/cyclr/schemas.js");
    const template = TemplateSchema.parse({ Id: "T-1", Name: "Salesforce contacts to Mailchimp", Connectors: [{ Id: 7, Name: "Salesforce" }, { Id: 9, Name: "MailChimp" }, { Name: "Slack" }] });
    const installed = [
      AccountConnectorSchema.parse({ Id: 1, Authenticated: true, Connector: { Id: 7, Name: "Salesforce", AuthType: "OAuth2" } }),
      AccountConnectorSchema.parse({ Id: 2, Authenticated: false, Connector: { Id: 9, Name: "MailChimp", AuthType: "ApiKey" } }),
    ];
    const cycles = [CycleSchema.parse({ Id: "c-1", Status: "Active", TemplateId: "t-1" }), CycleSchema.parse({ Id: "c-2", Name: "Salesforce contacts to Mailchimp" }), CycleSchema.parse({ Id: "c-3", TemplateId: "other" })];
    const entry = templateEntry(template, accountHoldings("acme", installed, cycles, [template]));
    expect(entry.connectors).toEqual([{ name: "Salesforce", ready: true }, { name: "MailChimp", ready: false }, { name: "Slack" }]);
    expect(entry.cycles).toEqual([{ cycleId: "c-1", status: "Active" }, { cycleId: "c-2" }]);
  });

  it("finds the cycle a lost install made: new, and of this template", async () => {
    const { findNewCycle } = await import("../../src/setup/install-recovery.js");
    const template = { id: "T-1", name: "Salesforce contacts to Mailchimp" };
    const after = [{ Id: "old", TemplateId: "T-1" }, { Id: "other", TemplateId: "T-2" }, { Id: "new", TemplateId: "t-1" }, { Id: "named", Name: "Salesforce contacts to Mailchimp" }];
    expect(findNewCycle(new Set(["old"]), after, template)).toEqual({ created: { Id: "new", TemplateId: "t-1" }, others: [{ Id: "named", Name: "Salesforce contacts to Mailchimp" }] });
    expect(findNewCycle(new Set(["old", "new", "named"]), after, template)).toEqual({ others: [] });
  });
});
