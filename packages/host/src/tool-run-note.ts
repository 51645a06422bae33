/**
 * Whether this process ran a plugin's tool. `pincer -p`'s code cache (the CLI's print-bundle.ts)
 * holds the functions the turn that made it compiled: one made by a turn that called no tool
 * lacks the tool path (the sandbox's call, the exec capability, the spawn, the permission
 * check), which every tool turn then compiled again (~80 KB of code, ~5 ms of CPU). A tool turn
 * that finds such a cache makes it again, once.
 */
let ran = false;

export function noteToolRun(): void {
  ran = true;
}

export function didRunTool(): boolean {
  return ran;
}
