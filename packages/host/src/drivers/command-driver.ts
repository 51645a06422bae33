import { type KernelEvent, PERMISSION_MODES, type PermissionMode, type TurnResult } from "@pincer/kernel";
import type { DrivenTurn, ObservedEvent } from "@pincer/sdk";
import { cut, observedEvent, usageSummary } from "../hooks/observed-events.js";
import { withinDepth } from "../sandbox/call-replies.js";
import type { DriverOps } from "../sandbox/sandbox-types.js";
import type { DrivenSessionHost, DriverStartRequest, SessionDriverHost } from "./session-driver-host.js";

/** What one command may hold and send through its driver. */
export const DRIVER_LIMITS = {
  /** Sessions open at once. */
  sessions: 16,
  /** Characters of one prompt. */
  prompt: 1024 * 1024,
  /** Characters of an inline agent's prompt. */
  agentPrompt: 64 * 1024,
  /** Characters of JSON of one ledger entry. */
  ledgerEntry: 256 * 1024,
  /** Characters of JSON of a turn's events sent to the plugin; past it they are counted, not sent. */
  eventBytes: 4 * 1024 * 1024,
} as const;

/**
 * One command call's `ctx.sessions`, host side: the plugin's operations arrive as JSON (from its
 * isolate, so every argument is checked here), go to the front end's SessionDriverHost, and answer
 * as JSON. The ledger is the plugin's own (`custom` entries of type `plugin:<name>`). Every turn
 * gets the command's signal, so cancelling the command aborts it; `close()` lets go of every
 * session the command opened (called when the command returns, however it ends).
 */
export class CommandDriver {
  private readonly open = new Map<string, DrivenSessionHost>();
  private closed = false;

  constructor(
    private readonly host: SessionDriverHost,
    private readonly plugin: string,
    private readonly signal: AbortSignal,
  ) {}

  /** The operations for the isolate; `progressed` restarts the command's wall clock. */
  ops(progressed: () => void): DriverOps {
    return async (op, argsJson, send) => {
      const args = JSON.parse(argsJson) as unknown;
      if (!Array.isArray(args)) throw new Error("driver arguments must be a list");
      const answer = await this.run(op, args, send, progressed);
      progressed();
      return JSON.stringify(answer ?? null);
    };
  }

  close(): void {
    this.closed = true;
    for (const session of this.open.values()) session.close();
    this.open.clear();
  }

  private async run(
    op: string,
    args: unknown[],
    send: (stream: number, json: string) => void,
    progressed: () => void,
  ): Promise<unknown> {
    if (this.closed) throw new Error("the command has ended; its sessions are closed");
    switch (op) {
      case "start":
        return this.adopt(await this.host.start(startRequest(args[0])));
      case "resume": {
        const maxTurns = startRequest(args[1]).maxTurns;
        return this.adopt(await this.host.resume(text(args[0], "id", 200), maxTurns ? { maxTurns } : {}));
      }
      case "prompt":
        return this.prompt(
          this.session(args[0]),
          text(args[1], "prompt", DRIVER_LIMITS.prompt),
          args[2],
          send,
          progressed,
        );
      case "fork":
        return this.adopt(await this.session(args[0]).fork());
      case "ledgerRead":
        return this.session(args[0]).readCustom(this.ledgerType);
      case "ledgerAppend": {
        const json = text(args[1], "ledger entry", DRIVER_LIMITS.ledgerEntry);
        const data = JSON.parse(json) as unknown;
        if (!withinDepth(data, 32)) throw new Error("a ledger entry may nest at most 32 deep");
        this.session(args[0]).appendCustom(this.ledgerType, data);
        return null;
      }
      case "close": {
        const session = this.session(args[0]);
        session.close();
        this.open.delete(session.id);
        return null;
      }
      default:
        throw new Error(`unknown driver operation ${JSON.stringify(op.slice(0, 40))}`);
    }
  }

  private get ledgerType(): string {
    return `plugin:${this.plugin}`;
  }

  private adopt(session: DrivenSessionHost): { id: string } {
    if (this.closed || this.open.size >= DRIVER_LIMITS.sessions) {
      session.close();
      throw new Error(
        this.closed
          ? "the command has ended; its sessions are closed"
          : `a command may hold ${DRIVER_LIMITS.sessions} sessions open at once; close one first`,
      );
    }
    this.open.set(session.id, session);
    return { id: session.id };
  }

  private session(id: unknown): DrivenSessionHost {
    const session = typeof id === "string" ? this.open.get(id) : undefined;
    if (!session) throw new Error(`no session ${JSON.stringify(String(id).slice(0, 80))} is open in this command`);
    return session;
  }

  private async prompt(
    session: DrivenSessionHost,
    prompt: string,
    stream: unknown,
    send: (stream: number, json: string) => void,
    progressed: () => void,
  ): Promise<DrivenTurn> {
    const events = typeof stream === "number" && Number.isSafeInteger(stream) && stream > 0 ? stream : 0;
    let batch: ObservedEvent[] = [];
    let bytes = 0;
    let dropped = 0;
    const flush = () => {
      if (batch.length === 0) return;
      send(events, JSON.stringify(batch));
      batch = [];
    };
    const onEvent = (event: KernelEvent) => {
      // Every event is progress: a long driven turn keeps the command alive.
      progressed();
      if (!events) return;
      const observed = observedEvent(event);
      if (!observed) return;
      const size = JSON.stringify(observed).length;
      if (bytes + size > DRIVER_LIMITS.eventBytes) {
        dropped++;
        return;
      }
      bytes += size;
      if (batch.length === 0) queueMicrotask(flush);
      batch.push(observed);
    };
    if (this.signal.aborted) throw new Error("the command was cancelled");
    const result = await session.prompt(prompt, onEvent, this.signal);
    if (dropped > 0) batch.push({ type: "dropped", count: dropped });
    flush();
    return drivenTurn(session.id, result);
  }
}

function drivenTurn(sessionId: string, result: TurnResult): DrivenTurn {
  return {
    sessionId,
    stopReason: result.stopReason,
    steps: result.steps,
    text: cut(result.text, 1024 * 1024),
    usage: usageSummary(result.usage),
    ...(result.error ? { error: cut(result.error) } : {}),
  };
}

/** start's options, each checked: the plugin wrote them. */
function startRequest(value: unknown): DriverStartRequest {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new Error("start options must be an object");
  const { agent, model, maxTurns, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw new Error(`start has no option ${JSON.stringify(unknown.slice(0, 40))}`);
  const request: DriverStartRequest = {};
  if (agent !== undefined) request.agent = typeof agent === "string" ? text(agent, "agent", 128) : inlineAgent(agent);
  if (model !== undefined) request.model = text(model, "model", 256);
  if (maxTurns !== undefined) {
    if (typeof maxTurns !== "number" || !Number.isSafeInteger(maxTurns) || maxTurns < 1 || maxTurns > 10_000)
      throw new Error("maxTurns must be a whole number from 1 to 10000");
    request.maxTurns = maxTurns;
  }
  return request;
}

function inlineAgent(value: unknown): Exclude<DriverStartRequest["agent"], string | undefined> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error("agent must be a name or { prompt?, tools?, mode? }");
  const { prompt, tools, mode, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw new Error(`an inline agent has no field ${JSON.stringify(unknown.slice(0, 40))}`);
  const agent: { prompt?: string; tools?: string[]; mode?: PermissionMode } = {};
  if (prompt !== undefined) agent.prompt = text(prompt, "agent.prompt", DRIVER_LIMITS.agentPrompt);
  if (tools !== undefined) {
    if (!Array.isArray(tools) || tools.length > 256) throw new Error("agent.tools must be a list of at most 256 names");
    agent.tools = tools.map((tool) => text(tool, "agent.tools[]", 128));
  }
  if (mode !== undefined) {
    if (!(PERMISSION_MODES as readonly unknown[]).includes(mode))
      throw new Error(`agent.mode must be one of ${PERMISSION_MODES.join(", ")}`);
    agent.mode = mode as PermissionMode;
  }
  return agent;
}

function text(value: unknown, name: string, max: number): string {
  if (typeof value !== "string") throw new Error(`${name} must be text`);
  if (value.length > max) throw new Error(`${name} is ${value.length} characters; the most is ${max}`);
  return value;
}
