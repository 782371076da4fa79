/**
 * The sandbox's cycles: templates installed into accounts, their steps with parameters, lookups and
 * field mappings, what stops activation (prerequisites), and activation itself, following
 * ../shared/cyclr/cycles.md. Behaviour the notes leave unknown is marked "inferred" and takes the
 * strictest reading, so that the server is shown to work either way. Records are kept in the shapes
 * issue 25 builds on (status, schedule, the steps' account connectors).
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { ConnectorFixture } from "./fixtures.js";
import type { AccountConnectorRecord } from "./records.js";
import { TEMPLATE_SPECS, type LookupChoice, type TemplateSpec, type ValueSpec } from "./template-fixtures.js";

/** The intervals Cyclr accepts, in minutes (cycle activation docs). */
export const CYCLE_INTERVALS = [1, 5, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 10080] as const;

/** The mapping types the notes document; anything else is refused (inferred, strictest). */
const MAPPING_TYPES = new Set(["Ignore", "StaticValue", "ValueList"]);

/** What a step's parameters and field mappings have alike: a value to map, and how it is mapped. */
interface MappedValueRecord {
  Id: number;
  Name: string;
  Description: string | null;
  IsOptional: boolean;
  Values: string[];
  DisplayOrder: number;
  MappingType: string | null;
  Value: string | null;
}

export interface ParameterRecord extends MappedValueRecord {
  lookup?: { triggerId: number; methodId: number; name: string; humanReadableKey: string; identifierKey: string; choices: LookupChoice[] };
}

export interface FieldRecord extends MappedValueRecord {
  IsLaunchVisible: boolean;
}

export interface StepRecord {
  Id: string;
  Name: string;
  ActionType: "Action" | "Decision";
  ConnectorId: number | null;
  AccountConnectorId: number | null;
  MethodId: number;
  MethodName: string;
  /** The webhook's identifier, for a webhook step (its URL ends with it). */
  webhookId?: string;
  missingCriteria: boolean;
  parameters: ParameterRecord[];
  fields: FieldRecord[];
}

export interface CycleRecord {
  Id: string;
  AccountId: string;
  TemplateId: string;
  Name: string;
  Description: string | null;
  Status: "Paused" | "Active";
  CreatedOnUtc: string;
  /** Cyclr's "never" is 0001-01-01T00:00:00 (install docs). */
  LastSuccessfulRunDate: string;
  Interval: number | null;
  StartTime: string | null;
  RunOnce: boolean;
  Tags: string[];
  steps: StepRecord[];
}

export interface Prerequisite {
  ReasonCode: number;
  Reason: string;
  ObjectType: string;
  ObjectId: number | string;
}

/** What the cycles need of the rest of the sandbox: the catalog and the account connectors. */
export interface CycleHost {
  connectorsById: Map<number, ConnectorFixture>;
  connectorByName(name: string): ConnectorFixture | undefined;
  accountConnectorsOf(accountId: string): AccountConnectorRecord[];
  accountConnector(accountId: string, id: number): AccountConnectorRecord | undefined;
  installAccountConnector(accountId: string, connector: ConnectorFixture): AccountConnectorRecord;
  isAuthenticated(record: AccountConnectorRecord): boolean;
}

/** A failure the routes turn into Cyclr's {"Message"} answer. */
export class CycleError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NEVER = "0001-01-01T00:00:00";

export class SandboxCycles {
  readonly templates: TemplateSpec[] = TEMPLATE_SPECS;
  readonly cycles = new Map<string, CycleRecord>();
  private nextParameterId = 16_001;
  private nextFieldId = 283_001;
  private nextTriggerId = 4_101;
  private nextMethodId = 36_601;

  /** The cycle's incidents by level, for ErrorCount and WarningCount (cycle-runs.ts keeps them). */
  countIncidents?: (cycle: CycleRecord) => { errors: number; warnings: number };

  constructor(private readonly host: CycleHost) {}

  template(id: string): TemplateSpec | undefined {
    return this.templates.find((t) => t.id.toLowerCase() === id.toLowerCase());
  }

  cycle(accountId: string, id: string): CycleRecord | undefined {
    const record = this.cycles.get(id.toLowerCase());
    return record && record.AccountId === accountId ? record : undefined;
  }

  cyclesOf(accountId: string): CycleRecord[] {
    return [...this.cycles.values()].filter((c) => c.AccountId === accountId);
  }

  /** The step with this id in one of the account's cycles, and its cycle. */
  step(accountId: string, stepId: string): { cycle: CycleRecord; step: StepRecord } | undefined {
    for (const cycle of this.cyclesOf(accountId)) {
      const step = cycle.steps.find((s) => s.Id.toLowerCase() === stepId.toLowerCase());
      if (step) return { cycle, step };
    }
    return undefined;
  }

  /**
   * Installs a template: a paused cycle with its own steps. Its connectors are the account's
   * existing ones ("Existing Installation"; an authenticated one first, else the first installed:
   * inferred), or new ones ("Fresh Installation", or when the account has none).
   */
  install(accountId: string, template: TemplateSpec, name?: string): CycleRecord {
    const chosen = new Map<number, AccountConnectorRecord>();
    const accountConnectorFor = (connector: ConnectorFixture): AccountConnectorRecord => {
      const known = chosen.get(connector.Id);
      if (known) return known;
      const installed = this.host.accountConnectorsOf(accountId).filter((r) => r.ConnectorId === connector.Id);
      const reused = template.installation === "existing" ? (installed.find((r) => this.host.isAuthenticated(r)) ?? installed[0]) : undefined;
      const record = reused ?? this.host.installAccountConnector(accountId, connector);
      chosen.set(connector.Id, record);
      return record;
    };
    const steps = template.steps.map((spec): StepRecord => {
      const connector = spec.connector !== undefined ? this.host.connectorByName(spec.connector) : undefined;
      if (spec.connector !== undefined && !connector) throw new Error(`template ${template.name}: no connector ${spec.connector} in the catalog`);
      const accountConnector = connector ? accountConnectorFor(connector) : undefined;
      const step: StepRecord = {
        Id: randomUUID(),
        Name: spec.name,
        ActionType: spec.actionType ?? "Action",
        ConnectorId: connector?.Id ?? null,
        AccountConnectorId: accountConnector?.Id ?? null,
        MethodId: this.nextMethodId++,
        MethodName: spec.method,
        missingCriteria: spec.missingCriteria ?? false,
        parameters: (spec.parameters ?? []).map((value, i) => this.parameter(value, i, accountConnector)),
        fields: (spec.fields ?? []).map((value, i) => this.field(value, i)),
      };
      if (spec.webhook) step.webhookId = randomBytes(6).toString("hex");
      return step;
    });
    const cycle: CycleRecord = {
      Id: randomUUID(),
      AccountId: accountId,
      TemplateId: template.id,
      Name: name ?? template.name,
      Description: template.description,
      Status: "Paused",
      CreatedOnUtc: new Date().toISOString(),
      LastSuccessfulRunDate: NEVER,
      Interval: null,
      StartTime: null,
      RunOnce: false,
      Tags: [...template.tags],
      steps,
    };
    this.cycles.set(cycle.Id, cycle);
    return cycle;
  }

  private parameter(spec: ValueSpec, index: number, accountConnector: AccountConnectorRecord | undefined): ParameterRecord {
    const record: ParameterRecord = {
      Id: this.nextParameterId++,
      Name: spec.name,
      Description: spec.description ?? null,
      IsOptional: spec.optional ?? false,
      Values: spec.values ?? [],
      DisplayOrder: index + 1,
      MappingType: spec.preset !== undefined ? "StaticValue" : null,
      Value: spec.preset ?? null,
    };
    if (spec.lookup && accountConnector) {
      record.lookup = { triggerId: this.nextTriggerId++, methodId: this.nextMethodId++, name: spec.lookup.trigger, humanReadableKey: spec.lookup.humanReadableKey, identifierKey: spec.lookup.identifierKey, choices: spec.lookup.choices };
    }
    return record;
  }

  private field(spec: ValueSpec, index: number): FieldRecord {
    // A user-configurable mapping is left for the person at install (Cyclr's docs: not copied).
    const preset = spec.userConfigurable ? undefined : spec.preset;
    return {
      Id: this.nextFieldId++,
      Name: spec.name,
      Description: spec.description ?? null,
      IsOptional: spec.optional ?? false,
      Values: spec.values ?? [],
      DisplayOrder: index + 1,
      MappingType: preset !== undefined ? (spec.values?.includes(preset) ? "ValueList" : "StaticValue") : "Ignore",
      Value: preset ?? null,
      IsLaunchVisible: spec.userConfigurable ?? false,
    };
  }

  /** What stops the cycle from being activated, cycle level: connectors, steps with missing mappings, tool steps. */
  prerequisites(cycle: CycleRecord): Prerequisite[] {
    const found: Prerequisite[] = [];
    if (cycle.steps.length < 2) found.push({ ReasonCode: 10, Reason: "Cycle must have at least two steps", ObjectType: "Cycle", ObjectId: cycle.Id });
    const seen = new Set<number>();
    for (const step of cycle.steps) {
      if (step.AccountConnectorId === null || seen.has(step.AccountConnectorId)) continue;
      seen.add(step.AccountConnectorId);
      const record = this.host.accountConnector(cycle.AccountId, step.AccountConnectorId);
      if (!record || !this.host.isAuthenticated(record)) {
        found.push({ ReasonCode: 20, Reason: "Unauthenticated connector", ObjectType: "AccountConnector", ObjectId: step.AccountConnectorId });
      }
    }
    for (const step of cycle.steps) {
      if (this.stepPrerequisites(step).length) found.push({ ReasonCode: 30, Reason: "Missing mapping", ObjectType: "Action", ObjectId: step.Id });
      // Inferred: the notes say decision steps appear, with an ObjectType they do not give.
      if (step.missingCriteria) found.push({ ReasonCode: 31, Reason: "Missing decision criteria", ObjectType: "Decision", ObjectId: step.Id });
    }
    return found;
  }

  /** What one step still needs: its required parameters and field mappings without a value. */
  stepPrerequisites(step: StepRecord): Prerequisite[] {
    return [
      ...step.parameters.filter(isMissing).map((p) => ({ ReasonCode: 40, Reason: "Missing parameter mapping", ObjectType: "Parameter", ObjectId: p.Id })),
      ...step.fields.filter(isMissing).map((f) => ({ ReasonCode: 41, Reason: "Missing field mapping", ObjectType: "ConnectorFieldMapping", ObjectId: f.Id })),
    ];
  }

  /** Sets a parameter or a field mapping (PUT, or POST as the value-list page shows): refused with 409 while the cycle runs (inferred there). */
  setMapping(cycle: CycleRecord, target: ParameterRecord | FieldRecord, body: Record<string, unknown>): void {
    if (cycle.Status === "Active") throw new CycleError(409, "The cycle is running: deactivate it before changing it.");
    const mappingType = body.MappingType;
    if (mappingType !== null && (typeof mappingType !== "string" || !MAPPING_TYPES.has(mappingType))) throw new CycleError(400, "The request is invalid.");
    const value = body.Value === undefined || body.Value === null ? null : String(body.Value);
    // Inferred, strictest: a value-list mapping takes one of the listed values.
    if (mappingType === "ValueList" && (value === null || !target.Values.includes(value))) throw new CycleError(400, `'${value ?? ""}' is not one of the values of '${target.Name}'.`);
    target.MappingType = mappingType;
    target.Value = mappingType === "Ignore" || mappingType === null ? null : value;
    if ("IsLaunchVisible" in target && typeof body.IsLaunchVisible === "boolean") target.IsLaunchVisible = body.IsLaunchVisible;
  }

  /** A lookup's choices, from the connector's account: which the account connector must be authenticated to reach (inferred). */
  lookup(cycle: CycleRecord, step: StepRecord, parameter: ParameterRecord, triggerId: unknown): LookupChoice[] {
    const lookup = parameter.lookup;
    if (!lookup || String(triggerId) !== String(lookup.triggerId)) throw new CycleError(404, `Trigger '${String(triggerId ?? "")}' not found.`);
    const record = step.AccountConnectorId === null ? undefined : this.host.accountConnector(cycle.AccountId, step.AccountConnectorId);
    if (!record || !this.host.isAuthenticated(record)) throw new CycleError(400, `Account connector '${record?.Name ?? step.AccountConnectorId}' is not authenticated.`);
    return lookup.choices;
  }

  /** PUT .../activate: {StartTime?, Interval?, RunOnce?}. Refused while prerequisites remain (inferred: unknown what Cyclr answers). */
  activate(cycle: CycleRecord, body: Record<string, unknown>): void {
    if (this.prerequisites(cycle).length) throw new CycleError(400, "The cycle cannot be activated: it has prerequisites that have not been met.");
    const runOnce = body.RunOnce === true;
    const webhook = cycle.steps[0]?.webhookId !== undefined;
    let interval: number | null = null;
    if (!runOnce && !webhook) {
      // Inferred, strictest: a scheduled cycle needs one of the documented intervals.
      if (typeof body.Interval !== "number" || !(CYCLE_INTERVALS as readonly number[]).includes(body.Interval)) throw new CycleError(400, "Interval is not valid.");
      interval = body.Interval;
    }
    let startTime: string | null = null;
    if (body.StartTime !== undefined && body.StartTime !== null) {
      if (typeof body.StartTime !== "string" || Number.isNaN(Date.parse(body.StartTime))) throw new CycleError(400, "StartTime is not valid.");
      startTime = new Date(body.StartTime).toISOString();
    }
    cycle.Status = "Active";
    cycle.Interval = interval;
    cycle.StartTime = startTime;
    cycle.RunOnce = runOnce;
  }

  deactivate(cycle: CycleRecord): void {
    cycle.Status = "Paused";
  }

  /** The cycle JSON of the install answer and of GET /v1.0/cycles[/{id}] (install docs, cycles tests). */
  render(cycle: CycleRecord, includeIcons = false): Record<string, unknown> {
    const connectors: Record<string, unknown>[] = [];
    for (const step of cycle.steps) {
      if (step.ConnectorId === null) continue;
      const existing = connectors.find((c) => c.AccountConnectorId === step.AccountConnectorId);
      if (existing) {
        existing.StepCount = (existing.StepCount as number) + 1;
        continue;
      }
      const connector = this.host.connectorsById.get(step.ConnectorId);
      const record = step.AccountConnectorId === null ? undefined : this.host.accountConnector(cycle.AccountId, step.AccountConnectorId);
      connectors.push({
        Id: step.ConnectorId,
        AccountConnectorId: step.AccountConnectorId,
        Name: connector?.Name ?? null,
        Version: connector?.Version ?? null,
        Authenticated: record ? this.host.isAuthenticated(record) : false,
        StepCount: 1,
        Icon: includeIcons ? (connector?.Icon ?? null) : null,
      });
    }
    const counts = this.countIncidents?.(cycle);
    return {
      Id: cycle.Id,
      CreatedOnUtc: cycle.CreatedOnUtc,
      TasksUsed: 0,
      ErrorCount: counts?.errors ?? 0,
      WarningCount: counts?.warnings ?? 0,
      Connectors: connectors,
      Status: cycle.Status,
      LastSuccessfulRunDate: cycle.LastSuccessfulRunDate,
      InProgressTransactionCount: 0,
      Name: cycle.Name,
      Description: cycle.Description,
      Shareable: false,
      StepErrorAction: "Ignore",
      LogStepDataRequests: true,
      CollectionSplitType: "None",
      Tags: cycle.Tags,
      TemplateId: cycle.TemplateId,
    };
  }

  /** A step as GET /v1.0/cycles/{id}/steps[/{stepId}] answers it (tests check Id and AccountConnector.Name). */
  renderStep(cycle: CycleRecord, step: StepRecord, origin: string): Record<string, unknown> {
    const record = step.AccountConnectorId === null ? undefined : this.host.accountConnector(cycle.AccountId, step.AccountConnectorId);
    const connector = step.ConnectorId === null ? undefined : this.host.connectorsById.get(step.ConnectorId);
    return {
      Id: step.Id,
      Name: step.Name,
      Description: null,
      ActionType: step.ActionType,
      AccountConnector: record ? { Id: record.Id, Name: record.Name, Connector: { Id: connector?.Id, Name: connector?.Name, Version: connector?.Version } } : null,
      Method: { Id: step.MethodId, Name: step.MethodName },
      // Inferred: where Cyclr shows a webhook step's URL in the API is unknown; the console shows it in Step Setup.
      ...(step.webhookId !== undefined && { WebhookUrl: `${origin}/api/webhook/${step.webhookId}` }),
    };
  }

  /** A parameter mapping as GET/PUT /v1.0/steps/{id}/parameters[/{pid}] answers it (parameter mapping docs). */
  renderParameter(step: StepRecord, parameter: ParameterRecord): Record<string, unknown> {
    const lookup = parameter.lookup;
    return {
      Parameter: {
        Id: parameter.Id,
        Name: parameter.Name,
        Description: parameter.Description,
        IsOptional: parameter.IsOptional,
        DataType: "Undefined",
        TriggerName: lookup?.name ?? null,
        Values: parameter.Values,
        DisplayOrder: parameter.DisplayOrder,
        Triggers: lookup
          ? [{ TriggerId: lookup.triggerId, AccountConnectorId: step.AccountConnectorId, MethodId: lookup.methodId, Name: lookup.name, HumanReadableKey: lookup.humanReadableKey, IdentifierKey: lookup.identifierKey, SubTriggers: [], EntityId: parameter.Id }]
          : [],
      },
      IsEntityIdentifier: false,
      MappingType: parameter.MappingType,
      SourceFieldId: null,
      SourceStepId: null,
      TriggerValue: null,
      TriggerValueDisplayName: null,
      Value: parameter.Value,
    };
  }

  /** A field mapping as GET/PUT /v1.0/steps/{id}/fieldmappings[/{fid}] answers it (tests and field mapping docs). */
  renderField(field: FieldRecord): Record<string, unknown> {
    return {
      Field: { Id: field.Id, Name: field.Name, Description: field.Description, IsOptional: field.IsOptional, DataType: "Undefined", TriggerName: null, Values: field.Values, DisplayOrder: field.DisplayOrder, Triggers: [] },
      MappingType: field.MappingType,
      SourceFieldId: null,
      SourceStepId: null,
      TriggerValue: null,
      TriggerValueDisplayName: null,
      Value: field.Value,
      IsLaunchVisible: field.IsLaunchVisible,
      IsOptional: field.IsOptional,
    };
  }

  /** A template as GET /v1.0/templates[/{id}] answers it: Connectors with their step counts, Tags. */
  renderTemplate(template: TemplateSpec, includeIcons = false): Record<string, unknown> {
    const connectors: Record<string, unknown>[] = [];
    for (const step of template.steps) {
      if (step.connector === undefined) continue;
      const connector = this.host.connectorByName(step.connector);
      const existing = connectors.find((c) => c.Name === step.connector);
      if (existing) existing.StepCount = (existing.StepCount as number) + 1;
      else connectors.push({ Id: connector?.Id ?? null, Name: step.connector, Version: connector?.Version ?? null, StepCount: 1, Icon: includeIcons ? (connector?.Icon ?? null) : null });
    }
    return { Id: template.id, Name: template.name, Description: template.description, Tags: template.tags, Connectors: connectors };
  }
}

function isMissing(value: ParameterRecord | FieldRecord): boolean {
  if (value.IsOptional) return false;
  return value.MappingType === null || value.MappingType === "Ignore" || value.Value === null || value.Value === "";
}
