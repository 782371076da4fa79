/** Arguments that several tools share, so each is described once. */
import { z } from "zod";

export const accountIdArg = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .optional()
  .describe("The account's API ID; default the server's.");

export const accountConnectorIdArg = z
  .number()
  .int()
  .positive()
  .describe("From install_connector or list_account_connectors.");

export const confirmArg = z.boolean().optional().describe("true once the person agreed (a form asks them where the client can).");

export const propertiesArg = z
  .array(
    z.object({
      name: z.string().trim().min(1).max(200).describe("Property name: the connector parameter's TargetName, as listed in missingProperties."),
      value: z.string().max(10_000).describe("The value to set. For a property with allowed values, one of them."),
    }),
  )
  .max(50);
