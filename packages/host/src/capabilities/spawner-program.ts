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
 * For each command it answers `error`, or hands over each piped stdio end with the pid (`stdio`,
 * one handle per message: the parent reads and writes them directly; `spawned` when none), then `exit`
 * with the code and signal exactly as the child ended, after killing what it left in its group.
 *
 * It dies with its parent: started under a lifeline (process-guard.ts), and on `disconnect` it
 * kills every group it started and exits. Its commands die with it: under bubblewrap by
 * `--die-with-parent` (this process is their parent), without by their own lifelines, whose other
 * ends this process holds.
 */
export const SPAWNER_SOURCE = `"use strict";
const { spawn } = require("node:child_process");
const LIFELINE = ${JSON.stringify(LIFELINE_SCRIPT)};
const live = new Map();
const send = (message, handle) => {
  try {
    process.send(message, handle);
  } catch {
    // The parent is gone: 'disconnect' ends this process.
  }
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
  // The stdio ends go to the parent untouched: nothing may be read from them here.
  for (const index of [0, 1, 2]) child.stdio[index]?._handle?.readStop?.();
  live.set(id, pid);
  // The pid rides with the first stdio end (one message fewer), or alone when nothing is piped.
  const piped = [0, 1, 2].filter((index) => child.stdio[index]);
  if (piped.length === 0) send({ type: "spawned", id, pid });
  for (const index of piped) send({ type: "stdio", id, index, pid }, child.stdio[index]);
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
