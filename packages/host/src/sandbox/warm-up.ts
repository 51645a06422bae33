import { WARM_UP_WIRE } from "./warm-up-wire.js";

/**
 * The warm-up of a plugin's V8 snapshot: Pincer's own script, run only for the built-ins it
 * snapshots (see SnapshotCache.create). A snapshot holds the functions the bundle's top level ran
 * compiled, and no others: every function a call reaches for the first time is parsed and compiled
 * then, inside the call (the openai provider's first model call spent 20–30 ms of CPU on that, each
 * later one 1–2 ms). V8's snapshot creator runs the prelude and the bundle a second time in a
 * throw-away context, runs this script there, and keeps the code it compiled (kKeep); the context
 * the isolate starts from never sees any of it, so nothing it does here is state a plugin finds.
 *
 * It drives the path a real call takes, through the prelude's own entries: register; every
 * provider's stream(), building its request and parsing a canned streamed answer (text, a tool
 * call, the turn after the tool ran) fetched through the prelude's fetch; the bash, read and
 * web_fetch tools' permission subject and run (web_fetch converts a canned page to Markdown). No host is attached in the snapshot creator, so a fake one answers
 * here, inside the isolate: async calls settle as microtasks (V8 runs them before the script's run
 * returns), timers never fire, notes are dropped. A step that fails is recorded and the rest go on;
 * the script's value is a promise of that record, which tests read in an ordinary context.
 */
export const WARM_UP = `(async () => {
  "use strict";
  const KEY = "pincer-warm-up";
  const TOOL_CALL_ID = "call_warm_up";
  const ASK_FOR_TOOL = "warm-up: run echo";
  const BASE_URL = "https://warm-up.invalid/v1";
  const CWD = "/warm-up";
  ${WARM_UP_WIRE}
  const report = { steps: [], failed: [] };
  const step = async (name, run) => {
    try {
      const outcome = await run();
      report.steps.push(outcome === undefined ? { name } : { name, ...outcome });
    } catch (error) {
      report.failed.push(name + ": " + (error && error.message ? error.message : String(error)));
    }
  };
  const entry = (name) => __pincer.entry(name, KEY);

  // A stand-in for the WHATWG parser the host lends (parseURL): enough for the absolute and
  // relative http(s) URLs an SDK builds from BASE_URL; anything else is an invalid URL here.
  const URL_FORM = /^([a-z][a-z0-9+.-]*:)\\/\\/([^/?#]*)([^?#]*)(\\?[^#]*)?(#.*)?$/i;
  const parseURL = (input, base) => {
    let match = URL_FORM.exec(input);
    if (!match && base !== null) {
      const from = URL_FORM.exec(base);
      const relative = /^([^?#]*)(\\?[^#]*)?(#.*)?$/.exec(input);
      if (!from || !relative) throw new TypeError("Invalid URL");
      const dir = from[3].slice(0, from[3].lastIndexOf("/") + 1) || "/";
      const path = relative[1] === "" ? from[3] : relative[1].startsWith("/") ? relative[1] : dir + relative[1];
      match = [input, from[1], from[2], path, relative[2] ?? (relative[1] === "" ? from[4] : undefined), relative[3]];
    }
    if (!match) throw new TypeError("Invalid URL");
    const [, protocol, authority, rawPath, query = "", hash = ""] = match;
    const host = authority.toLowerCase();
    const colon = host.lastIndexOf(":");
    const hostname = colon < 0 ? host : host.slice(0, colon);
    const port = colon < 0 ? "" : host.slice(colon + 1);
    const pathname = rawPath === "" ? "/" : rawPath;
    const search = query === "?" ? "" : query;
    const origin = protocol.toLowerCase() + "//" + host;
    return {
      href: origin + pathname + search + (hash === "#" ? "" : hash), protocol: protocol.toLowerCase(),
      username: "", password: "", host, hostname, port, pathname, search, hash: hash === "#" ? "" : hash, origin,
    };
  };

  /** url[part] = value, for the parts an SDK sets on the URLs it builds. */
  const setURL = (href, part, value) => {
    const parts = parseURL(href, null);
    if (parts[part] === value) return parts;
    const lead = { search: "?", hash: "#", pathname: "/" }[part];
    if (lead === undefined) throw new TypeError("the warm-up sets no URL " + part);
    const text = value === "" || value.startsWith(lead) ? value : lead + value;
    const next = { ...parts, [part]: text === lead && part !== "pathname" ? "" : text };
    return parseURL(next.origin + next.pathname + next.search + next.hash, null);
  };

  // The fake host. Async calls settle a microtask later; a response body follows its fetch chunk by chunk.
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const events = new Map();
  let nextBody = 0;
  const pushBody = (bodyId, text) => {
    const bytes = encoder.encode(text);
    // Three reads, cut mid-line, as a network delivers them.
    const cuts = [0, Math.floor(bytes.length / 3), Math.floor((2 * bytes.length) / 3), bytes.length];
    let chain = Promise.resolve();
    for (let i = 0; i < 3; i++) {
      const piece = bytes.slice(cuts[i], cuts[i + 1]);
      chain = chain.then(() => entry("bodyChunk")(bodyId, { bytes: piece, text: decoder.decode(piece) }, undefined));
    }
    return chain.then(() => entry("bodyChunk")(bodyId, null, undefined));
  };
  const asyncHost = {
    fetch(_id, url, method, _headers, body) {
      const requestBody = typeof body === "string" ? body : body ? decoder.decode(body) : "";
      const answer = cannedAnswer(method, parseURL(url, null).pathname, requestBody);
      if (answer === null) throw new Error("the warm-up answers no " + method + " " + url);
      const [type, text] = answer;
      const bodyId = ++nextBody;
      return {
        meta: { status: 200, statusText: "OK", headers: [["content-type", type]], url, redirected: false, bodyId },
        then: () => pushBody(bodyId, text),
      };
    },
    execRun(_callId, _command, optionsJson) {
      const stream = JSON.parse(optionsJson).stream;
      if (stream) entry("output")(stream, "warm-up\\n");
      return { meta: { exitCode: 0, signal: null, output: "warm-up\\n", truncatedBytes: 0, timedOut: false, aborted: false } };
    },
    stat: () => ({ meta: { type: "file", size: 24, mtimeMs: 0 } }),
    readFile: () => ({ meta: encoder.encode("first line\\nsecond line\\n") }),
  };
  const syncHost = {
    parseURL,
    setURL,
    randomBytes: (size) => new Uint8Array(size).map((_, i) => (i * 151 + 7) & 255),
    envGet: () => undefined,
    fetchAbort: () => undefined,
  };
  // Notes (logs, timers, progress) are dropped; a model call's events are kept for the record.
  const told = (notes) => {
    for (const [name, args] of notes ?? []) if (name === "events") events.get(args[0])?.push(...JSON.parse(args[2]));
  };
  const start = {
    applyIgnored(_self, [id, name, args, notes]) {
      told(notes);
      if (id === 0) return;
      let after = null;
      Promise.resolve()
        .then(() => {
          if (!Object.hasOwn(asyncHost, name)) throw new Error(name + " is not answered in the warm-up");
          const answer = asyncHost[name](...args);
          after = answer.then ?? null;
          return answer.meta;
        })
        .then(
          (value) => entry("settle")(id, true, value),
          (error) => entry("settle")(id, false, error.message),
        )
        .then(() => after && after());
    },
  };
  const sync = {
    applySync(_self, [name, args]) {
      if (!Object.hasOwn(syncHost, name)) throw new Error(name + " is not answered in the warm-up");
      return syncHost[name](...args);
    },
  };
  __pincer.attach(start, sync, "{}", KEY);
  const plugin = JSON.parse(entry("register")());

  // Model calls: a plain answer, one that calls a tool, and the turn after the tool ran.
  const tools = [
    { name: "bash", description: "Run a command", parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] } },
    { name: "read", description: "Read a file", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } },
  ];
  const user = (content) => ({ role: "user", content, timestamp: 0 });
  const usage = { input: 12, output: 3, cacheRead: 0, cacheWrite: 0, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 } };
  const ran = [
    user(ASK_FOR_TOOL),
    {
      role: "assistant", model: "warm-up", usage, stopReason: "toolUse", timestamp: 0,
      content: [{ type: "text", text: "Running it." }, { type: "toolCall", id: TOOL_CALL_ID, name: "bash", arguments: { command: "echo warm-up" } }],
    },
    { role: "toolResult", toolCallId: TOOL_CALL_ID, toolName: "bash", content: [{ type: "text", text: "warm-up\\nexit code 0" }], isError: false, timestamp: 0 },
  ];
  const conversations = { text: [user("warm-up: say hello")], toolCall: [user(ASK_FOR_TOOL)], afterTool: ran };
  let nextMessage = 0;
  let nextCall = 0;
  for (const provider of plugin.providers) {
    const first = provider.models[0];
    const named = typeof first === "string" ? first : first && typeof first.id === "string" ? first.id : "warm-up";
    const model = named.slice(named.indexOf("/") + 1);
    for (const [kind, messages] of Object.entries(conversations)) {
      await step("stream " + provider.id + " " + kind, async () => {
        const added = messages.map((message) => [++nextMessage, message]);
        const wire = { thread: 0, drop: [], ids: added.map(([id]) => id), added, request: { model, systemPrompt: "Warm up.", tools, maxOutputTokens: 1024 } };
        const callId = "warm-up-" + ++nextCall;
        const seen = [];
        events.set(callId, seen);
        const config = JSON.stringify({ apiKey: "warm-up", baseURL: BASE_URL });
        const outcome = JSON.parse(await entry("stream")(callId, provider.id, JSON.stringify(wire), config, "{}"));
        if (outcome.rest) seen.push(...JSON.parse(outcome.rest));
        if (outcome.error) throw new Error(outcome.error);
        const failed = seen.find((event) => event.type === "error");
        if (failed) throw new Error("the provider answered with an error: " + failed.message);
        return { events: seen.map((event) => event.type) };
      });
    }
  }

  // Tool calls: the permission subject, then the run, answered by the fake host.
  const toolArgs = { bash: { command: "echo warm-up" }, read: { path: "warm-up.txt" }, web_fetch: { url: "https://warm-up.invalid/page" } };
  for (const tool of plugin.tools) {
    if (!Object.hasOwn(toolArgs, tool.name)) continue;
    const args = JSON.stringify(toolArgs[tool.name]);
    await step("run " + tool.name, async () => {
      if (tool.hasSubject) entry("subject")(tool.name, args, CWD);
      const outcome = JSON.parse(await entry("run")("warm-up-" + ++nextCall, tool.name, args, CWD, "{}"));
      if (outcome.error) throw new Error(outcome.error);
      return { result: outcome.ok };
    });
  }
  return report;
})()`;
