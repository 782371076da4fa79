/**
 * Templates, cycles and steps: the Cyclr client's operations against the sandbox over real loopback
 * HTTP. The sandbox must answer as ../shared/cyclr/cycles.md describes Cyclr, and the client must read
 * those answers item by item, or the tools built on them prove nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CyclrClient } from "../../src/cyclr/client.js";
import { CyclrHttpError } from "../../src/cyclr/errors.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { startSandboxWithClient } from "../cyclr-on-sandbox.js";

let sandbox: Sandbox;
let cyclr: CyclrClient;
let close: () => Promise<void>;
const account = "acme-sandbox";

const SALESFORCE_TO_MAILCHIMP = "7ad2265e-2ff0-477b-b913-cae1dfde2ea8";
const PIPEDRIVE_TO_XERO = "3c1f0b9e-5a7d-4e2b-9c61-0d8e4f2a7b15";
const TRELLO_TO_JIRA = "91a7f3c2-6b0e-4d85-a1c9-f4e2b7d05c68";
const SHOPIFY_TO_QUICKBOOKS = "e0d4a9b1-27c6-4a53-b8f0-3d91c6e2a470";

beforeAll(async () => {
  ({ sandbox, cyclr, close } = await startSandboxWithClient({ oddItems: true, maxPageSize: 4 }));
});
afterAll(() => close?.());

async function rejection(promise: Promise<unknown>): Promise<CyclrHttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CyclrHttpError);
  return error as CyclrHttpError;
}

describe("templates", () => {
  it("lists every template across pages, item by item: the odd one is left out, not the list", async () => {
    const { items, leftOut } = await cyclr.listTemplates(account);
    expect(items.length).toBeGreaterThanOrEqual(6);
    expect(leftOut).toEqual([expect.objectContaining({ id: "00000000-0dd0-4000-8000-000000000001", paths: ["Connectors"] })]);
    const first = items.find((t) => t.Id === SALESFORCE_TO_MAILCHIMP);
    expect(first).toMatchObject({ Name: "Salesforce contacts to Mailchimp", Tags: ["crm", "email-marketing"] });
    expect(first?.Connectors.map((c) => [c.Name, c.Version])).toEqual([
      ["Salesforce", "1.0"],
      ["MailChimp", "v3"],
    ]);
    // Templates share connectors, and between them need every auth type of the catalog.
    const used = new Set(items.flatMap((t) => t.Connectors.map((c) => c.Name)));
    const catalog = (await cyclr.listCatalog(account)).connectors.filter((c) => used.has(c.Name));
    const authTypes = new Set(catalog.flatMap((c) => (c.Authentication.length ? c.Authentication.map((a) => a.AuthType) : [c.AuthType])));
    for (const type of ["ApiKey", "Basic", "OAuth1", "OAuth2", "None", "AuthFields", "Kerberos"]) expect(authTypes).toContain(type);
    const oauth2Types = new Set(catalog.flatMap((c) => c.Authentication.filter((a) => a.AuthType === "OAuth2").map((a) => a.OAuth2Type)));
    expect(oauth2Types).toEqual(new Set(["AuthorisationCode", "ClientCredentials", "PasswordCredentials"]));
    const shared = [...used].filter((name) => items.filter((t) => t.Connectors.some((c) => c.Name === name)).length > 1);
    expect(shared).toEqual(expect.arrayContaining(["Salesforce", "MailChimp", "Xero", "Slack"]));
  });

  it("reads one template, and answers 404 for an unknown one", async () => {
    expect(await cyclr.getTemplate(account, SALESFORCE_TO_MAILCHIMP)).toMatchObject({ Name: "Salesforce contacts to Mailchimp" });
    const missing = await rejection(cyclr.getTemplate(account, "fd949881-00c7-4e56-ad62-992070f9aaaa"));
    expect(missing.status).toBe(404);
    expect(missing.request.target).toEqual({ kind: "template", id: "fd949881-00c7-4e56-ad62-992070f9aaaa" });
  });
});

describe("a cycle from install to activation", () => {
  let cycleId: string;
  let salesforce: number;
  let mailchimp: number;
  let mailchimpStep: string;
  let listParameter: string;

  it("installs a paused cycle with its own account connectors, none authenticated yet", async () => {
    const cycle = await cyclr.installTemplate(account, SALESFORCE_TO_MAILCHIMP);
    cycleId = cycle.Id;
    expect(cycle).toMatchObject({ Status: "Paused", TemplateId: SALESFORCE_TO_MAILCHIMP, Name: "Salesforce contacts to Mailchimp" });
    expect(cycle.Connectors.map((c) => [c.Name, c.Authenticated])).toEqual([
      ["Salesforce", false],
      ["MailChimp", false],
    ]);
    salesforce = cycle.Connectors[0]!.AccountConnectorId!;
    mailchimp = cycle.Connectors[1]!.AccountConnectorId!;
    expect((await cyclr.getAccountConnector(account, salesforce)).Connector.Name).toBe("Salesforce");
    expect((await cyclr.listCycles(account)).items.map((c) => c.Id)).toContain(cycleId);
  });

  it("names what stops activation: each unauthenticated connector (20) and the step with a missing mapping (30)", async () => {
    const { items } = await cyclr.getCyclePrerequisites(account, cycleId);
    const steps = (await cyclr.listCycleSteps(account, cycleId)).items;
    mailchimpStep = steps.find((s) => s.AccountConnector?.Name === "MailChimp")!.Id;
    expect(items).toEqual([
      { ReasonCode: 20, Reason: "Unauthenticated connector", ObjectType: "AccountConnector", ObjectId: String(salesforce) },
      { ReasonCode: 20, Reason: "Unauthenticated connector", ObjectType: "AccountConnector", ObjectId: String(mailchimp) },
      { ReasonCode: 30, Reason: "Missing mapping", ObjectType: "Action", ObjectId: mailchimpStep },
    ]);
    const stepNeeds = (await cyclr.getStepPrerequisites(account, mailchimpStep)).items;
    expect(stepNeeds).toEqual([{ ReasonCode: 40, Reason: "Missing parameter mapping", ObjectType: "Parameter", ObjectId: expect.any(String) }]);
    listParameter = stepNeeds[0]!.ObjectId!;
    const [parameter] = (await cyclr.listStepParameters(account, mailchimpStep)).items;
    expect(parameter).toMatchObject({ Parameter: { Id: listParameter, Name: "List", Triggers: [{ AccountConnectorId: mailchimp }] }, HasValue: false });
    // The template's own mappings came with it; the user-configurable one did not (Cyclr's docs).
    const fields = (await cyclr.listStepFieldMappings(account, mailchimpStep)).items;
    expect(fields.map((f) => [f.Field.Name, f.HasValue, f.IsLaunchVisible])).toEqual([
      ["Email Address", true, false],
      ["Status", true, false],
      ["Tag", false, true],
    ]);
  });

  it("offers a lookup's choices only once the connector is authenticated", async () => {
    const [parameter] = (await cyclr.listStepParameters(account, mailchimpStep)).items;
    const triggerId = parameter!.Parameter.Triggers[0]!.TriggerId!;
    const before = await rejection(cyclr.lookupStepParameter(account, mailchimpStep, listParameter, triggerId));
    expect(before.status).toBe(400);
    await cyclr.setAccountConnectorAuthValue(account, mailchimp, "mc-key-us6");
    const choices = (await cyclr.lookupStepParameter(account, mailchimpStep, listParameter, triggerId)).items;
    expect(choices.map((c) => c.Name)).toEqual(["Newsletter Subscribers", "Customers", "Webinar Leads"]);
    expect((await rejection(cyclr.lookupStepParameter(account, mailchimpStep, listParameter, "999"))).status).toBe(404);
    const set = await cyclr.setStepParameter(account, mailchimpStep, listParameter, { mappingType: "StaticValue", value: choices[1]!.Value });
    expect(set.HasValue).toBe(true);
    expect(sandbox.cycle(account, cycleId)?.steps[1]?.parameters[0]?.Value).toBe("c41d09b2e5");
  });

  it("refuses activation while a prerequisite remains, and an interval not in Cyclr's list", async () => {
    expect((await cyclr.getCyclePrerequisites(account, cycleId)).items.map((p) => p.ReasonCode)).toEqual([20]);
    expect((await rejection(cyclr.activateCycle(account, cycleId, { Interval: 15 }))).status).toBe(400);
    await cyclr.setAccountConnectorAuthValue(account, salesforce, JSON.stringify({ AccessToken: "sf", RefreshToken: "sf" }));
    expect((await cyclr.getCyclePrerequisites(account, cycleId)).items).toEqual([]);
    expect((await rejection(cyclr.activateCycle(account, cycleId, { Interval: 7 }))).upstreamMessage).toBe("Interval is not valid.");
    await cyclr.activateCycle(account, cycleId, { Interval: 15, StartTime: "2030-01-01T09:00:00Z" });
    expect(await cyclr.getCycle(account, cycleId)).toMatchObject({ Status: "Active" });
  });

  it("answers 409 to a change of a running cycle, and takes it once deactivated", async () => {
    const running = await rejection(cyclr.setStepParameter(account, mailchimpStep, listParameter, { mappingType: "StaticValue", value: "a78f86e7d7" }));
    expect(running.status).toBe(409);
    expect(running.request.target).toEqual({ kind: "parameter", id: listParameter, stepId: mailchimpStep });
    await cyclr.deactivateCycle(account, cycleId, true);
    expect(await cyclr.getCycle(account, cycleId)).toMatchObject({ Status: "Paused" });
    await cyclr.setStepParameter(account, mailchimpStep, listParameter, { mappingType: "StaticValue", value: "a78f86e7d7" });
    expect(sandbox.requests.at(-1)).toMatchObject({ method: "PUT", json: { MappingType: "StaticValue", Value: "a78f86e7d7" } });
  });

  it("answers 400 for malformed ids and 404 for unknown ones, as Cyclr's tests show", async () => {
    expect((await rejection(cyclr.getCycle(account, "11111111-c5ff-4352-8985-53b687049999"))).status).toBe(404);
    expect((await rejection(cyclr.getCycle(account, "not-a-guid"))).status).toBe(400);
    expect((await rejection(cyclr.setStepFieldMapping(account, mailchimpStep, "1234", { mappingType: "StaticValue", value: "x" }))).status).toBe(404);
    expect((await rejection(cyclr.setStepFieldMapping(account, mailchimpStep, "XXX", { mappingType: "StaticValue", value: "x" }))).status).toBe(400);
    expect((await rejection(cyclr.getStepPrerequisites(account, "11111111-1f32-4bd7-8904-dddfddbec266"))).status).toBe(404);
    // Another account's cycle is not found from this one.
    expect((await rejection(cyclr.getCycle(sandbox.otherAccountId, cycleId))).status).toBe(404);
  });
});

describe("which account connectors a new cycle uses", () => {
  it("reuses the account's existing connectors (Existing Installation), installs new ones for a Fresh Installation template", async () => {
    const first = await cyclr.installTemplate("globex-eu-7731", SALESFORCE_TO_MAILCHIMP);
    const second = await cyclr.installTemplate("globex-eu-7731", SALESFORCE_TO_MAILCHIMP);
    expect(second.Connectors.map((c) => c.AccountConnectorId)).toEqual(first.Connectors.map((c) => c.AccountConnectorId));
    const shopify = await cyclr.installTemplate("globex-eu-7731", SHOPIFY_TO_QUICKBOOKS);
    const again = await cyclr.installTemplate("globex-eu-7731", SHOPIFY_TO_QUICKBOOKS);
    expect(again.Connectors.map((c) => c.AccountConnectorId)).not.toEqual(shopify.Connectors.map((c) => c.AccountConnectorId));
    const names = (await cyclr.listAccountConnectors("globex-eu-7731")).items.map((ac) => ac.Name);
    expect(names).toEqual(expect.arrayContaining(["Shopify", "Shopify 2", "QuickBooks Online", "QuickBooks Online 2"]));
  });
});

describe("what only the partner can fix", () => {
  it("reports a required field mapping that is not user configurable, and a decision step without criteria (31)", async () => {
    const xero = await cyclr.installTemplate(account, PIPEDRIVE_TO_XERO);
    const step = (await cyclr.listCycleSteps(account, xero.Id)).items[1]!;
    const needs = (await cyclr.getStepPrerequisites(account, step.Id)).items;
    const fields = (await cyclr.listStepFieldMappings(account, step.Id)).items;
    const missing = fields.filter((f) => needs.some((n) => n.ObjectId === f.Field.Id));
    expect(missing.map((f) => [f.Field.Name, f.IsLaunchVisible])).toEqual([
      ["Account Code", true],
      ["Tax Type", false],
    ]);
    const trello = await cyclr.installTemplate(account, TRELLO_TO_JIRA);
    const reasons = (await cyclr.getCyclePrerequisites(account, trello.Id)).items.map((p) => [p.ReasonCode, p.ObjectType]);
    expect(reasons).toEqual(expect.arrayContaining([[31, "Decision"], [30, "Action"], [20, "AccountConnector"]]));
  });
});

describe("faults", () => {
  it("an install whose answer is lost still made the cycle (the server must look before retrying)", async () => {
    const before = sandbox.cycles("initech-0042").length;
    sandbox.injectFault({ method: "POST", path: `/v1.0/templates/${SALESFORCE_TO_MAILCHIMP}/install`, afterHandling: true, status: 502 });
    const lost = await rejection(cyclr.installTemplate("initech-0042", SALESFORCE_TO_MAILCHIMP));
    expect(lost.status).toBe(502);
    expect(sandbox.cycles("initech-0042")).toHaveLength(before + 1);
  });
});
