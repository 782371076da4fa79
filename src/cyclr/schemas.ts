/**
 * zod schemas of Cyclr's JSON (api-notes §1, §3-§7). z.object strips unknown fields, so new fields
 * upstream never break parsing; fields we do not use (Icon, AuthValue's content) are not kept.
 */
import * as z from "zod";
import { isLoopbackHost } from "../loopback.js";

/** Cyclr's docs show literal "null" strings and empty strings where a value is absent. */
const text = z
  .string()
  .nullish()
  .transform((value) => (value === null || value === undefined || value === "" || value === "null" ? undefined : value));

const flag = z
  .boolean()
  .nullish()
  .transform((value) => value ?? false);

/** Integer ids; tolerate numeric strings. */
const intId = z.preprocess((value) => (typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value), z.number().int());

/** Ids that may be GUID strings or numbers; kept as strings. */
const anyId = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => (value === null || value === undefined ? undefined : String(value)));

// Only what the server reads is kept: a catalog of ten thousand connectors is held in memory.

/**
 * A list as kept in memory: a parsed or filtered array has room for more (some 150 bytes each),
 * and a catalog has three lists per connector; a copy is exactly its length.
 */
function exactly<T>(values: T[]): T[] {
  return values.slice();
}
export const ParameterSchema = z.object({
  Name: text,
  Description: text,
  TargetName: text,
  IsAccountConnectorProperty: flag,
  IsOptional: flag,
  IsSensitive: flag,
  // A null among the allowed values (seen in odd connectors) is no value: left out, not an error.
  Values: z
    .array(z.union([z.string(), z.number(), z.boolean()]).transform(String).nullable())
    .nullish()
    .transform((values) => {
      const kept = (values ?? []).filter((value): value is string => value !== null);
      return kept.length > 0 ? kept : undefined;
    }),
});
export type Parameter = z.infer<typeof ParameterSchema>;

export const AuthenticationMethodSchema = z.object({
  Id: anyId,
  AuthName: text,
  AuthType: text,
  OAuth2Type: text,
});
export type AuthenticationMethod = z.infer<typeof AuthenticationMethodSchema>;

export const ConnectorSchema = z.object({
  Id: intId,
  Name: z
    .string()
    .nullish()
    .transform((value) => value ?? ""),
  Description: text,
  Status: text,
  Version: text,
  AuthType: text,
  OAuth2Type: text,
  // Strings in every example (api-notes §3); a {Name} object is taken for its name, a null skipped.
  Categories: z
    .array(z.union([z.string(), z.object({ Name: z.string() }).transform((category) => category.Name), z.null()]))
    .nullish()
    .transform((values) => exactly((values ?? []).filter((value): value is string => value !== null))),
  /**
   * Absent (not empty) when Cyclr leaves it out: callers then fetch the full definition. Only account
   * connector properties are kept; the connector's own settings are never shown or set.
   */
  Parameters: z
    .array(ParameterSchema)
    .nullish()
    .transform((values) => (values ? exactly(values.filter((parameter) => parameter.IsAccountConnectorProperty)) : undefined)),
  Authentication: z
    .array(AuthenticationMethodSchema)
    .nullish()
    .transform((values) => exactly(values ?? [])),
});
export type Connector = z.infer<typeof ConnectorSchema>;

/**
 * An item of a list that did not parse: its Id (when it has one) and where the problem is (field
 * paths, never values, which may be secrets). One odd item never breaks a whole list.
 */
export interface LeftOutItem {
  id?: string;
  /** Its position in the page it came in, and that page (when paged). */
  index: number;
  page?: number;
  paths: string[];
}

export type ListEntry<T> = { ok: true; item: T } | { ok: false; leftOut: LeftOutItem };

/** A bare-array list parsed item by item: each entry is an item that parsed, or why one did not. */
export function lenientList<S extends z.ZodType>(item: S) {
  return z.array(z.unknown()).transform((values): ListEntry<z.output<S>>[] =>
    values.map((value, index) => {
      const parsed = item.safeParse(value);
      if (parsed.success) return { ok: true, item: parsed.data };
      const paths = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join(".") || "(item)"))].slice(0, 5);
      const rawId = typeof value === "object" && value !== null ? (value as { Id?: unknown }).Id : undefined;
      const id = typeof rawId === "string" || typeof rawId === "number" ? String(rawId).slice(0, 100) : undefined;
      return { ok: false, leftOut: { ...(id !== undefined && { id }), index, paths } };
    }),
  );
}

/** The items that parsed, and the ones left out. */
export function splitEntries<T>(entries: readonly ListEntry<T>[]): { items: T[]; leftOut: LeftOutItem[] } {
  const items: T[] = [];
  const leftOut: LeftOutItem[] = [];
  for (const entry of entries) {
    if (entry.ok) items.push(entry.item);
    else leftOut.push(entry.leftOut);
  }
  return { items, leftOut };
}

export const ConnectorListSchema = lenientList(ConnectorSchema);

/** A list before its items are parsed (a catalog page is parsed when the page walk takes it). */
export const RawListSchema = z.array(z.unknown());

/** A connector's icon alone, read when a card shows it: the catalog, held in memory, keeps none. */
export const ConnectorIconSchema = z.object({ Icon: text });

/** A property value may be a secret: only whether it is set is kept. */
export const AccountConnectorPropertySchema = z
  .object({
    Id: anyId,
    Name: z.string(),
    Value: z.unknown().optional(),
  })
  .transform(({ Id, Name, Value }) => ({ Id, Name, HasValue: Value !== null && Value !== undefined && Value !== "" }));
export type AccountConnectorProperty = z.infer<typeof AccountConnectorPropertySchema>;

/** In an account connector's Properties[], a property without a name (null in odd data) cannot be matched to anything: skipped. */
const PropertiesSchema = z
  .array(AccountConnectorPropertySchema.or(z.object({ Name: z.null().optional() }).transform(() => undefined)))
  .nullish()
  .transform((values) => (values ?? []).filter((value): value is AccountConnectorProperty => value !== undefined));

export const AccountConnectorSchema = z
  .object({
    Id: intId,
    Name: text,
    Description: text,
    /** Cyclr echoes AuthValue in plain text: keep only whether one is stored. */
    AuthValue: z.unknown().optional(),
    Authenticated: flag,
    Connector: ConnectorSchema,
    Properties: PropertiesSchema,
    /** The authentication method chosen at install, if Cyclr reports it (where it does is unknown: api-notes §3). */
    AuthenticationId: anyId,
  })
  .transform(({ AuthValue, ...rest }) => ({
    ...rest,
    HasAuthValue: typeof AuthValue === "string" ? AuthValue.length > 0 : AuthValue !== null && AuthValue !== undefined,
  }));
export type AccountConnector = z.infer<typeof AccountConnectorSchema>;
export const AccountConnectorListSchema = lenientList(AccountConnectorSchema);

/** A Cyclr account (partner level): Cyclr's tests show Id, Name, Description, Timezone, CreatedDate (api-notes addendum). */
export const AccountSchema = z.object({
  Id: z.union([z.string().min(1), z.number()]).transform(String),
  Name: text,
  Description: text,
  Timezone: text,
  CreatedDate: text,
});
export type Account = z.infer<typeof AccountSchema>;
export const AccountListSchema = lenientList(AccountSchema);

/** A success answer that only says what was done ({"Message"}: deauthenticate, delete); its body may also be empty. */
export const MessageSchema = z
  .object({ Message: z.string().optional() })
  .nullish()
  .transform((body) => ({ Message: body?.Message }));

export const SignInTokenSchema = z.object({
  Token: z.string().min(1),
  ExpiresAtUtc: z.string().min(1),
});
export type SignInToken = z.infer<typeof SignInTokenSchema>;

/**
 * A page of Cyclr's own for the person (LAUNCH, a Marketplace): a one-time link that signs them in
 * (cycles.md, LAUNCH). Token is in the URL too; the URL must be a web address a browser opens:
 * https, or http on this machine (the sandbox), never another scheme a chat would render as a link.
 */
const pageUrl = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
  }, "not an https URL");

export const LaunchLinkSchema = z.object({
  Token: z.string().min(1),
  LaunchUrl: pageUrl,
  ExpiresAtUtc: text,
  AccountId: text,
});
export type LaunchLink = z.infer<typeof LaunchLinkSchema>;

export const MarketplaceLinkSchema = z.object({
  Token: z.string().min(1),
  MarketplaceUrl: pageUrl,
  ExpiresAtUtc: text,
  AccountId: text,
});
export type MarketplaceLink = z.infer<typeof MarketplaceLinkSchema>;

export const AccessTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
});

/** Cyclr's error body ({"Message": "..."}) and the OAuth endpoint's ({"error": "..."}). */
export const ErrorBodySchema = z.object({
  Message: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

// Templates, cycles and steps (../shared/cyclr/cycles.md). Values a person sets may be anything,
// secrets included: only whether one is set is kept.

const hasValue = (value: unknown) => value !== null && value !== undefined && value !== "";

/** A flag Cyclr may leave out: undefined then, so "not said" stays apart from false. */
const maybeFlag = z
  .boolean()
  .nullish()
  .transform((value) => value ?? undefined);

/** A text id that must be there (GUIDs of templates, cycles and steps). */
const requiredId = z.union([z.string().min(1), z.number()]).transform(String);

/** A list inside an item: absent or null is empty. */
const listOf = <S extends z.ZodType>(item: S) =>
  z
    .array(item)
    .nullish()
    .transform((values): z.output<S>[] => values ?? []);

const textList = listOf(z.union([z.string(), z.number()]).transform(String).nullable()).transform((values) => values.filter((v): v is string => v !== null));

export const TemplateConnectorSchema = z.object({
  /** The catalog connector's id. */
  Id: intId.nullish().transform((value) => value ?? undefined),
  Name: z
    .string()
    .nullish()
    .transform((value) => value ?? ""),
  Version: text,
  StepCount: z.number().nullish().transform((value) => value ?? undefined),
});
export type TemplateConnector = z.infer<typeof TemplateConnectorSchema>;

export const TemplateSchema = z.object({
  Id: requiredId,
  Name: z
    .string()
    .nullish()
    .transform((value) => value ?? ""),
  Description: text,
  Tags: textList,
  Connectors: listOf(TemplateConnectorSchema),
});
export type Template = z.infer<typeof TemplateSchema>;
export const TemplateListSchema = lenientList(TemplateSchema);

/** A connector of a cycle: the catalog connector, and the account connector its steps use. */
export const CycleConnectorSchema = z.object({
  Id: intId.nullish().transform((value) => value ?? undefined),
  AccountConnectorId: intId.nullish().transform((value) => value ?? undefined),
  Name: text,
  Version: text,
  Authenticated: maybeFlag,
});
export type CycleConnector = z.infer<typeof CycleConnectorSchema>;

/** The install answer and GET /v1.0/cycles[/{id}]: Status is expected but not asserted by Cyclr's tests. */
export const CycleSchema = z.object({
  Id: requiredId,
  Name: text,
  Description: text,
  Status: text,
  TemplateId: anyId,
  CreatedOnUtc: text,
  /** "0001-01-01T00:00:00" when it never ran. */
  LastSuccessfulRunDate: text,
  Connectors: listOf(CycleConnectorSchema),
  Tags: textList,
  /** What Cyclr does when a step fails: Ignore, Retry ("Retry After a Wait"), ... (the template's On Step Error setting). */
  StepErrorAction: text,
});
export type Cycle = z.infer<typeof CycleSchema>;
export const CycleListSchema = lenientList(CycleSchema);

/** What stops activation: [{ReasonCode, Reason, ObjectType, ObjectId}] (cycle and step prerequisites). */
export const PrerequisiteSchema = z.object({
  ReasonCode: z.preprocess((value) => (typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value), z.number().int()),
  Reason: text,
  ObjectType: text,
  ObjectId: anyId,
});
export type Prerequisite = z.infer<typeof PrerequisiteSchema>;
export const PrerequisiteListSchema = lenientList(PrerequisiteSchema);

export const CycleStepSchema = z.object({
  Id: requiredId,
  Name: text,
  Description: text,
  /** "Action" in Cyclr's tests (a number when creating one). */
  ActionType: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((value) => (value === null || value === undefined ? undefined : String(value))),
  AccountConnector: z
    .object({ Id: intId.nullish().transform((value) => value ?? undefined), Name: text, Connector: z.object({ Id: z.unknown().optional(), Name: text }).nullish() })
    .nullish()
    .transform((value) => value ?? undefined),
  Method: z
    .object({ Name: text })
    .nullish()
    .transform((value) => value ?? undefined),
  /** Where Cyclr shows a webhook step's URL in the API is unknown: read when present. */
  WebhookUrl: text,
});
export type CycleStep = z.infer<typeof CycleStepSchema>;
export const CycleStepListSchema = lenientList(CycleStepSchema);

const TriggerSchema = z.object({
  TriggerId: anyId,
  AccountConnectorId: intId.nullish().transform((value) => value ?? undefined),
  MethodId: anyId,
  Name: text,
});

/** What a parameter and a field have in common (Parameter {…} and Field {…}). */
const MappedItemSchema = z.object({
  Id: requiredId,
  Name: text,
  Description: text,
  IsOptional: maybeFlag,
  Values: textList,
  Triggers: listOf(TriggerSchema),
  IsLaunchVisible: maybeFlag,
});

export const StepParameterSchema = z
  .object({
    Parameter: MappedItemSchema,
    MappingType: text,
    Value: z.unknown().optional(),
    IsLaunchVisible: maybeFlag,
  })
  .transform(({ Value, ...rest }) => ({ ...rest, HasValue: hasValue(Value) }));
export type StepParameter = z.infer<typeof StepParameterSchema>;
export const StepParameterListSchema = lenientList(StepParameterSchema);

export const FieldMappingSchema = z
  .object({
    Field: MappedItemSchema,
    MappingType: text,
    Value: z.unknown().optional(),
    IsLaunchVisible: maybeFlag,
    IsOptional: maybeFlag,
  })
  .transform(({ Value, ...rest }) => ({ ...rest, HasValue: hasValue(Value) }));
export type FieldMapping = z.infer<typeof FieldMappingSchema>;
export const FieldMappingListSchema = lenientList(FieldMappingSchema);

/** A lookup's choice: what the person reads (Name) and what is stored (Value). */
export const LookupChoiceSchema = z.object({
  Name: z.union([z.string(), z.number()]).transform(String),
  Value: z.union([z.string(), z.number()]).transform(String),
});
export type LookupChoice = z.infer<typeof LookupChoiceSchema>;
export const LookupChoiceListSchema = lenientList(LookupChoiceSchema);

/**
 * The first of these fields an incident carries is its time. Cyclr's tests assert none of them on
 * an incident (cycles.md: the item fields are CycleId, CycleName, IncidentLevel, ShortMessage,
 * FullMessage, StepId, StepName, TransactionId): the name is unknown, so each plausible one is read,
 * and an incident without any is shown without a time.
 */
export const INCIDENT_TIME_FIELDS = ["CreatedOnUtc", "Date", "Timestamp", "CreatedDate", "OccurredOnUtc", "DateTime"] as const;

/**
 * An incident (GET /v1.0/cycles/{id}/incidents, /cycles/incidents/error|warning). Its messages are
 * the third party's words and may quote the customer's data or credentials: they are kept here as
 * text, and cut, redacted and escaped where they are shown (mcp/shared/cycle-activity.ts).
 */
export const IncidentSchema = z
  .object({
    Id: anyId,
    CycleId: anyId,
    CycleName: text,
    IncidentLevel: text,
    ShortMessage: text,
    FullMessage: text,
    StepId: anyId,
    StepName: text,
    TransactionId: anyId,
  })
  .catchall(z.unknown())
  .transform((incident) => {
    let at: string | undefined;
    let timeField: string | undefined;
    for (const field of INCIDENT_TIME_FIELDS) {
      const value = incident[field];
      if (typeof value === "string" && value.trim() && Number.isFinite(Date.parse(asUtc(value)))) {
        at = asUtc(value);
        timeField = field;
        break;
      }
    }
    return {
      Id: incident.Id,
      CycleId: incident.CycleId,
      CycleName: incident.CycleName,
      IncidentLevel: incident.IncidentLevel,
      ShortMessage: incident.ShortMessage,
      FullMessage: incident.FullMessage,
      StepId: incident.StepId,
      StepName: incident.StepName,
      TransactionId: incident.TransactionId,
      At: at,
      /** Which field held the time (doctor --deep reports it, to settle the name). */
      TimeField: timeField,
    };
  });
export type Incident = z.infer<typeof IncidentSchema>;
export const IncidentListSchema = lenientList(IncidentSchema);

/** Cyclr writes UTC times without a zone ("0001-01-01T00:00:00"): read them as UTC. */
export function asUtc(value: string): string {
  return /^\d{4}-\d\d-\d\dT[\d:.]+$/.test(value) ? `${value}Z` : value;
}
