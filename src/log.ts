/** Logs go to stderr only: in stdio mode stdout is the protocol channel. Every line passes the redactor. */
import type { LogLevel } from "./config.js";
import type { Redactor } from "./redact.js";

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

export function createLogger(options: {
  level: LogLevel;
  redactor: Redactor;
  write?: (line: string) => void;
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (RANK[level] > RANK[options.level]) return;
    const safeFields = fields ? options.redactor.value(fields, { byKey: true }) : undefined;
    const suffix = safeFields && Object.keys(safeFields).length > 0 ? ` ${JSON.stringify(safeFields)}` : "";
    write(`cyclr-mcp ${level}: ${options.redactor.text(message)}${suffix}\n`);
  };
  return { error: log("error"), warn: log("warn"), info: log("info"), debug: log("debug") };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
