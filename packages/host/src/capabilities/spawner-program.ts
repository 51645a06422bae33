import { LIFELINE_SCRIPT } from "./lifeline.js";

/**
 * The program of the spawner (see spawner.ts): a small Node process that forks and execs commands
 * for a large one. Forking a process is paid in its size: `pincer serve` holding 1–1.3 GiB of
 * isolates spent 8–10 ms of CPU and 14–40 ms of its main thread in each synchronous `spawn`, then
 * more in the copy-on-write faults that follow. This process stays small, so its forks are cheap.
 *
 * It is passed as source to `node -e` (no file to find next to a bundle) and receives, over the
 * IPC channel, exactly what `spawnGuarded` would have spawned: program, arguments, cwd, the whole
 * environment, stdio kinds and whether a lifeline is needed. It adds nothing and decides nothing.
 * For each command it answers `error`, or `spawned` with the pid, then the command's output as it
 * comes (`output`, base64, then `end`), then `exit` with the code and signal exactly as the child
 * ended, after killing what it left in its group. Output comes inside messages only up to
 * INLINE_OUTPUT_BYTES a stream — most commands never write that much, and handing a pipe over costs
 * a round trip of its own and a pipe for the parent to watch — then the pipe itself is handed over
 * (`stdio`, one handle per message) and the parent reads the rest directly, at its own pace: a
 * command writing without end blocks on its full pipe, never filling this small process. A piped
 * stdin is always handed over.
 *
 * It dies with its parent: started under a lifeline (process-guard.ts), and on `disconnect` it
 * kills every group it started and exits. Its commands die with it: under bubblewrap by
 * `--die-with-parent` (this process is their parent), without by their own lifelines, whose other
 * ends this process holds.
 */
export const SPAWNER_SOURCE = `"use strict";
const { spawn } = require("node:child_process");
const LIFELINE = ${JSON.stringify(LIFELINE_SCRIPT)};
const INLINE_OUTPUT_BYTES = 64 * 1024;
const live = new Map();
const deliver = (message, handle) => {
  try {
    process.send(message, handle);
  } catch {
    // The parent is gone: 'disconnect' ends this process.
  }
};
// What is said in one pass of the event loop goes as one message (a batch): for a command that
// prints a line, its pid, output, ends and exit are one write here and one read there, not six.
// A handle goes alone, after what was said before it.
let batch = [];
const flush = () => {
  const messages = batch;
  batch = [];
  if (messages.length === 1) deliver(messages[0]);
  else if (messages.length > 1) deliver({ type: "batch", messages });
};
const send = (message, handle) => {
  if (handle) {
    flush();
    deliver(message, handle);
    return;
  }
  if (batch.length === 0) setImmediate(flush);
  batch.push(message);
};
const killGroup = (pid) => {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {}
};
process.on("message", (request) => {
  if (!request || request.type !== "spawn") return;
  const { id, program, args, cwd, env, stdio, lifeline } = request;
  let child;
  try {
    child = lifeline
      ? spawn("/bin/sh", ["-c", LIFELINE, "pincer-lifeline", program, ...args], { cwd, env, stdio: [...stdio, "pipe"], detached: true })
      : spawn(program, args, { cwd, env, stdio, detached: true });
  } catch (error) {
    send({ type: "error", id, message: String(error && error.message), code: error && error.code });
    return;
  }
  const pid = child.pid;
  child.on("error", () => {});
  if (pid === undefined) {
    child.once("error", (error) => send({ type: "error", id, message: error.message, code: error.code }));
    return;
  }
  live.set(id, pid);
  send({ type: "spawned", id, pid });
  if (child.stdio[0]) send({ type: "stdio", id, index: 0, pid }, child.stdio[0]);
  for (const index of [1, 2]) {
    const stream = child.stdio[index];
    if (!stream) continue;
    let sent = 0;
    let done = false;
    const onData = (chunk) => {
      if (done) return;
      sent += chunk.length;
      send({ type: "output", id, index, data: chunk.toString("base64") });
      if (sent < INLINE_OUTPUT_BYTES) return;
      // Nothing more is read here: what node read ahead goes first, then the pipe itself, where
      // what the command writes next waits for the parent.
      done = true;
      stream.pause();
      stream.off("data", onData);
      for (let rest = stream.read(); rest !== null; rest = stream.read()) {
        send({ type: "output", id, index, data: rest.toString("base64") });
      }
      stream._handle?.readStop?.();
      if (stream._handle && !stream._readableState.ended) send({ type: "stdio", id, index, pid }, stream);
      else send({ type: "end", id, index });
    };
    // A read error ends the output as end-of-file does (as node's own child stdio does).
    const onEnd = () => {
      if (done) return;
      done = true;
      send({ type: "end", id, index });
    };
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.on("error", onEnd);
  }
  child.once("exit", (code, signal) => {
    killGroup(pid);
    live.delete(id);
    send({ type: "exit", id, code, signal });
  });
});
process.on("disconnect", () => {
  for (const pid of live.values()) killGroup(pid);
  process.exit(0);
});
`;
