/** What any caller may do, in every mode: which accounts calls may touch, and which tools are offered. */
import { booleanText, list, type SettingsTable } from "./setting.js";

export const GUARD_SETTINGS = {
  accountAllowlist: {
    env: "CYCLR_ACCOUNT_ALLOWLIST",
    flag: "account-allowlist",
    type: "string",
    help: "Comma-separated account IDs: the only accounts any call may touch, in every mode.",
    value: list.optional(),
  },
  readOnly: {
    env: "CYCLR_READ_ONLY",
    flag: "read-only",
    type: "boolean",
    help: "Offer only the tools that change nothing (list, get): for a copilot that may look but not touch.",
    value: booleanText.default(false),
  },
  tools: {
    env: "CYCLR_TOOLS",
    flag: "tools",
    type: "string",
    help: "Comma-separated tool names: offer only these (with --read-only, only those of them that change nothing).",
    value: list.optional(),
  },
} as const satisfies SettingsTable;
