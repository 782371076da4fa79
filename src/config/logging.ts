/** The settings of the log on stderr (stdout is the protocol channel in stdio mode). */
import * as z from "zod";
import type { SettingsTable } from "./setting.js";

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOGGING_SETTINGS = {
  logLevel: {
    env: "CYCLR_LOG_LEVEL",
    flag: "log-level",
    type: "string",
    help: "Log level on stderr: error, warn, info (default) or debug.",
    value: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  },
  logFormat: {
    env: "CYCLR_LOG_FORMAT",
    flag: "log-format",
    type: "string",
    help: "Log lines on stderr as text (default) or json (one object per line, for hosted use).",
    value: z.enum(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(", ")}` }).default("text"),
  },
} as const satisfies SettingsTable;
