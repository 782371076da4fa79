/**
 * What a setting is: an environment variable, the CLI flag that mirrors it, its help line and the zod
 * schema of its value, together. Each concern keeps a table of these (cyclr.ts, http.ts, ...); the
 * loader (index.ts) drives parseArgs, validation, --help and the README's table from them.
 */
import * as z from "zod";
import { isLoopbackHost } from "../loopback.js";

export interface Setting {
  env: string;
  flag: string;
  type: "string" | "boolean";
  help: string;
  secret?: boolean;
  /** The value as given (a string, or true for a boolean flag) to what the program uses. */
  value: z.ZodType;
}

export type SettingsTable = Record<string, Setting>;

/** The values of a table's settings once parsed. */
export type SettingValues<T extends SettingsTable> = { [K in keyof T]: z.output<T[K]["value"]> };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The command the configuration was for (doctor reports a bad configuration as a failed check). */
  command?: string;
}

/** `raw` as an http(s) URL (plain http only for loopback), or an issue on `ctx` naming what is wrong. */
function httpUrl(raw: string, ctx: z.RefinementCtx, what: string, example: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    ctx.addIssue({ code: "custom", message: `is not a valid ${what}; expected something like ${example}` });
    return undefined;
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    ctx.addIssue({ code: "custom", message: `must use https (plain http is accepted only for loopback hosts); got ${url.protocol}//${url.host}` });
    return undefined;
  }
  return url;
}

/** An http(s) origin; plain http only for loopback. */
export function originSchema(what: string, example: string) {
  return z.string().transform((raw, ctx) => {
    const url = httpUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`, ctx, what, example);
    if (!url) return z.NEVER;
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password) {
      ctx.addIssue({ code: "custom", message: `must be an origin only, with no path, query or credentials; expected something like ${example}` });
      return z.NEVER;
    }
    return url.origin;
  });
}

/** An http(s) URL (a path is allowed); plain http only for loopback. */
export function urlSchema(what: string, example: string) {
  return z.string().transform((raw, ctx) => {
    const url = httpUrl(raw, ctx, what, example);
    if (!url) return z.NEVER;
    if (url.hash || url.username || url.password) {
      ctx.addIssue({ code: "custom", message: `must not carry credentials or a fragment; expected something like ${example}` });
      return z.NEVER;
    }
    // Kept as written: an issuer is compared with the tokens' iss claim character for character.
    return raw;
  });
}

export const nonEmpty = z.string().trim().min(1, "must not be empty");

/** A comma-separated list, blanks dropped. */
export const list = z.string().transform((text, ctx) => {
  const items = text.split(",").map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) ctx.addIssue({ code: "custom", message: "must list at least one value, comma-separated" });
  return items;
});

export const booleanText = z
  .union([z.boolean(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === "boolean") return value;
    const text = value.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(text)) return true;
    if (["", "0", "false", "no", "off"].includes(text)) return false;
    ctx.addIssue({ code: "custom", message: "must be 1 or 0 (true or false)" });
    return z.NEVER;
  });

/** A whole number of things, at least 1. */
export function count(what: string, max: number, fallback: number) {
  return z.coerce
    .number({ message: `must be a whole number of ${what}, e.g. ${fallback}` })
    .int(`must be a whole number of ${what}, e.g. ${fallback}`)
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`)
    .default(fallback);
}

/** A whole number of `unit` between min and max, with the messages naming the unit and an example. */
export function wholeNumber(unit: string, example: number, min: [number, string], max: [number, string], fallback: number) {
  return z.coerce
    .number({ message: `must be a whole number of ${unit}, e.g. ${example}` })
    .int(`must be a whole number of ${unit}, e.g. ${example}`)
    .min(min[0], min[1])
    .max(max[0], max[1])
    .default(fallback);
}
