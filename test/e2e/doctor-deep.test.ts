/** `cyclr-mcp doctor --deep` against a sandbox with odd items and a page-size cap: read-only, a report to paste. */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { CLI, sandboxEnv } from "../helpers.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ oddItems: true, maxPageSize: 20 });
  // One account connector of a multi-method connector, installed with its second method.
  const response = await fetch(`${sandbox.url}/v1.0/connectors/1048/install`, {
    method: "POST",
    headers: { authorization: `Bearer ${sandbox.issueAccessToken()}`, "x-cyclr-account": sandbox.accountId, "content-type": "application/json" },
    body: JSON.stringify({ Name: "Calendly" }),
  });
  expect(response.status).toBe(200);
  // And a cycle from a template, whose prerequisites doctor --deep reads.
  const installed = await fetch(`${sandbox.url}/v1.0/templates/7ad2265e-2ff0-477b-b913-cae1dfde2ea8/install`, {
    method: "POST",
    headers: { authorization: `Bearer ${sandbox.issueAccessToken()}`, "x-cyclr-account": sandbox.accountId, "content-type": "application/json" },
    body: "{}",
  });
  expect(installed.status).toBe(200);
});
afterAll(async () => {
  await sandbox?.close();
});

function runDoctor(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "doctor", ...args], { env: { PATH: process.env.PATH ?? "", ...sandboxEnv(sandbox) } });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("exit", (status) => resolve({ status, stdout }));
  });
}

it("reports the catalog item by item, the page-size cap, custom connectors, the account's connectors, templates and a cycle's prerequisites, changing nothing", { timeout: 30_000 }, async () => {
  const mark = sandbox.requests.length;
  const run = await runDoctor(["--deep"]);
  expect(run.status).toBe(0);
  // 51 seeded and 5 odd items; 3 of those cannot be read: ids and field paths only.
  expect(run.stdout).toMatch(/^warn +catalog items: 56 connectors, 3 did not parse and are left out of list_connectors \(300003: Categories\.0; not-a-number: Id; \(no Id, page 3 #\d+\): Id\)/m);
  expect(run.stdout).not.toContain("A category of no known shape");
  expect(run.stdout).toMatch(/^ok +page-size cap: Asked for 500 per page, got 20: Cyclr caps pageSize at 20/m);
  expect(run.stdout).toMatch(/^ok +custom connectors: includeCustomConnectors=true lists 56, false lists 55, left out lists 55: 1 connector\(s\) only with true \(ids 1051\); Cyclr's default leaves them out/m);
  expect(run.stdout).toMatch(/^warn +account connectors: 5 installed in account acme-sandbox, 1 did not parse \(900001: Connector\); 0 report an AuthenticationId/m);
  expect(run.stdout).toMatch(/Calendly \(connector 1048\): needs_authentication; OAuth2 \(or ApiKey: Cyclr does not say which\)/);
  expect(run.stdout).toMatch(/^warn +templates: 11 templates, 1 did not parse and are left out of list_templates \(00000000-0dd0-4000-8000-000000000001: Connectors\); 0 name a connector without its catalog Id\.$/m);
  const cycle = sandbox.cycles(sandbox.accountId)[0]!;
  expect(run.stdout).toContain(
    `ok    cycles: 1 in account acme-sandbox; statuses seen: Paused; 1 of 1 listed with a TemplateId; cycle ${cycle.Id}: Status "Paused" on GET /v1.0/cycles/{id}; ` +
      `prerequisites 20/AccountConnector, 20/AccountConnector, 30/Action; 2 steps, 0 with a WebhookUrl; ` +
      `step ${cycle.steps[1]!.Id}: prerequisites 40/Parameter; parameters: 0 of 1 say IsLaunchVisible; field mappings: 3 of 3 say IsLaunchVisible`,
  );
  expect(run.stdout).toContain("A report to paste into an issue");
  expect(run.stdout).toMatch(/^- Page size: asked 500, got 20 \(cap 20\); Total-Pages header: none$/m);
  expect(run.stdout).not.toContain(sandbox.clientSecret);
  // Read-only: GETs only, besides the token.
  const writes = sandbox.requests.slice(mark).filter((r) => r.method !== "GET" && r.path !== "/oauth/token");
  expect(writes).toEqual([]);
});
