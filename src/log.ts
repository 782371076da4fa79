/**
 * Logs go to stderr only: in stdio mode stdout is the protocol channel. Every line passes the
 * redactor. Text lines for people, or one JSON object per line for hosted use; fields set with
 * withLogContext (a request id, say) join every line logged while that work runs.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { LogFormat, LogLevel } from "./config/index.js";
import type { Redactor } from "./redact.js";

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

const context = new AsyncLocalStorage<LogFields>();

/** Runs work with fields that every log line inside it carries. */
export function withLogContext<T>(fields: LogFields, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

export function createLogger(options: {
  level: LogLevel;
  redactor: Redactor;
  format?: LogFormat;
  write?: (line: string) => void;
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (RANK[level] > RANK[options.level]) return;
    const all = { ...context.getStore(), ...fields };
    const safeFields = options.redactor.value(all, { byKey: true });
    const safeMessage = options.redactor.text(message);
    if (options.format === "json") {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: safeMessage, ...safeFields })}\n`);
      return;
    }
    const suffix = Object.keys(safeFields).length > 0 ? ` ${JSON.stringify(safeFields)}` : "";
    write(`cyclr-mcp ${level}: ${safeMessage}${suffix}\n`);
  };
  return { error: log("error"), warn: log("warn"), info: log("info"), debug: log("debug") };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
