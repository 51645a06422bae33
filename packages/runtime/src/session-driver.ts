import type { DrivenSessionHost, DriverStartRequest, SessionDriverHost } from "@pincer/host";
import { createRedactor, type KernelEvent, type PermissionMode, secretsFromEnv } from "@pincer/kernel";
import { checkModelBeforeStart } from "./model-choice.js";
import { importSession } from "./session-import.js";
import { readTranscript } from "./session-transcript.js";
import type { PreparedSession, SessionOptions } from "./setup.js";

/** From the most careful to the most permissive: a driven session's mode only moves left of the user's. */
const MODE_RANK: Record<PermissionMode, number> = { plan: 0, default: 1, acceptEdits: 2, bypassPermissions: 3 };

function narrowest(...modes: Array<PermissionMode | undefined>): PermissionMode {
  const given = modes.filter((mode): mode is PermissionMode => mode !== undefined);
  return given.reduce((least, mode) => (MODE_RANK[mode] < MODE_RANK[least] ? mode : least));
}

/**
 * The sessions a plugin's command drives (its ctx.sessions), made the way this session was made:
 * the same settings, rules, plugins, OS sandbox and way of asking (the front end's resolver, or
 * none), in the same folder. The user's permission mode is the ceiling: the mode the session runs
 * in now (`mode()`, which follows /permissions or shift+tab), narrowed further by the agent's or
 * the request's own; never wider. Each driven session is an ordinary session on disk.
 */
export function sessionDriverHost(
  base: SessionOptions,
  mode: () => PermissionMode,
  prepare: (options: SessionOptions) => Promise<PreparedSession>,
  /** Variables the command's services set (a local Hub's address and token): its sessions get them too. */
  serviceEnv: () => Record<string, string> = () => ({}),
): SessionDriverHost {
  const envNow = () => ({ ...base.env, ...serviceEnv() });
  const open = async (options: SessionOptions, inlineMode: PermissionMode | undefined): Promise<DrivenSessionHost> => {
    const ceiling = mode();
    const env = envNow();
    // The user's mode is the session's; an agent's own (named or inline) may only narrow it.
    const prepared = await prepare({ ...options, env, permissionMode: ceiling });
    const wanted = narrowest(ceiling, prepared.agentMode, inlineMode);
    if (prepared.kernel.permissions.mode !== wanted) prepared.kernel.permissions.setMode(wanted);
    // A second net for what leaves through transcript(): the file is redacted as it is written.
    const redact = createRedactor({ secrets: secretsFromEnv(env) });
    return driven(prepared, redact, () =>
      open({ ...options, resume: prepared.session.id, fork: true, continue: false }, inlineMode),
    );
  };
  const common: SessionOptions = { ...base, continue: false, fork: false };
  delete common.resume;
  /** What a request adds to the user's options: instructions, and the allow rules the host checked against the plugin's grants. */
  const extras = (request: Omit<DriverStartRequest, "agent">, prompts: Array<string | undefined>): SessionOptions => {
    const append = [base.appendSystemPrompt, ...prompts, request.instructions].filter((text): text is string => !!text);
    return {
      ...common,
      ...(append.length ? { appendSystemPrompt: append.join("\n\n") } : {}),
      ...(request.model ? { model: request.model } : {}),
      ...(request.maxTurns ? { maxTurns: request.maxTurns } : {}),
      ...(request.allow?.length ? { allowedTools: [...(base.allowedTools ?? []), ...request.allow] } : {}),
      ...(request.cwd ? { cwd: request.cwd } : {}),
    };
  };
  return {
    start: (request: DriverStartRequest) => {
      const agent = request.agent;
      const inline = typeof agent === "object" ? agent : undefined;
      return open(
        {
          ...extras(request, [inline?.prompt]),
          ...(typeof agent === "string" ? { agent } : {}),
          ...(inline?.tools ? { onlyTools: inline.tools } : {}),
        },
        inline?.mode,
      );
    },
    resume: (id, request) => open({ ...extras(request, []), resume: id }, undefined),
    check: async (request) => {
      const model = checkModelBeforeStart({
        ...base,
        env: envNow(),
        ...(request.model ? { model: request.model } : {}),
      });
      return { model: model ?? "" };
    },
    import: async (jsonl) => importSession(jsonl, { home: base.home, cwd: base.cwd }),
  };
}

function driven(
  prepared: PreparedSession,
  redact: (text: string) => string,
  fork: () => Promise<DrivenSessionHost>,
): DrivenSessionHost {
  const { kernel, session } = prepared;
  let closed = false;
  return {
    get id() {
      return session.id;
    },
    get model() {
      return kernel.model;
    },
    file: session.path,
    createdAt: session.header.createdAt,
    transcript: (offset, max) => readTranscript(session.path, offset, max, redact),
    abort: (reason) => kernel.abort(reason),
    async prompt(text: string, onEvent: (event: KernelEvent) => void, signal: AbortSignal) {
      const unsubscribe = kernel.subscribe(onEvent);
      try {
        return await kernel.prompt(text, { signal });
      } finally {
        unsubscribe();
      }
    },
    spend: () => {
      const { modelUsd, calls } = kernel.spending.breakdown();
      return { modelUsd, calls };
    },
    fork,
    readCustom: (customType) =>
      // Custom entries stay in memory through compactions (Session.letGoBefore): nothing is read.
      session
        .pathInMemory()
        .flatMap((entry) => (entry.type === "custom" && entry.customType === customType ? [entry.data] : [])),
    appendCustom: (customType, data) => {
      session.append({ type: "custom", customType, data });
    },
    close: () => {
      if (closed) return;
      closed = true;
      prepared.dispose();
    },
  };
}
