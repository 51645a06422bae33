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

  /** A call's progress notes: capped here, before they cross; past the cap one note says so, then nothing goes. */
  const progressFor = (callId) => {
    let updateBytes = 0;
    return (partial) => {
      if (updateBytes > limits.maxUpdateBytes) return;
      const text = S(partial);
      updateBytes += text.length + NOTE_COST;
      if (updateBytes <= limits.maxUpdateBytes) tell("update", callId, text);
      else tell("update", callId, "\\n[further progress output dropped: more than " + megabytes(limits.maxUpdateBytes) + "]\\n");
    };
  };
  /** A command's ctx.sessions: every operation is a host call tied to the command's call id. */
  const driverFor = (callId) => {
    const op = async (name, ...args) => parse(await call("driver", callId, name, stringify(args)));
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
        ledger,
        async prompt(text, options) {
          const onEvent = options && typeof options.onEvent === "function" ? options.onEvent : null;
          const stream = onEvent ? ++nextId : 0;
          if (stream) {
            listeners.set(stream, (chunk) => {
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
            return await op("prompt", id, S(text), stream);
          } finally {
            listeners.delete(stream);
          }
        },
        fork: async () => handle(await op("fork", id)),
        close: async () => {
          await op("close", id);
        },
      });
    };
    return Object.freeze({
      start: async (options) => handle(await op("start", options === undefined ? {} : options)),
      resume: async (id, options) => handle(await op("resume", S(id), options === undefined ? {} : options)),
    });
  };
`;
