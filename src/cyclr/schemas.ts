/**
 * zod schemas of Cyclr's JSON (api-notes §1, §3-§7). z.object strips unknown fields, so new fields
 * upstream never break parsing; fields we do not use (Icon, AuthValue's content) are not kept.
 */
import { z } from "zod";

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
export const ParameterSchema = z.object({
  Name: text,
  Description: text,
  TargetName: text,
  IsAccountConnectorProperty: flag,
  IsOptional: flag,
  IsSensitive: flag,
  Values: z
    .array(z.union([z.string(), z.number(), z.boolean()]).transform(String))
    .nullish()
    .transform((values) => (values && values.length > 0 ? values : undefined)),
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
  Categories: z
    .array(z.string())
    .nullish()
    .transform((values) => values ?? []),
  /**
   * Absent (not empty) when Cyclr leaves it out: callers then fetch the full definition. Only account
   * connector properties are kept; the connector's own settings are never shown or set.
   */
  Parameters: z
    .array(ParameterSchema)
    .nullish()
    .transform((values) => values?.filter((parameter) => parameter.IsAccountConnectorProperty)),
  Authentication: z
    .array(AuthenticationMethodSchema)
    .nullish()
    .transform((values) => values ?? []),
});
export type Connector = z.infer<typeof ConnectorSchema>;

export const ConnectorListSchema = z.array(ConnectorSchema);

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

export const AccountConnectorSchema = z
  .object({
    Id: intId,
    Name: text,
    Description: text,
    /** Cyclr echoes AuthValue in plain text: keep only whether one is stored. */
    AuthValue: z.unknown().optional(),
    Authenticated: flag,
    Connector: ConnectorSchema,
    Properties: z
      .array(AccountConnectorPropertySchema)
      .nullish()
      .transform((values) => values ?? []),
  })
  .transform(({ AuthValue, ...rest }) => ({
    ...rest,
    HasAuthValue: typeof AuthValue === "string" ? AuthValue.length > 0 : AuthValue !== null && AuthValue !== undefined,
  }));
export type AccountConnector = z.infer<typeof AccountConnectorSchema>;
export const AccountConnectorListSchema = z.array(AccountConnectorSchema);


export const SignInTokenSchema = z.object({
  Token: z.string().min(1),
  ExpiresAtUtc: z.string().min(1),
});
export type SignInToken = z.infer<typeof SignInTokenSchema>;

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
