import type { ExecCapability } from "@pincer/sdk";
export interface ExecGrant {
  cwd: string;
  /** Command names the plugin may run; `bash` or `sh` means any command line. */
  allowedCommands: string[] | "*";
  shell?: string;
}
/**
 * The `spawn` capability: a shell command line in its own process group, so abort and timeout
 * kill everything it started, not just the shell. stdin is closed: nothing can hang on input.
 */
export declare function createExecCapability(grant: ExecGrant): ExecCapability;
//# sourceMappingURL=exec.d.ts.map
