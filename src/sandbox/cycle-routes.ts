/**
 * The sandbox's account-level routes for templates, cycles and steps (../shared/cyclr/cycles.md):
 * bare arrays paged with page/pageSize, {"Message"} errors, 404 for an unknown id, 400 for an id
 * that is not a GUID where Cyclr's tests show one, 409 for a change to a running cycle.
 */
import { isObject, json, message, paged, parseJson, type ApiOptions, type SandboxRequest, type SandboxResponse } from "./answers.js";
import { CycleError, type CycleRecord, type SandboxCycles, type StepRecord } from "./cycles.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An empty 200: what the docs show for activate and deactivate (inferred: no body). */
const EMPTY_OK: SandboxResponse = { status: 200, headers: { "x-content-type-options": "nosniff" }, body: "" };

interface Context {
  cycles: SandboxCycles;
  oddTemplates: unknown[];
  options: ApiOptions;
  req: SandboxRequest;
  accountId: string;
  /** The sandbox's own origin, for the URLs of webhook steps. */
  origin: string;
}

export function cycleRoutes(context: Context, segments: string[]): SandboxResponse | undefined {
  try {
    if (segments[0] === "templates") return templates(context, segments.slice(1));
    if (segments[0] === "cycles") return cycles(context, segments.slice(1));
    if (segments[0] === "steps") return steps(context, segments.slice(1));
    return undefined;
  } catch (error) {
    if (error instanceof CycleError) return message(error.status, error.message);
    throw error;
  }
}

function notFound(req: SandboxRequest): SandboxResponse {
  return message(404, `No HTTP resource was found that matches the request URI '${req.path}'.`);
}

function templates({ cycles, oddTemplates, options, req, accountId }: Context, rest: string[]): SandboxResponse {
  const [id, action] = rest;
  const icons = req.query.includeIcons === "true";
  if (id === undefined) {
    if (req.method !== "GET") return notFound(req);
    const { tag, connectorName, connectorVersion } = req.query;
    let list = cycles.templates;
    if (tag) list = list.filter((t) => t.tags.includes(tag));
    if (connectorName) {
      const wanted = connectorName.toLowerCase();
      list = list.filter((t) =>
        (cycles.renderTemplate(t).Connectors as { Name: string; Version: string | null }[]).some((c) => c.Name.toLowerCase() === wanted && (!connectorVersion || c.Version === connectorVersion)),
      );
    }
    const filtered = tag || connectorName;
    return paged([...list.map((t) => cycles.renderTemplate(t, icons)), ...(filtered ? [] : oddTemplates)], req.query, options, (t) => t);
  }
  const template = cycles.template(id);
  if (action === undefined && req.method === "GET") return template ? json(200, cycles.renderTemplate(template, icons)) : message(404, `Template '${id}' not found.`);
  if (action === "install" && req.method === "POST") {
    if (!template) return message(404, `Template '${id}' not found.`);
    const body = parseJson(req);
    // The tests send {}; an older doc version shows Name (the cycle's name).
    const name = isObject(body) && typeof body.Name === "string" && body.Name.trim() ? body.Name.trim() : undefined;
    return json(200, cycles.render(cycles.install(accountId, template, name), icons));
  }
  return notFound(req);
}

function cycles({ cycles, options, req, accountId, origin }: Context, rest: string[]): SandboxResponse {
  const [id, action, stepId] = rest;
  if (id === undefined) {
    if (req.method !== "GET") return notFound(req);
    const { tag, connectorName } = req.query;
    let list = cycles.cyclesOf(accountId);
    if (tag) list = list.filter((c) => c.Tags.includes(tag));
    if (connectorName) list = list.filter((c) => (cycles.render(c).Connectors as { Name: string | null }[]).some((k) => k.Name?.toLowerCase() === connectorName.toLowerCase()));
    return paged(list, req.query, options, (c) => cycles.render(c, req.query.includeIcons === "true"));
  }
  if (!GUID.test(id)) return message(400, "The request is invalid.");
  const cycle = cycles.cycle(accountId, id);
  if (!cycle) return message(404, `Cycle '${id}' not found.`);
  if (action === undefined) {
    if (req.method === "GET") return json(200, cycles.render(cycle));
    if (req.method === "DELETE") {
      cycles.cycles.delete(cycle.Id);
      return json(200, { Message: "Cycle deleted." });
    }
    if (req.method === "PUT") {
      if (cycle.Status === "Active") return message(409, "The cycle is running: deactivate it before changing it.");
      const body = parseJson(req);
      if (isObject(body) && typeof body.Description === "string") cycle.Description = body.Description;
      return json(200, cycles.render(cycle));
    }
    return notFound(req);
  }
  if (action === "prerequisites" && req.method === "GET") return json(200, cycles.prerequisites(cycle));
  if (action === "activate" && req.method === "PUT") {
    const body = parseJson(req);
    cycles.activate(cycle, isObject(body) ? body : {});
    return EMPTY_OK;
  }
  if (action === "deactivate" && req.method === "PUT") {
    const finish = req.query.finishQueuedTransactions;
    if (finish !== undefined && finish !== "true" && finish !== "false") return message(400, "The request is invalid.");
    cycles.deactivate(cycle);
    return EMPTY_OK;
  }
  if (action === "steps") return cycleSteps(cycles, req, cycle, stepId, origin);
  return notFound(req);
}

function cycleSteps(cycles: SandboxCycles, req: SandboxRequest, cycle: CycleRecord, stepId: string | undefined, origin: string): SandboxResponse {
  if (stepId === undefined) {
    if (req.method !== "GET") return notFound(req);
    const list = req.query.filter === "action" ? cycle.steps.filter((s) => s.ActionType === "Action") : cycle.steps;
    return json(200, list.map((s) => cycles.renderStep(cycle, s, origin)));
  }
  if (!GUID.test(stepId)) return message(400, "The request is invalid.");
  const step = cycle.steps.find((s) => s.Id.toLowerCase() === stepId.toLowerCase());
  if (!step) return message(404, `Step '${stepId}' not found.`);
  if (req.method === "GET") return json(200, cycles.renderStep(cycle, step, origin));
  if ((req.method === "PUT" || req.method === "DELETE") && cycle.Status === "Active") return message(409, "The cycle is running: deactivate it before changing it.");
  return notFound(req);
}

function steps({ cycles, req, accountId }: Context, rest: string[]): SandboxResponse {
  const [stepId, action, itemId, subAction] = rest;
  if (stepId === undefined) return notFound(req);
  if (!GUID.test(stepId)) return message(400, "The request is invalid.");
  const found = cycles.step(accountId, stepId);
  if (!found) return message(404, `Step '${stepId}' not found.`);
  const { cycle, step } = found;
  if (action === "prerequisites" && itemId === undefined && req.method === "GET") return json(200, cycles.stepPrerequisites(step));
  if (action === "parameters") return parameters(cycles, req, cycle, step, itemId, subAction);
  if (action === "fieldmappings") return fieldMappings(cycles, req, cycle, step, itemId);
  return notFound(req);
}

function parameters(cycles: SandboxCycles, req: SandboxRequest, cycle: CycleRecord, step: StepRecord, itemId: string | undefined, subAction: string | undefined): SandboxResponse {
  if (itemId === undefined) return req.method === "GET" ? json(200, step.parameters.map((p) => cycles.renderParameter(step, p))) : notFound(req);
  if (!/^\d+$/.test(itemId)) return message(400, "The request is invalid.");
  const parameter = step.parameters.find((p) => String(p.Id) === itemId);
  if (!parameter) return message(404, `Parameter '${itemId}' not found.`);
  if (subAction === "lookup" && req.method === "POST") {
    const body = parseJson(req);
    return json(200, cycles.lookup(cycle, step, parameter, isObject(body) ? body.TriggerId : undefined));
  }
  if (subAction !== undefined) return notFound(req);
  if (req.method === "GET") return json(200, cycles.renderParameter(step, parameter));
  if (req.method === "PUT") {
    const body = parseJson(req);
    if (!isObject(body)) return message(400, "The request is invalid.");
    cycles.setMapping(cycle, parameter, body);
    return json(200, cycles.renderParameter(step, parameter));
  }
  return notFound(req);
}

function fieldMappings(cycles: SandboxCycles, req: SandboxRequest, cycle: CycleRecord, step: StepRecord, itemId: string | undefined): SandboxResponse {
  if (itemId === undefined) return req.method === "GET" ? json(200, step.fields.map((f) => cycles.renderField(f))) : notFound(req);
  // Starting a custom-field lookup answers 200 (Cyclr's tests); the sandbox has none to find.
  if (itemId === "lookup" && req.method === "POST") return json(200, []);
  // A malformed field id is 400, an unknown one 404 (Cyclr's tests).
  if (!/^\d+$/.test(itemId)) return message(400, "The request is invalid.");
  const field = step.fields.find((f) => String(f.Id) === itemId);
  if (!field) return message(404, `Field '${itemId}' not found.`);
  if (req.method === "GET") return json(200, cycles.renderField(field));
  // PUT as the tests and the static-value page show; POST as the value-list page shows.
  if (req.method === "PUT" || req.method === "POST") {
    const body = parseJson(req);
    if (!isObject(body)) return message(400, "The request is invalid.");
    cycles.setMapping(cycle, field, body);
    return json(200, cycles.renderField(field));
  }
  return notFound(req);
}
