import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { type KernelEvent, PERMISSION_MODES, type PermissionMode, type TurnResult } from "@pincer/kernel";
import type { DrivenEvent, DrivenTurn } from "@pincer/sdk";
import { cut, usageSummary } from "../hooks/observed-events.js";
import { withinDepth } from "../sandbox/call-replies.js";
import type { DriverOps } from "../sandbox/sandbox-types.js";
import type { CommandServices } from "../services/command-services.js";
import { drivenEvent } from "./driven-events.js";
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
  eventBytes: 16 * 1024 * 1024,
  /** Characters of JSON in one batch of events: a flood crosses in pieces, never as one copy the isolate must hold. */
  batchBytes: 1024 * 1024,
  /** Characters of instructions added to a session's system prompt. */
  instructions: 64 * 1024,
  /** Bytes of a session's file one transcript call reads. */
  transcriptBytes: 16 * 1024 * 1024,
  /** Characters of JSONL one import takes (one host call carries at most 64 MB). */
  importChars: 64 * 1024 * 1024,
} as const;

/**
 * One command call's `ctx.sessions` and `ctx.services`, host side: the plugin's operations arrive
 * as JSON (from its isolate, so every argument is checked here), go to the front end's
 * SessionDriverHost (or the command's services), and answer as JSON: `{ ok }`, or `{ usage }` for
 * a usage error (the isolate throws it as one, exit code 2). The ledger is the plugin's own
 * (`custom` entries of type `plugin:<name>`). A session may allow unasked only the rules the
 * plugin was granted (`capabilities.sessions.allow`). Every turn gets the command's signal, so
 * cancelling the command aborts it; `close()` lets go of every session the command opened
 * (called when the command returns, however it ends).
 */
export class CommandDriver {
  private readonly open = new Map<string, DrivenSessionHost>();
  private closed = false;

  constructor(
    private readonly host: SessionDriverHost | undefined,
    private readonly plugin: string,
    private readonly signal: AbortSignal,
    private readonly grants: {
      allow: readonly string[];
      /** Folders the plugin may write: where a session it starts may work instead of the command's folder. */
      writeRoots?: readonly string[];
      services?: CommandServices;
      /** The plugin's granted environment as JSON, as a call hands it in (after a service set its variables). */
      grantedEnv?: () => string | undefined;
    } = { allow: [] },
  ) {}

  /** The operations for the isolate; `progressed` restarts the command's wall clock. */
  ops(progressed: () => void): DriverOps {
    return async (op, argsJson, send) => {
      const args = JSON.parse(argsJson) as unknown;
      if (!Array.isArray(args)) throw new Error("driver arguments must be a list");
      try {
        const answer = await this.run(op, args, send, progressed);
        progressed();
        return JSON.stringify({ ok: answer ?? null });
      } catch (error) {
        // Said to the plugin as a usage error: its command ends with exit code 2 unless it catches it.
        if ((error as Error).name === "UsageError")
          return JSON.stringify({ usage: cut((error as Error).message, 4096) });
        throw error;
      }
    };
  }

  close(): void {
    this.closed = true;
    for (const session of this.open.values()) session.close();
    this.open.clear();
  }

  private get sessions(): SessionDriverHost {
    if (!this.host) throw new Error("this front end offers no sessions to drive");
    return this.host;
  }

  private async run(
    op: string,
    args: unknown[],
    send: (stream: number, json: string) => void,
    progressed: () => void,
  ): Promise<unknown> {
    if (this.closed) throw new Error("the command has ended; its sessions are closed");
    switch (op) {
      case "service.start": {
        if (!this.grants.services) throw new Error("this front end offers no services");
        const info = await this.grants.services.start(args[0], args[1]);
        return { ...info, grantedEnv: this.grants.grantedEnv?.() };
      }
      case "start":
        return this.adopt(await this.sessions.start(this.allowed(startRequest(args[0]))));
      case "resume": {
        const { agent: _agent, ...request } = this.allowed(startRequest(args[1]));
        return this.adopt(await this.sessions.resume(text(args[0], "id", 200), request));
      }
      case "check": {
        const request = startRequest(args[0]);
        const model = request.model;
        if (!this.sessions.check) return { model: model ?? "" };
        return this.sessions.check(model ? { model } : {});
      }
      case "import": {
        if (!this.sessions.import) throw new Error("this front end cannot import sessions");
        return this.sessions.import(text(args[0], "the session", DRIVER_LIMITS.importChars));
      }
      case "abort":
        this.session(args[0]).abort?.(typeof args[1] === "string" ? cut(args[1], 500) : "the command stopped the turn");
        return null;
      case "transcript": {
        const session = this.session(args[0]);
        const offset = args[1] ?? 0;
        if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0)
          throw new Error("transcript takes a byte offset: a whole number from 0");
        if (!session.transcript) throw new Error("this front end keeps no transcript of its sessions");
        return session.transcript(offset, DRIVER_LIMITS.transcriptBytes);
      }
      case "prompt":
        return this.prompt(
          this.session(args[0]),
          text(args[1], "prompt", DRIVER_LIMITS.prompt),
          args[2],
          send,
          progressed,
          stopCodes(args[3]),
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

  /** A request's allow rules, each one the plugin was granted (a driver widens only by consent). */
  private allowed(request: DriverStartRequest): DriverStartRequest {
    if (
      request.cwd !== undefined &&
      !(this.grants.writeRoots ?? []).some((root) => inside(request.cwd as string, root))
    ) {
      throw new Error(
        `plugin ${this.plugin} may start a session only in a folder it may write (its fs write grant), not ${JSON.stringify(request.cwd)}`,
      );
    }
    for (const rule of request.allow ?? []) {
      if (!this.grants.allow.includes(rule)) {
        throw new Error(
          `plugin ${this.plugin} may not allow ${JSON.stringify(rule)} in its sessions: only rules its manifest lists under capabilities.sessions.allow, and you granted`,
        );
      }
    }
    return request;
  }

  private adopt(session: DrivenSessionHost): { id: string; model: string; file: string; createdAt: string } {
    if (this.closed || this.open.size >= DRIVER_LIMITS.sessions) {
      session.close();
      throw new Error(
        this.closed
          ? "the command has ended; its sessions are closed"
          : `a command may hold ${DRIVER_LIMITS.sessions} sessions open at once; close one first`,
      );
    }
    this.open.set(session.id, session);
    return { id: session.id, model: session.model ?? "", file: session.file ?? "", createdAt: session.createdAt ?? "" };
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
    stopOn: readonly string[] = [],
  ): Promise<DrivenTurn> {
    const events = typeof stream === "number" && Number.isSafeInteger(stream) && stream > 0 ? stream : 0;
    let batch: DrivenEvent[] = [];
    let bytes = 0;
    let dropped = 0;
    let batchBytes = 0;
    const flush = () => {
      if (batch.length === 0) return;
      send(events, JSON.stringify(batch));
      batch = [];
      batchBytes = 0;
    };
    const onEvent = (event: KernelEvent) => {
      // Every event is progress: a long driven turn keeps the command alive.
      progressed();
      // Here, not in the plugin: its answer would arrive after the next model call had started.
      if (event.type === "permission" && !event.allowed && event.denial?.code && stopOn.includes(event.denial.code)) {
        session.abort?.(`stopped: ${event.denial.code}`);
      }
      if (!events) return;
      const observed = drivenEvent(event);
      if (!observed) return;
      const size = JSON.stringify(observed).length;
      if (bytes + size > DRIVER_LIMITS.eventBytes) {
        dropped++;
        return;
      }
      bytes += size;
      if (batch.length === 0) queueMicrotask(flush);
      batch.push(observed);
      batchBytes += size;
      if (batchBytes >= DRIVER_LIMITS.batchBytes) flush();
    };
    if (this.signal.aborted) throw new Error("the command was cancelled");
    const result = await session.prompt(prompt, onEvent, this.signal);
    if (dropped > 0) batch.push({ type: "dropped", count: dropped });
    flush();
    return drivenTurn(session.id, result, session.spend?.());
  }
}

function drivenTurn(sessionId: string, result: TurnResult, spend?: DrivenTurn["spend"]): DrivenTurn {
  return {
    sessionId,
    stopReason: result.stopReason,
    steps: result.steps,
    text: cut(result.text, 1024 * 1024),
    usage: usageSummary(result.usage),
    ...(spend ? { spend: { modelUsd: spend.modelUsd, calls: { ...spend.calls } } } : {}),
    ...(result.error ? { error: cut(result.error) } : {}),
  };
}

/** start's options, each checked: the plugin wrote them. */
function startRequest(value: unknown): DriverStartRequest {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new Error("start options must be an object");
  const { agent, model, maxTurns, instructions, allow, cwd, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw new Error(`start has no option ${JSON.stringify(unknown.slice(0, 40))}`);
  const request: DriverStartRequest = {};
  if (cwd !== undefined) {
    const folder = text(cwd, "cwd", 4096);
    if (!isAbsolute(folder)) throw new Error("cwd must be an absolute path");
    // Symlinks resolved: the folder checked against the write grant is the one the session gets.
    try {
      request.cwd = realpathSync(folder);
    } catch {
      throw new Error(`cwd ${JSON.stringify(folder.slice(0, 200))} is not a folder that exists`);
    }
  }
  if (instructions !== undefined) request.instructions = text(instructions, "instructions", DRIVER_LIMITS.instructions);
  if (allow !== undefined) {
    if (!Array.isArray(allow) || allow.length > 64) throw new Error("allow must be a list of at most 64 rules");
    request.allow = allow.map((rule) => text(rule, "allow[]", 200));
  }
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

/** Whether `path` is `root` or inside it (both absolute, resolved). */
function inside(path: string, root: string): boolean {
  let real = resolve(root);
  try {
    real = realpathSync(real);
  } catch {
    // A root that does not exist holds nothing.
  }
  const rel = relative(real, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** A prompt's stopOnDenied: denial codes, each a short word. */
function stopCodes(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 16) throw new Error("stopOnDenied must be a list of at most 16 codes");
  return value.map((code) => text(code, "stopOnDenied[]", 64));
}
