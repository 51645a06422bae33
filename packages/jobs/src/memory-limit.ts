// Enforcing a job's `memoryMb`: the address space (RLIMIT_AS) is capped with `prlimit --as=<bytes>`
// (util-linux) when it is on PATH, else with `ulimit -v <KiB>` in a `sh -c` wrapper. Either way
// the interpreter is exec'd under the limit, so the script's pid is the wrapper's pid.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export type MemoryLimiter = { kind: "prlimit"; path: string } | { kind: "ulimit" };

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** The command and argv that run `python pythonArgv` with its address space capped at `memoryMb`. */
export function withMemoryLimit(
  limiter: MemoryLimiter | undefined,
  python: string,
  pythonArgv: string[],
  memoryMb: number,
): { command: string; argv: string[] } {
  let command: string;
  let argv: string[];
  const bytes = Math.floor(memoryMb * 1024 * 1024);
  if (limiter?.kind === "prlimit") {
    command = limiter.path;
    argv = [`--as=${bytes}`, "--", python, ...pythonArgv];
  } else {
    command = "/bin/sh";
    argv = ["-c", `ulimit -v ${Math.floor(bytes / 1024)} && exec "$@"`, "sh", python, ...pythonArgv];
  }
  return { command, argv };
}
