/**
 * The isolate's half of plugin hooks and session drivers, evaluated in the prelude's closure after
 * the bridge (call, tell, listeners, state, fs, env are in scope). A hook runs as a call of its own:
 * the host hands it plain JSON and takes back JSON, cut here before it crosses (the host checks
 * the shape and sizes again). A driver is a command's `ctx.sessions`: each operation is one host
 * call, and a turn's events come back through the same stream notes exec output uses.
 */
export const HOOKS_INSIDE = `
  /** The plugin's hooks object (definePlugin({ hooks })), read once at register. */
  let hookDefs = null;
  /** The most a hook's answer may be, as JSON characters; more is an error, never cut data. */
  const MAX_HOOK_REPLY = 1048576;
  const hookNames = () =>
    hookDefs && typeof hookDefs === "object" ? objectKeys(hookDefs).filter((name) => typeof hookDefs[name] === "function") : [];
  const hookReply = (verdict) => {
    let json;
    try {
      json = stringify(verdict === undefined ? null : verdict);
    } catch (error) {
      return stringify({ error: "its answer is not plain data (" + describeError(error) + ")" });
    }
    if (json === undefined) return '{"ok":null}';
    if (json.length > MAX_HOOK_REPLY) return stringify({ error: "it answered " + json.length + " characters of JSON, more than a hook may (" + megabytes(MAX_HOOK_REPLY) + ")" });
    return '{"ok":' + json + "}";
  };
  const hookContext = (contextJson) => {
    const { cwd, sessionId } = parse(contextJson);
    return { cwd, sessionId, fs, env, state };
  };
  const hookEntries = {
    /** One decision hook: its arguments arrive as a JSON array; its verdict leaves as { ok } or { error }. */
    async hook(callId, name, argsJson, contextJson, envJson) {
      receiveEnv(envJson);
      const handler = hookDefs && hookDefs[name];
      if (typeof handler !== "function") return stringify({ error: "the plugin defines no " + S(name) + " hook" });
      calls.set(callId, { controller: new AbortController() });
      newWindow();
      try {
        return hookReply(await handler.call(hookDefs, ...parse(argsJson), hookContext(contextJson)));
      } catch (error) {
        return stringify({ error: describeError(error) });
      } finally {
        calls.delete(callId);
      }
    },
    /** A batch of observed events, in order; the first that throws ends the batch and is reported. */
    async observe(callId, batchJson, contextJson, envJson) {
      receiveEnv(envJson);
      const handler = hookDefs && hookDefs.observe;
      if (typeof handler !== "function") return stringify({ error: "the plugin defines no observe hook" });
      calls.set(callId, { controller: new AbortController() });
      newWindow();
      const ctx = hookContext(contextJson);
      try {
        for (const event of parse(batchJson)) await handler.call(hookDefs, event, ctx);
        return '{"ok":null}';
      } catch (error) {
        return stringify({ error: describeError(error) });
      } finally {
        calls.delete(callId);
      }
    },
  };

  /**
   * A command's progress budget starts afresh with each batch of its driven sessions' events (as its
   * wall clock does): a long run that keeps working keeps reporting; one that only prints does not.
   */
  const progressRenewals = new Map();
  /** A call's progress notes: capped here, before they cross; past the cap one note says so, then nothing goes. */
  const progressFor = (callId) => {
    let updateBytes = 0;
    progressRenewals.set(callId, () => {
      updateBytes = 0;
    });
    return (partial) => {
      if (updateBytes > limits.maxUpdateBytes) return;
      const text = S(partial);
      updateBytes += text.length + NOTE_COST;
      if (updateBytes <= limits.maxUpdateBytes) tell("update", callId, text);
      else tell("update", callId, "\\n[further progress output dropped: more than " + megabytes(limits.maxUpdateBytes) + "]\\n");
    };
  };
  /**
   * One of a command's host operations (its sessions, its services), tied to the command's call id:
   * the host answers { ok } or { usage }, a usage error thrown here as one (exit code 2).
   */
  const commandOp = async (callId, name, args) => {
    const answer = parse(await call("driver", callId, name, stringify(args)));
    if (answer && typeof answer.usage === "string") {
      const error = new Error(answer.usage);
      error.name = "CommandUsageError";
      error.exitCode = 2;
      throw error;
    }
    return answer ? answer.ok : undefined;
  };
  /** A command's ctx.services. */
  const servicesFor = (callId) =>
    Object.freeze({
      start: async (name, options) => {
        const started = await commandOp(callId, "service.start", [S(name), options === undefined ? {} : options]);
        // The service's variables are the plugin's now (through its env grant): read them at once.
        if (typeof started.grantedEnv === "string") receiveEnv(started.grantedEnv);
        const { grantedEnv: _granted, ...info } = started;
        return info;
      },
    });
  /** A command's ctx.sessions: every operation is a host call tied to the command's call id. */
  const driverFor = (callId) => {
    const op = (name, ...args) => commandOp(callId, name, args);
    const handle = (info) => {
      const id = S(info.id);
      const ledger = Object.freeze({
        read: () => op("ledgerRead", id),
        append: async (data) => {
          const json = stringify(data);
          if (json === undefined) throw new TypeError("ledger.append takes plain data");
          await op("ledgerAppend", id, json);
        },
      });
      return Object.freeze({
        id,
        model: S(info.model),
        file: S(info.file),
        createdAt: S(info.createdAt),
        ledger,
        async prompt(text, options) {
          const onEvent = options && typeof options.onEvent === "function" ? options.onEvent : null;
          const stream = onEvent ? ++nextId : 0;
          if (stream) {
            listeners.set(stream, (chunk) => {
              const renew = progressRenewals.get(callId);
              if (renew) renew();
              for (const event of parse(chunk)) {
                try {
                  onEvent(event);
                } catch (error) {
                  log("[onEvent threw] " + describeError(error));
                }
              }
            });
          }
          try {
            const stopOn = options && Array.isArray(options.stopOnDenied) ? options.stopOnDenied.map((code) => S(code)) : [];
            return await op("prompt", id, S(text), stream, stopOn);
          } finally {
            listeners.delete(stream);
          }
        },
        fork: async () => handle(await op("fork", id)),
        abort: async (reason) => {
          await op("abort", id, reason === undefined ? null : S(reason));
        },
        transcript: (offset) => op("transcript", id, offset === undefined ? 0 : offset),
        close: async () => {
          await op("close", id);
        },
      });
    };
    return Object.freeze({
      start: async (options) => handle(await op("start", options === undefined ? {} : options)),
      resume: async (id, options) => handle(await op("resume", S(id), options === undefined ? {} : options)),
      check: (options) => op("check", options === undefined ? {} : options),
      import: (jsonl) => op("import", S(jsonl)),
    });
  };
`;
