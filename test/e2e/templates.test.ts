/**
 * From a template to a running integration, as an assistant that follows the server: a misspelled
 * "salesforce to mailchimp" becomes an active cycle by following nextStep alone (an OAuth connector,
 * an API-key connector, a lookup choice), against the sandbox over real loopback HTTP. Then what
 * goes around it: installing twice, lost answers, running cycles, what only the partner can fix,
 * forms where the client has them, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxEnv, spawnServer, structured, text, type ServerUnderTest } from "../helpers.js";
import { walk } from "../walk.js";

const SALESFORCE_TO_MAILCHIMP = "7ad2265e-2ff0-477b-b913-cae1dfde2ea8";
const PIPEDRIVE_TO_XERO = "3c1f0b9e-5a7d-4e2b-9c61-0d8e4f2a7b15";
const TRELLO_TO_JIRA = "91a7f3c2-6b0e-4d85-a1c9-f4e2b7d05c68";
const ZENDESK_TO_SLACK = "b52e7c04-91d3-4f6a-8e2b-6a7c0d9e1f33";

let sandbox: Sandbox;
let server: ServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await spawnServer({ env: sandboxEnv(sandbox) });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const call = async (tool: string, args: Record<string, unknown>) => structured(await server.call(tool, args));

describe("from a misspelled request to an active cycle, following nextStep", () => {
  it('"salesfroce to malchimp" runs, in at most 12 calls: an OAuth connector, an API-key connector, one lookup choice', async () => {
    const { calls, last } = await walk(call, { tool: "list_templates", arguments: { query: "salesfroce to malchimp" } }, {
      properties: { isSandbox: "false" },
      apiKey: "mc-key-0001-us6",
      choice: "Customers",
      confirm: true,
    });
    expect(calls).toEqual([
      "list_templates",
      "install_template",
      "set_connector_properties",
      "create_oauth_link",
      "get_cycle",
      "create_credential_link",
      "get_cycle",
      "set_step_value",
      "set_step_value",
      "activate_cycle",
    ]);
    expect(calls.length).toBeLessThanOrEqual(12);
    expect(last).toMatchObject({ outcome: "activated", status: "Active", setup: { state: "active" }, schedule: { intervalMinutes: 15 } });
    expect(last.setup.nextStep.tool).toBeUndefined();

    // Cyclr agrees: the cycle runs, with the list the person chose and the connectors they set up.
    const cycle = sandbox.cycle(sandbox.accountId, last.cycleId);
    expect(cycle).toMatchObject({ Status: "Active", Interval: 15, TemplateId: SALESFORCE_TO_MAILCHIMP });
    expect(cycle?.steps[1]?.parameters[0]).toMatchObject({ Name: "List", MappingType: "StaticValue", Value: "c41d09b2e5" });
    const [salesforce, mailchimp] = last.setup.connectors;
    expect(sandbox.accountConnector(sandbox.accountId, salesforce.accountConnectorId)).toMatchObject({ Authenticated: true, Properties: [expect.objectContaining({ Name: "isSandbox", Value: "false" })] });
    expect(sandbox.accountConnector(sandbox.accountId, mailchimp.accountConnectorId)).toMatchObject({ Authenticated: true, AuthValue: "mc-key-0001-us6" });
  });

  it("lists the template as installed, with its connectors ready; a second install returns the cycle unless again", async () => {
    const listed = await call("list_templates", { query: "salesforce mailchimp", accountId: sandbox.accountId });
    const entry = listed.templates[0];
    expect(entry).toMatchObject({ id: SALESFORCE_TO_MAILCHIMP, connectors: [{ name: "Salesforce", ready: true }, { name: "MailChimp", ready: true }], cycles: [{ status: "Active" }] });
    expect(listed.nextStep).toMatchObject({ tool: "get_cycle", arguments: { cycleId: entry.cycles[0].cycleId } });
    const again = await call("install_template", { templateId: SALESFORCE_TO_MAILCHIMP });
    expect(again).toMatchObject({ existing: true, cycleId: entry.cycles[0].cycleId, setup: { state: "active" } });
    expect(sandbox.cycles(sandbox.accountId)).toHaveLength(1);
    // With again: a second cycle, which takes the account's ready connectors (the template's Existing Installation).
    const second = await call("install_template", { templateId: SALESFORCE_TO_MAILCHIMP, again: true });
    expect(second.cycleId).not.toBe(entry.cycles[0].cycleId);
    expect(second.reused).toEqual(["Salesforce", "MailChimp"]);
    expect(second.setup).toMatchObject({ state: "needs_values", connectors: [{ ready: true }, { ready: true }], nextStep: { tool: "set_step_value" } });
  });
});

describe("around the walk", () => {
  it("a running cycle's values cannot change: Cyclr's 409 becomes 'pause it first', and pausing asks the person", async () => {
    const running = sandbox.cycles(sandbox.accountId).find((c) => c.Status === "Active")!;
    const step = running.steps[1]!;
    const refused = await server.call("set_step_value", { cycleId: running.Id, stepId: step.Id, parameter: String(step.parameters[0]!.Id), choice: "Webinar Leads" });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("Pause it first with pause_cycle");
    const unconfirmed = await server.call("pause_cycle", { cycleId: running.Id });
    expect(unconfirmed.isError).toBe(true);
    expect(text(unconfirmed)).toContain("confirm: true");
    expect(sandbox.cycle(sandbox.accountId, running.Id)?.Status).toBe("Active");
    const paused = await call("pause_cycle", { cycleId: running.Id, confirm: true });
    expect(paused).toMatchObject({ outcome: "paused", status: "Paused", setup: { state: "ready_to_activate" } });
    expect(sandbox.requests.filter((r) => r.path.endsWith("/deactivate")).map((r) => [r.method, r.query])).toEqual([["PUT", { finishQueuedTransactions: "true" }]]);
    expect(await call("pause_cycle", { cycleId: running.Id })).toMatchObject({ outcome: "already_paused" });
    await call("set_step_value", { cycleId: running.Id, stepId: step.Id, parameter: "List", choice: "webinar leads" });
    expect(sandbox.cycle(sandbox.accountId, running.Id)?.steps[1]?.parameters[0]?.Value).toBe("5f2e7a91c3");
    const restarted = await call("activate_cycle", { cycleId: running.Id, interval: 60, confirm: true });
    expect(restarted).toMatchObject({ outcome: "activated", schedule: { intervalMinutes: 60 } });
    expect(await call("activate_cycle", { cycleId: running.Id, confirm: true })).toMatchObject({ outcome: "already_active" });
  });

  it("refuses activation while prerequisites remain, naming them, and an interval Cyclr does not take", async () => {
    const fresh = await call("install_template", { templateId: ZENDESK_TO_SLACK });
    const early = await server.call("activate_cycle", { cycleId: fresh.cycleId, confirm: true });
    expect(early.isError).toBe(true);
    expect(text(early)).toMatch(/cannot be activated yet: Zendesk is not set up; Slack is not set up; step "Post message": Channel has no value/);
    const odd = await server.call("activate_cycle", { cycleId: fresh.cycleId, interval: 45, confirm: true });
    expect(text(odd)).toContain("use one of 1, 5, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 10080");
    expect(sandbox.cycle(sandbox.accountId, fresh.cycleId)?.Status).toBe("Paused");
  });

  it("names what only the partner can fix, and offers only what the template leaves to the person", async () => {
    const xero = await call("install_template", { templateId: PIPEDRIVE_TO_XERO });
    // Connectors first: the values wait until they are set up.
    expect(xero.setup.state).toBe("needs_connectors");
    expect(xero.setup.values.map((v: { name: string }) => v.name)).toEqual(["Account Code"]);
    expect(xero.setup.partner).toEqual([expect.stringContaining('field "Tax Type" has no value, and the template does not leave it to the person')]);
    const step = sandbox.cycle(sandbox.accountId, xero.cycleId)!.steps[1]!;
    const partnersOwn = await server.call("set_step_value", { cycleId: xero.cycleId, stepId: step.Id, field: "Tax Type", value: "OUTPUT2" });
    expect(text(partnersOwn)).toContain("only the partner can set it");
    const set = await call("set_step_value", { cycleId: xero.cycleId, stepId: step.Id, field: "Account Code", value: "200" });
    expect(set).toMatchObject({ outcome: "set", target: { kind: "field", name: "Account Code" } });
    expect(step.fields.find((f) => f.Name === "Account Code")).toMatchObject({ Value: "200", MappingType: "StaticValue" });

    const trello = await call("install_template", { templateId: TRELLO_TO_JIRA });
    expect(trello.setup.partner).toEqual(['step "Only bug cards": a decision step has no criteria']);
  });

  it("bad input names the unknown id and the call that lists them; Cyclr's own words pass through", async () => {
    const template = await server.call("install_template", { templateId: "fd949881-00c7-4e56-ad62-992070f9aaaa" });
    expect(text(template)).toMatch(/^Template fd949881-00c7-4e56-ad62-992070f9aaaa was not found in account acme-sandbox\. Cyclr says: "Template '.*' not found\."\. Call list_templates/);
    const cycle = await server.call("get_cycle", { cycleId: "11111111-c5ff-4352-8985-53b687049999" });
    expect(text(cycle)).toContain("Cycle 11111111-c5ff-4352-8985-53b687049999 was not found in account acme-sandbox");
    expect(text(cycle)).toContain("install_template returned");
    const mine = sandbox.cycles(sandbox.accountId)[0]!;
    const step = await server.call("set_step_value", { cycleId: mine.Id, stepId: "22222222-1f32-4bd7-8904-dddfddbec266", parameter: "List", value: "x" });
    expect(text(step)).toContain("is not a step of cycle");
    const parameter = await server.call("set_step_value", { cycleId: mine.Id, stepId: mine.steps[1]!.Id, parameter: "Audience", value: "x" });
    expect(text(parameter)).toMatch(/has no parameter "Audience" \(its parameters: List \(\d+\)\)\. get_cycle lists/);
    const choice = await server.call("set_step_value", { cycleId: mine.Id, stepId: mine.steps[1]!.Id, parameter: "List", choice: "Nobody" });
    expect(text(choice)).toContain('"Nobody" is not one of the choices for List: Newsletter Subscribers, Customers, Webinar Leads');
    const path = await server.call("get_cycle", { cycleId: "../accounts" });
    expect(path.isError).toBe(true);
    // Another account's cycle is not this account's.
    expect((await server.call("get_cycle", { cycleId: mine.Id, accountId: sandbox.otherAccountId })).isError).toBe(true);
  });

  it("an install whose answer was lost is found in the account, not sent again", async () => {
    const before = sandbox.cycles("initech-0042").length;
    sandbox.injectFault({ method: "POST", path: `/v1.0/templates/${ZENDESK_TO_SLACK}/install`, afterHandling: true, status: 502 });
    const found = await call("install_template", { templateId: ZENDESK_TO_SLACK, accountId: "initech-0042" });
    expect(found.note).toContain("it was installed as cycle");
    expect(sandbox.cycles("initech-0042")).toHaveLength(before + 1);
    expect(sandbox.requests.filter((r) => r.path === `/v1.0/templates/${ZENDESK_TO_SLACK}/install`)).toHaveLength(2); // the earlier test's and this one
  });

  it("an install whose connection dropped, and that did not land, says so without sending it again", async () => {
    const path = `/v1.0/templates/${TRELLO_TO_JIRA}/install`;
    const before = sandbox.requests.filter((r) => r.path === path).length;
    sandbox.injectFault({ method: "POST", path, drop: true });
    // A short timeout: the account is watched for about as long as a request may take.
    const quick = await spawnServer({ env: sandboxEnv(sandbox, { CYCLR_TIMEOUT_MS: "1500" }) });
    const lost = await quick.call("install_template", { templateId: TRELLO_TO_JIRA, accountId: "umbrella-9001" }).finally(() => quick.close());
    expect(lost.isError).toBe(true);
    expect(text(lost)).toMatch(/got no usable answer .*The account's cycles were watched for \d+ s and it has not appeared yet, but the install may still be running at Cyclr\. Call install_template again later/);
    expect(sandbox.requests.filter((r) => r.path === path)).toHaveLength(before + 1);
    expect(sandbox.cycles("umbrella-9001")).toHaveLength(0);
  });
});

describe("resources and completions", () => {
  it("serves the templates and one template, and completes template ids from an id's start or a name", async () => {
    const { resourceTemplates } = await server.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("cyclr://templates/{templateId}");
    const all = JSON.parse(((await server.client.readResource({ uri: "cyclr://templates" })).contents[0] as { text: string }).text);
    expect(all.count).toBeGreaterThanOrEqual(6);
    expect(all.templates[0]).not.toHaveProperty("icon");
    const one = JSON.parse(((await server.client.readResource({ uri: `cyclr://templates/${SALESFORCE_TO_MAILCHIMP}` })).contents[0] as { text: string }).text);
    expect(one).toMatchObject({ id: SALESFORCE_TO_MAILCHIMP, connectors: [{ name: "Salesforce", version: "1.0", steps: 1 }, { name: "MailChimp", version: "v3", steps: 1 }] });
    await expect(server.client.readResource({ uri: "cyclr://templates/fd949881-00c7-4e56-ad62-992070f9aaaa" })).rejects.toThrow(/Template fd949881-00c7-4e56-ad62-992070f9aaaa was not found.*list_templates/);
    const complete = async (value: string) =>
      (await server.client.complete({ ref: { type: "ref/resource", uri: "cyclr://templates/{templateId}" }, argument: { name: "templateId", value } })).completion.values;
    expect(await complete("7ad")).toEqual([SALESFORCE_TO_MAILCHIMP]);
    expect(await complete("zendsk")).toEqual([ZENDESK_TO_SLACK]);
  });
});
