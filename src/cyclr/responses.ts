/**
 * What Cyclr answered, read: its {"Message"} errors (or what kind of page came instead), and JSON
 * bodies parsed with zod. Shared by the token request and every authenticated call.
 */
import type * as z from "zod";
import type { Redactor } from "../redact.js";
import { CyclrHttpError, CyclrResponseError, type CyclrHttpErrorDetails, type CyclrRequestInfo } from "./errors.js";
import { parseRetryAfter } from "./retry.js";
import { ErrorBodySchema } from "./schemas.js";
import type { RawResponse } from "./transport.js";
/** A CyclrHttpError for a non-success answer: Cyclr's message, or what kind of page came instead, and Retry-After. */
export function httpError(response: RawResponse, info: CyclrRequestInfo, redactor: Redactor): CyclrHttpError {
  const details: CyclrHttpErrorDetails = {};
  const html = htmlPage(response, redactor);
  if (html) details.html = html;
  const retryAfter = parseRetryAfter(response.headers["retry-after"], Date.now());
  if (retryAfter !== undefined) details.retryAfterSeconds = Math.ceil(retryAfter / 1000);
  return new CyclrHttpError(response.status, upstreamMessage(response.text, redactor), info, details);
}

/** An HTML page (by content type or by its first characters), with its title when it has one. */
export function htmlPage(response: Pick<RawResponse, "text" | "headers">, redactor: Redactor): { title?: string } | undefined {
  const type = response.headers["content-type"] ?? "";
  const start = response.text.trimStart().slice(0, 15).toLowerCase();
  if (!type.includes("html") && !start.startsWith("<!doctype html") && !start.startsWith("<html")) return undefined;
  const title = /<title[^>]*>([^<]{1,200})<\/title>/i
    .exec(response.text)?.[1]
    ?.replace(/\s+/g, " ")
    .trim();
  return title ? { title: redactor.text(title).slice(0, 120) } : {};
}

/** Cyclr's {"Message"} (or an OAuth {"error"}), redacted; nothing for a body that is not such JSON. */
export function upstreamMessage(text: string, redactor: Redactor): string | undefined {
  let message: string | undefined;
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      const body = parsed.data;
      message = body.Message ?? [body.error, body.error_description].filter(Boolean).join(": ");
    }
  } catch {
    // Not JSON (an HTML error page from a proxy, say): htmlPage() tells that story.
  }
  return message ? redactor.text(message).slice(0, 500) : undefined;
}

export function parseBody<S extends z.ZodType>(
  schema: S,
  response: Pick<RawResponse, "text" | "headers">,
  info: CyclrRequestInfo,
  redactor: Redactor,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch (error) {
    const html = htmlPage(response, redactor);
    const what = html ? `an HTML page${html.title ? ` ("${html.title}")` : ""} instead of JSON` : "a body that is not JSON";
    throw new CyclrResponseError(`Cyclr answered ${info.method} ${info.path} with ${what}`, info, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => issue.path.join(".") || "(root)")
      .join(", ");
    throw new CyclrResponseError(`Cyclr answered ${info.method} ${info.path} with an unexpected JSON shape (at ${where})`, info, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
