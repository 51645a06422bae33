/**
 * Every process Pincer starts dies with it, even when Pincer is killed with SIGKILL and gets no
 * chance to clean up. Under bubblewrap, `--die-with-parent` does it (see os-sandbox.ts). Without,
 * Node cannot set PR_SET_PDEATHSIG, so the command runs under a lifeline: a watcher in the
 * command's own process group blocks reading a pipe whose other end only Pincer holds. When
 * Pincer's end closes — exit, crash or kill -9 alike, the kernel closes it — the read returns and
 * the watcher kills the whole group. The command itself is exec'd in place (same pid, stdin kept).
 *
 * Limit: a process that leaves the group on purpose (`setsid`, a daemon) escapes the lifeline;
 * only bubblewrap's PID namespace catches those.
 */
export const LIFELINE_SCRIPT = '{ read _ <&3; kill -9 0; } </dev/null >/dev/null 2>&1 & exec 3<&-; exec "$@"';

/** The fd the lifeline is passed on (after stdin, stdout, stderr). */
export const LIFELINE_FD = 3;

/** The `/bin/sh` arguments that run `program args` under a lifeline (its pipe on LIFELINE_FD). */
export function underLifeline(program: string, args: readonly string[]): string[] {
  return ["-c", LIFELINE_SCRIPT, "pincer-lifeline", program, ...args];
}
