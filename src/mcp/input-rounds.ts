/**
 * Asking the person on the 2026-07-28 revision: the call answers input_required (the form or the
 * link to open), the client asks the person and calls again with the answer and the requestState
 * this server gave it, and the handler runs again from the top. Handlers still just call
 * person.fillForm / person.openUrl (context.ts): on a later round those find their answer here, by a
 * key that is the ask's place in the call (ask-1, ask-2, ...), and only where this server asked.
 *
 * The requestState is the SDK's HMAC codec (createRequestStateCodec): signed, not encrypted, so it
 * holds no secret. It is bound to the caller, the tool and a hash of the arguments, it expires, and
 * each one is spent once: its id is claimed in the shared store, so a replay is refused on every
 * replica, and any replica can take the retry (the key comes from the operator's secret, the same
 * on each). It carries the answers of earlier rounds (a round's inputResponses hold only its own)
 * and what earlier rounds proved before asking (install_connector's install), so a re-run repeats
 * no write. A state that is tampered with, expired, spent, or minted for another caller is refused
 * before any handler runs (-32602); one minted for another tool or other arguments is refused by
 * the call, before the handler runs. Either way nothing reaches Cyclr.
 */
import { createHash, hkdfSync, randomUUID } from "node:crypto";
import {
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type ClientCapabilities,
  type InputRequest,
  type InputRequiredResult,
  type RequestStateCodec,
  type ServerContext,
} from "@modelcontextprotocol/server";
import * as z from "zod";
import type { Store } from "../store/index.js";
import { formSchema, formValues } from "./shared/person.js";
import type { CarriedValue, PersonChannel } from "./tool.js";

/** How long the person has to answer a round (a form, a consent to open a link). */
export const ROUND_SECONDS = 600;

const AnswerSchema = z.object({
  action: z.enum(["accept", "decline", "cancel"]),
  content: z.record(z.string(), z.string()).optional(),
});
type Answer = z.infer<typeof AnswerSchema>;

/** What a requestState says (after the codec has checked its signature and lifetime). */
const RoundStateSchema = z.object({
  v: z.literal(1),
  /** Spent once: claimed in the store when the state comes back. */
  id: z.string().min(1).max(100),
  /** Whose call: a hash of the caller's key (hosted) or of the stdio connection's. */
  caller: z.string(),
  tool: z.string(),
  /** A hash of the call's arguments. */
  args: z.string(),
  /** The asks of the round that minted it: only their answers are taken. */
  asked: z.array(z.string()),
  /** The answers of the rounds before. */
  answers: z.record(z.string(), AnswerSchema),
  /** What the rounds before proved before asking (an install made, a link given out): never a secret. */
  carried: z.record(z.string(), z.json()) as z.ZodType<Record<string, CarriedValue>>,
});
type RoundState = z.infer<typeof RoundStateSchema>;

/** Thrown by a person channel on a 2026-07-28 call whose answer has not come yet: the call answers input_required. */
export class InputNeeded extends Error {
  override readonly name = "InputNeeded";
  constructor(
    readonly key: string,
    readonly request: InputRequest,
  ) {
    super(`the person's answer to ${key} is needed`);
  }
}

/** Thrown by Round.again(): the call answers input_required with only a state, and the client calls again at once. */
export class CallAgain extends Error {
  override readonly name = "CallAgain";
  constructor() {
    super("the call goes on in another round");
  }
}

/** A requestState that cannot be taken: the message says why, for the log (the client is told only that it is invalid). */
class RefusedState extends Error {
  override readonly name = "RefusedState";
}

export interface InputRoundsOptions {
  /** The operator's secret (the Cyclr client secret): the codec's key is derived from it, so every replica has the same. */
  secret: string;
  /** Where spent states are claimed: the shared store, so a replay is refused on every replica. */
  store: Store;
  ttlSeconds?: number;
}

/** The process's codec and spent-state claims, shared by every server of the process. */
export class InputRounds {
  private readonly codec: RequestStateCodec<unknown>;
  private readonly ttlSeconds: number;

  constructor(private readonly options: InputRoundsOptions) {
    this.ttlSeconds = options.ttlSeconds ?? ROUND_SECONDS;
    // A key of its own (HKDF with its own purpose), so the secret's other uses never meet this one.
    const key = new Uint8Array(hkdfSync("sha256", options.secret, "cyclr-mcp", "input_required request state", 32));
    this.codec = createRequestStateCodec({ key, ttlSeconds: this.ttlSeconds });
  }

  /**
   * ServerOptions.requestState.verify for a server of this caller: the signature and lifetime (the
   * codec), the caller, and the claim that spends it. Throwing refuses the request (-32602).
   */
  verifier(caller: string): (state: string, ctx: ServerContext) => Promise<RoundState> {
    const binding = digest(caller);
    return async (state, ctx) => {
      const parsed = RoundStateSchema.safeParse(await this.codec.verify(state, ctx));
      if (!parsed.success) throw new RefusedState("its payload is not one this server mints");
      if (parsed.data.caller !== binding) throw new RefusedState("it was minted for another caller");
      const fresh = await this.options.store.set(`input-state:${parsed.data.id}`, "spent", { ttlMs: this.ttlSeconds * 1000, onlyIfAbsent: true });
      if (!fresh) throw new RefusedState("it was already used (a replay)");
      return parsed.data;
    };
  }

  /**
   * One run of a tool's handler on a 2026-07-28 call: the person channel for the elicitation modes
   * this request declares, and what the rounds before carried. `refused` when the request's state
   * belongs to another call.
   */
  begin(ctx: ServerContext, call: { caller: string; tool: string; args: unknown; capabilities: ClientCapabilities | undefined }): Round | { refused: string } {
    const earlier = ctx.mcpReq.requestState<RoundState>();
    const args = digest(canonical(call.args));
    if (earlier !== undefined && (earlier.tool !== call.tool || earlier.args !== args)) {
      return { refused: `The answer this call carries belongs to another call (${earlier.tool === call.tool ? "other arguments" : `the tool ${earlier.tool}`}).` };
    }
    return new Round(this, ctx, { caller: digest(call.caller), tool: call.tool, args }, earlier, call.capabilities);
  }

  /** @internal The requestState for the next round. */
  mint(state: RoundState): Promise<string> {
    return this.codec.mint(state);
  }
}

/** One run of a handler on a 2026-07-28 call. */
export class Round {
  private asks = 0;
  private readonly answers: Record<string, Answer>;
  private readonly carried: Record<string, CarriedValue>;
  readonly person: PersonChannel;

  constructor(
    private readonly rounds: InputRounds,
    private readonly ctx: ServerContext,
    private readonly call: { caller: string; tool: string; args: string },
    earlier: RoundState | undefined,
    capabilities: ClientCapabilities | undefined,
  ) {
    this.answers = { ...(earlier?.answers ?? {}) };
    this.carried = { ...(earlier?.carried ?? {}) };
    // This round's answers count only for the asks the state says this server made.
    for (const key of earlier?.asked ?? []) {
      const view = inputResponse(ctx.mcpReq.inputResponses, key);
      if (view.kind === "elicit") this.answers[key] = { action: view.action, ...(view.content && { content: stringValues(view.content) }) };
      // Asked but not answered (the client dropped it): as if the person dismissed it, never asked twice.
      else this.answers[key] ??= { action: "cancel" };
    }
    const elicitation = capabilities?.elicitation;
    const person: PersonChannel = {};
    if (elicitation?.form) {
      person.fillForm = async (message, fields) => {
        const answer = this.answer(inputRequired.elicit({ message, requestedSchema: formSchema(fields) }));
        if (answer.action !== "accept" || !answer.content) return undefined;
        return formValues(fields, answer.content);
      };
    }
    if (elicitation?.url) {
      person.openUrl = async (message, url) => {
        // A later round of a call whose link was made before: its answer is here, or it counts as declined.
        const answer = url === undefined ? (this.answers[this.nextKey()] ?? { action: "cancel" as const }) : this.answer(inputRequired.elicitUrl({ message, url }));
        // No completion to send on this revision: the client learns it from the result.
        return { accepted: answer.action === "accept" };
      };
    }
    this.person = person;
  }

  /** What a round before proved (carry), or undefined. */
  carriedValue(name: string): unknown {
    return this.carried[name];
  }

  /** Keeps what this run proved, for the round after its question. */
  carry(name: string, value: CarriedValue): void {
    this.carried[name] = value;
  }

  /** Ends this run: the client calls again with what was carried (a wait that goes on in the next round). */
  again(): never {
    throw new CallAgain();
  }

  /** The answer to the next ask, or InputNeeded with its request. */
  private answer(request: InputRequest): Answer {
    const key = this.nextKey();
    const answer = this.answers[key];
    if (!answer) throw new InputNeeded(key, request);
    return answer;
  }

  private nextKey(): string {
    this.asks += 1;
    return `ask-${this.asks}`;
  }

  /**
   * The input_required result for an ask with no answer yet, with the state for the round that
   * follows; for CallAgain, the state alone (nothing to ask: the client calls again at once).
   */
  async inputRequired(needed: InputNeeded | CallAgain): Promise<InputRequiredResult> {
    const requestState = await this.rounds.mint({
      v: 1,
      id: randomUUID(),
      caller: this.call.caller,
      tool: this.call.tool,
      args: this.call.args,
      asked: needed instanceof InputNeeded ? [needed.key] : [],
      answers: this.answers,
      carried: this.carried,
    });
    return needed instanceof InputNeeded ? inputRequired({ inputRequests: { [needed.key]: needed.request }, requestState }) : inputRequired({ requestState });
  }
}

/** An elicitation's content as text values (the forms here ask for text and choices only). */
function stringValues(content: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(content)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") values[name] = String(value);
  }
  return values;
}

/** JSON with object keys sorted, so the same arguments hash the same whatever their order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}
