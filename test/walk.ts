/** How the tests play an assistant that follows the server, and the person who answers it. */
import { expect } from "vitest";
import { approveOAuthLink, fillCredentialPage } from "../src/sandbox/consent-driver.js";

/** What the person says when asked: by argument name, and by property name. */
export interface Person {
  apiKey?: string;
  username?: string;
  password?: string;
  properties?: Record<string, string>;
}

export const isPlaceholder = (value: unknown): value is string => typeof value === "string" && /^<.*>$/.test(value);

/** Fills the placeholders of nextStep.arguments with the person's answers; fails on a question the person cannot answer. */
export function answer(args: Record<string, unknown>, person: Person): Record<string, unknown> {
  const filled: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (key === "properties" && Array.isArray(value)) {
      filled.properties = value.map((p: { name: string; value: unknown }) => {
        const given = person.properties?.[p.name];
        if (isPlaceholder(p.value) && given === undefined) throw new Error(`the person was asked for property ${p.name}, which the test did not expect`);
        return { name: p.name, value: isPlaceholder(p.value) ? given : p.value };
      });
    } else if (isPlaceholder(value)) {
      const given = person[key as keyof Omit<Person, "properties">];
      if (given === undefined) throw new Error(`the person was asked for ${key} (${value}), which the test did not expect`);
      filled[key] = given;
    } else {
      filled[key] = value;
    }
  }
  return filled;
}

/**
 * A walk that starts anywhere and follows nextStep (the result's own, or its setup's) until there is
 * none. The person answers placeholders by argument name; "accountConnectorId" they answer by naming
 * the connector, which the assistant finds in the previous result's ready list.
 */
export async function walk(
  call: (tool: string, args: Record<string, unknown>) => Promise<unknown>,
  first: { tool: string; arguments: Record<string, unknown> },
  person: Person & { query?: string; name?: string; confirm?: boolean; choice?: string; value?: string; connectorThatStopped?: string },
) {
  const calls: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- results are read freely
  let last: any;
  let next: { tool?: string; arguments: Record<string, unknown> } | undefined = first;
  for (let i = 0; i < 12 && next?.tool; i++) {
    const args: Record<string, unknown> = { ...next.arguments };
    if (isPlaceholder(args.accountConnectorId)) {
      const named = last?.ready?.find((r: { connector: { name: string } }) => r.connector.name === person.connectorThatStopped);
      if (!named) throw new Error(`the person was asked which connector stopped, which the test did not expect`);
      args.accountConnectorId = named.accountConnectorId;
    }
    for (const key of ["query", "name", "confirm", "choice", "value"] as const) {
      if (!isPlaceholder(args[key])) continue;
      if (person[key] === undefined) throw new Error(`the person was asked for ${key} (${String(args[key])}), which the test did not expect`);
      args[key] = person[key];
    }
    calls.push(next.tool);
    last = await call(next.tool, answer(args, person));
    if (next.tool === "create_oauth_link") await approveOAuthLink(last.url, "approve");
    if (next.tool === "create_credential_link") {
      const typed: Record<string, string> = {};
      for (const key of ["apiKey", "username", "password"] as const) if (person[key] !== undefined) typed[key] = person[key];
      for (const [name, value] of Object.entries(person.properties ?? {})) typed[`property:${name}`] = value;
      expect((await fillCredentialPage(last.url, typed)).status).toBe(200);
    }
    next = last.setup?.nextStep ?? last.nextStep;
  }
  return { calls, last };
}

