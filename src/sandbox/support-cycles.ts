/**
 * The support accounts' integrations, for the walks of issue 25: Acme Corporation's "Salesforce
 * contacts to Mailchimp" runs and fails since Salesforce revoked its sign-in (Cyclr still calls it
 * authenticated), and Initech's "Pipedrive won deals to Xero invoices" stopped days ago after errors,
 * its connectors no longer signed in. Their account connectors continue the numbering from 700006.
 */
import type { CycleRuns } from "./cycle-runs.js";
import type { SandboxCycles } from "./cycles.js";
import type { AccountConnectorRecord } from "./records.js";
import { TEMPLATE_SPECS } from "./template-fixtures.js";

const SALESFORCE_TO_MAILCHIMP = "7ad2265e-2ff0-477b-b913-cae1dfde2ea8";
const PIPEDRIVE_TO_XERO = "3c1f0b9e-5a7d-4e2b-9c61-0d8e4f2a7b15";
const HOUR = 3_600_000;

export interface SupportSeedHost {
  cycles: SandboxCycles;
  runs: CycleRuns;
  addAccountConnector(record: AccountConnectorRecord): void;
  accountConnector(accountId: string, id: number): AccountConnectorRecord | undefined;
  connectorId(name: string): number | undefined;
}

export function seedSupportCycles(host: SupportSeedHost, now = Date.now()): void {
  const template = (id: string) => TEMPLATE_SPECS.find((t) => t.id === id);
  const mailchimpId = host.connectorId("MailChimp");
  const salesforce = host.accountConnector("acme-corp-4821", 700_001);
  const sync = template(SALESFORCE_TO_MAILCHIMP);
  if (mailchimpId !== undefined && salesforce && sync) {
    host.addAccountConnector({ Id: 700_006, AccountId: "acme-corp-4821", ConnectorId: mailchimpId, Name: "MailChimp", Description: null, AuthValue: "acme-mc-4821-us6", AuthenticationId: null, Properties: [] });
    const cycle = host.cycles.install("acme-corp-4821", sync);
    const list = cycle.steps[1]?.parameters.find((p) => p.Name === "List");
    if (list) Object.assign(list, { MappingType: "StaticValue", Value: "c41d09b2e5" });
    Object.assign(cycle, { Status: "Active", Interval: 15, StartTime: new Date(now - 30 * 24 * HOUR).toISOString(), CreatedOnUtc: new Date(now - 30 * 24 * HOUR).toISOString() });
    // It ran until yesterday morning, when Salesforce revoked the token Cyclr holds; every run since failed.
    cycle.LastSuccessfulRunDate = new Date(now - 26 * HOUR).toISOString();
    host.runs.revoke(salesforce);
    const step = cycle.steps[0];
    for (let hours = 25; hours >= 1; hours -= 4) {
      host.runs.addIncident(cycle, {
        IncidentLevel: "Error",
        ShortMessage: "Failed to call the method",
        FullMessage:
          '401 Unauthorized\r\n[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]\r\n\r\n\r\nHTTP Request:\r\n' +
          "GET https://acme.my.salesforce.com/services/data/v58.0/query?q=SELECT+Id,Email+FROM+Contact HTTP/1.1\r\nAuthorization: Bearer revoked-upstream\r\nUser-Agent: Cyclr",
        ...(step && { StepId: step.Id }),
        CreatedOnUtc: new Date(now - hours * HOUR).toISOString(),
      });
    }
    host.runs.scheduleIn(cycle, 15);
  }

  const stopped = template(PIPEDRIVE_TO_XERO);
  if (stopped && host.accountConnector("initech-0042", 700_003)) {
    const cycle = host.cycles.install("initech-0042", stopped);
    const code = cycle.steps[1]?.fields.find((f) => f.Name === "Account Code");
    if (code) Object.assign(code, { MappingType: "StaticValue", Value: "200" });
    cycle.LastSuccessfulRunDate = new Date(now - 80 * HOUR).toISOString();
    const step = cycle.steps[1];
    for (const hours of [78, 76, 74]) {
      host.runs.addIncident(cycle, {
        IncidentLevel: "Error",
        ShortMessage: "Failed to call the method",
        FullMessage: "Account connector 'Xero' is not authenticated. Authenticate it before the step can run.",
        ...(step && { StepId: step.Id }),
        CreatedOnUtc: new Date(now - hours * HOUR).toISOString(),
      });
    }
    host.runs.addIncident(cycle, {
      IncidentLevel: "Warning",
      ShortMessage: "Call blocked: waiting after a 429 from the application",
      FullMessage: "429 Too Many Requests. Retry-After: 60",
      ...(cycle.steps[0] && { StepId: cycle.steps[0].Id }),
      CreatedOnUtc: new Date(now - 79 * HOUR).toISOString(),
    });
  }
}
