/**
 * The isolate's half of the host bridge, evaluated first in the prelude's closure: the three ways to
 * reach the host (`call`, `callSync`, `tell`), the caps every crossing is held to, and console.
 * Everything that crosses is rebuilt first from primitives and fresh byte arrays, with intrinsics
 * taken before the plugin's bundle ran, so what is measured is what is sent.
 *
 * The caps are checked here, before data crosses: a copy made for the host lands in the host's
 * memory whether or not the host would keep it, so a cap applied on arrival comes too late. The
 * counters live in this closure, out of the plugin's reach (it only calls the wrappers).
 *
 * - `call` (async host functions: fs, exec, fetch): one call carries at most `maxArgBytes`, and the
 *   arguments of calls not yet settled add up to at most that too, in at most 1,024 calls (a further
 *   call waits here, in the plugin's own memory, until earlier ones settle), so no flood of requests
 *   can pile up in the host.
 * - `tell` notes (logs, progress, events, timers) are capped per call window by their users.
 * - `console.*` lines are cut at 16 KB and at `maxLogBytes` per call window.
 */
export const BRIDGE_INSIDE = `
  const bridge = { start: null, sync: null };
  // The intrinsics every check below relies on, taken before the plugin's bundle runs: it may
  // replace globals and prototype methods, never these.
  const uncurry = (fn) => Function.prototype.call.bind(fn);
  const S = String;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isArray = Array.isArray;
  const objectKeys = Object.keys;
  const defineProperty = Object.defineProperty;
  const U8 = Uint8Array;
  const TYPED = Object.getPrototypeOf(Uint8Array.prototype);
  const typedGetter = (name) => uncurry(Object.getOwnPropertyDescriptor(TYPED, name).get);
  const viewBuffer = typedGetter("buffer");
  const viewOffset = typedGetter("byteOffset");
  const viewLength = typedGetter("byteLength");
  // The name of a typed array's kind, undefined for anything else (a DataView, a proxy, an object):
  // a brand check that does not throw. The byteLength getter throws for those, and every object
  // crossing to the host paid for a TypeError and its captured stack.
  const viewKind = typedGetter(Symbol.toStringTag);
  const isByteView = (value) => viewKind(value) !== undefined;
  const setBytes = uncurry(TYPED.set);
  // The plugin's caps, as the host sets them at attach (before any call).
  const limits = {
    maxStreamBytes: 64 * 1024 * 1024,
    maxUpdateBytes: 1000000,
    maxLogBytes: 1024 * 1024,
    maxArgBytes: 64 * 1024 * 1024,
    maxPathChars: 4096,
    maxTimers: 10000,
  };
  /** Host calls not yet settled, at most: more wait here. */
  const MAX_PENDING_CALLS = 1024;
  const megabytes = (bytes) => (bytes >= 1048576 ? Math.round(bytes / 1048576) + " MB" : Math.round(bytes / 1024) + " KB");
  /** A thrown value's message, without trusting it: a getter or a poisoned toString may throw too. */
  const describeError = (error) => {
    try {
      const message = error !== null && typeof error === "object" && "message" in error ? error.message : error;
      const text = S(message);
      return typeof text === "string" ? text.slice(0, 4096) : "an error that cannot be described";
    } catch {
      return "an error that cannot be described";
    }
  };
  /** Every note costs at least this much against a cap, so a flood of empty ones is bounded too. */
  const NOTE_COST = 64;
  const COPY = { arguments: { copy: true } };

  /**
   * What crosses to the host: the value rebuilt here from primitives and fresh byte arrays (a byte
   * view crosses as a copy of its bytes, never its whole buffer), its size added to \`weight\`. What
   * is measured is what is sent: no getter or proxy of the plugin's runs between the two.
   */
  let weight = 0;
  const fresh = (value, depth) => {
    switch (typeof value) {
      case "string":
        weight += value.length;
        return value;
      case "number":
      case "boolean":
      case "undefined":
        weight += 8;
        return value;
      case "bigint":
      case "symbol":
      case "function":
        throw new TypeError("a " + typeof value + " cannot be sent to the host");
    }
    if (value === null) {
      weight += 8;
      return null;
    }
    if (isByteView(value)) {
      const length = viewLength(value);
      weight += length;
      if (weight > limits.maxArgBytes) return null;
      const copy = new U8(length);
      setBytes(copy, new U8(viewBuffer(value), viewOffset(value), length));
      return copy;
    }
    if (depth >= 4) throw new TypeError("data nested too deep to send to the host");
    if (isArray(value)) {
      const copy = [];
      const count = value.length;
      for (let i = 0; i < count && weight <= limits.maxArgBytes; i++) {
        weight += 8;
        copy[i] = fresh(value[i], depth + 1);
      }
      return copy;
    }
    const copy = {};
    for (const key of objectKeys(value)) {
      if (weight > limits.maxArgBytes) break;
      weight += key.length + 8;
      defineProperty(copy, key, { value: fresh(value[key], depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  };
  /** The arguments as they cross, and their size; refused past maxArgBytes. */
  const crossing = (name, args) => {
    weight = 0;
    const copy = fresh(args, 0);
    if (weight > limits.maxArgBytes) {
      throw new RangeError(name + ": more than one host call carries (" + megabytes(limits.maxArgBytes) + "). Send it in pieces (fs.appendFile writes a file piece by piece).");
    }
    return [copy, weight];
  };

  // An async host call is a message: start it, and the host settles it later. The isolate never
  // blocks on the host, so a plugin can stream a command's output or a response body meanwhile.
  const pending = new Map();
  let nextId = 0;
  let inflight = 0;
  const queued = [];
  // Run before every host call: the isolate is about to wait, so whatever it has batched goes now.
  const beforeWait = new Set();
  const flushBeforeWait = () => {
    for (const flush of beforeWait) flush();
  };
  const send = (name, args, size, resolve, reject) => {
    flushBeforeWait();
    const id = ++nextId;
    inflight += size;
    pending.set(id, { resolve, reject, size });
    // The notes told since the last crossing go with the call, ahead of it (see tell), unless
    // together they would carry more than one call may.
    if (notesWeight + size > limits.maxArgBytes) sendNotes();
    bridge.start.applyIgnored(undefined, [id, name, args, takeNotes()], COPY);
  };
  const call = (name, ...args) =>
    new Promise((resolve, reject) => {
      const [copy, size] = crossing(name, args);
      if (pending.size >= MAX_PENDING_CALLS || (inflight > 0 && inflight + size > limits.maxArgBytes)) {
        queued.push([name, copy, size, resolve, reject]);
      } else send(name, copy, size, resolve, reject);
    });
  /** A call settled: its arguments no longer count, so calls waiting for room go. */
  const settled = (entry) => {
    inflight -= entry.size;
    while (
      queued.length > 0 &&
      pending.size < MAX_PENDING_CALLS &&
      (inflight === 0 || inflight + queued[0][2] <= limits.maxArgBytes)
    ) {
      const [name, args, size, resolve, reject] = queued.shift();
      send(name, args, size, resolve, reject);
    }
  };
  // The few calls that must answer at once (env, URL parsing, random bytes): the notes told before
  // them go with them, ahead of them (sent apart, they were a crossing of their own).
  const callSync = (name, ...args) => {
    const [copy, size] = crossing(name, args);
    if (notesWeight + size > limits.maxArgBytes) sendNotes();
    return bridge.sync.applySync(undefined, [name, copy, takeNotes()], { arguments: { copy: true }, result: { copy: true } });
  };
  // Notes for the host that need no answer (timers, events, logs, progress): sent in order, never
  // waited for, so the isolate does not stall while the host's thread is busy elsewhere. Their users
  // cap them. Each crossing costs both threads far more than a note's few bytes, so the notes of one
  // run of the plugin's code go together: with the next call it starts (an SDK's timer goes with its
  // fetch), else once the code in hand has run (a microtask) or a batch is full.
  const MAX_NOTES = 256;
  let notes = [];
  let notesWeight = 0;
  let notesDue = false;
  const takeNotes = () => {
    if (notes.length === 0) return null;
    const taken = notes;
    notes = [];
    notesWeight = 0;
    return taken;
  };
  const sendNotes = () => {
    notesDue = false;
    const taken = takeNotes();
    if (taken !== null) bridge.start.applyIgnored(undefined, [0, "", null, taken], COPY);
  };
  const resolved = Promise.resolve();
  const then = uncurry(Promise.prototype.then);
  const push = uncurry(Array.prototype.push);
  /** Adds a note to the batch; false when that filled the batch and it went at once. */
  const addNote = (name, args) => {
    const [copy, size] = crossing(name, args);
    push(notes, [name, copy]);
    notesWeight += size;
    if (notes.length < MAX_NOTES && notesWeight <= limits.maxArgBytes) return true;
    sendNotes();
    return false;
  };
  const tell = (name, ...args) => {
    if (addNote(name, args) && !notesDue) {
      notesDue = true;
      then(resolved, sendNotes);
    }
  };
  // A note nothing on the host waits for, so it goes with the next crossing rather than making one:
  // a cleared timer. The host's copy of that timer can only fire into an isolate that no longer
  // knows it (and the host drops them all when the last call ends). An SDK clears its request
  // timeout as each fetch answers: sent on its own, that was a crossing of every model call.
  const tellLater = (name, ...args) => {
    addNote(name, args);
  };
  /** Host-to-isolate notifications other than settling a call (timers, streamed output). */
  const onHost = {};
  /** A path as the host takes it: a string of sane length. */
  const pathArg = (path) => {
    const text = S(path);
    if (text.length > limits.maxPathChars) throw new RangeError("a path of " + text.length + " characters; the most is " + limits.maxPathChars);
    return text;
  };

  /** File content as it crosses: a string, a byte view (copied when it crosses), or bytes made from anything else. */
  const bytesArg = (data) => {
    if (typeof data === "string") return data;
    return isByteView(data) ? data : new U8(data);
  };

  // console: each line cut at 16 KB, and at most maxLogBytes per call window (reset as each call starts).
  const MAX_LINE = 16384;
  let logBytes = 0;
  let logCut = false;
  // Timers set or cleared per call window: each is a note to the host, so a set-and-clear loop is bounded too.
  const MAX_TIMER_OPS = 100000;
  let timerOps = 0;
  const newWindow = () => {
    logBytes = 0;
    logCut = false;
    timerOps = 0;
  };
  const log = (...args) => {
    if (logCut) return;
    let line = "";
    try {
      for (let i = 0; i < args.length && line.length <= MAX_LINE; i++) line += (i > 0 ? " " : "") + S(args[i]);
    } catch (error) {
      line = "[console: a value that cannot be printed: " + describeError(error) + "]";
    }
    if (typeof line !== "string") line = "[console: a value that cannot be printed]";
    if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE) + "… [line cut at " + MAX_LINE + " characters]";
    logBytes += line.length + NOTE_COST;
    if (logBytes > limits.maxLogBytes) {
      logCut = true;
      line = "[further console output dropped: more than " + megabytes(limits.maxLogBytes) + " in one call]";
    }
    tell("log", line);
  };
  globalThis.console = { log, error: log, warn: log, info: log, debug: log, trace: log };
`;
