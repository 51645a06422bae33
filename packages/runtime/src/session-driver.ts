import type { DrivenSessionHost, DriverStartRequest, SessionDriverHost } from "@pincer/host";
import type { KernelEvent, PermissionMode } from "@pincer/kernel";
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
): SessionDriverHost {
  const open = async (options: SessionOptions, inlineMode: PermissionMode | undefined): Promise<DrivenSessionHost> => {
    const ceiling = mode();
    const prepared = await prepare({
      ...options,
      // A named agent's mode is weighed below; with none, the user's is the session's.
      ...(options.agent ? { permissionMode: undefined } : { permissionMode: ceiling }),
    });
    const wanted = narrowest(ceiling, prepared.mode, inlineMode);
    if (prepared.kernel.permissions.mode !== wanted) prepared.kernel.permissions.setMode(wanted);
    return driven(prepared, () =>
      open({ ...options, resume: prepared.session.id, fork: true, continue: false }, inlineMode),
    );
  };
  const common: SessionOptions = { ...base, continue: false, fork: false };
  delete common.resume;
  return {
    start: (request: DriverStartRequest) => {
      const agent = request.agent;
      const inline = typeof agent === "object" ? agent : undefined;
      const append = [base.appendSystemPrompt, inline?.prompt].filter((text): text is string => !!text);
      return open(
        {
          ...common,
          ...(typeof agent === "string" ? { agent } : {}),
          ...(inline?.tools ? { onlyTools: inline.tools } : {}),
          ...(append.length ? { appendSystemPrompt: append.join("\n\n") } : {}),
          ...(request.model ? { model: request.model } : {}),
          ...(request.maxTurns ? { maxTurns: request.maxTurns } : {}),
        },
        inline?.mode,
      );
    },
    resume: (id, request) =>
      open({ ...common, resume: id, ...(request.maxTurns ? { maxTurns: request.maxTurns } : {}) }, undefined),
  };
}

function driven(prepared: PreparedSession, fork: () => Promise<DrivenSessionHost>): DrivenSessionHost {
  const { kernel, session } = prepared;
  let closed = false;
  return {
    get id() {
      return session.id;
    },
    async prompt(text: string, onEvent: (event: KernelEvent) => void, signal: AbortSignal) {
      const unsubscribe = kernel.subscribe(onEvent);
      try {
        return await kernel.prompt(text, { signal });
      } finally {
        unsubscribe();
      }
    },
    fork,
    readCustom: (customType) =>
      session
        .pathToLeaf()
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
