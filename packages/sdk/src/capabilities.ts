/**
 * What a plugin's code may touch, as the host hands it in. Each call is checked against the
 * capabilities the plugin declared and the user granted; a refused call rejects with an Error
 * whose message says what was refused and how to grant it. Paths are resolved against the
 * session cwd.
 */

export interface FileStat {
  type: "file" | "directory" | "symlink" | "other";
  size: number;
  mtimeMs: number;
}

export interface DirEntry {
  name: string;
  type: FileStat["type"];
}

export interface FsCapability {
  /**
   * The whole file, or with `range` only `length` bytes from `offset` (fewer at the end of the
   * file, none past it), so a large file can be read piece by piece. One read returns at most
   * 64 MB: a larger file (or range) is refused up front; read it in pieces.
   */
  readFile(path: string, range?: { offset: number; length: number }): Promise<Uint8Array>;
  readText(path: string): Promise<string>;
  /**
   * Creates parent directories as needed. The data goes to a new file that replaces the name (the
   * old file's permissions are kept), so a hard link's other names are never written through.
   */
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  /**
   * Adds `data` at the end of the file, creating it (and its parent directories) when missing, so
   * a large file can be written piece by piece. Needs the write grant, as writeFile does. A file
   * with more than one hard link is refused (its other names may be outside the granted roots).
   */
  appendFile(path: string, data: string | Uint8Array): Promise<void>;
  /**
   * Moves `from` to `to`, replacing `to` if it exists: atomic when both are on one filesystem (a
   * file finished under a temporary name in the same folder appears whole or not at all). Both
   * paths need the write grant; `to`'s parent directories are created as needed. A symlink moves
   * itself, never what it points to.
   */
  rename(from: string, to: string): Promise<void>;
  /**
   * Deletes a file; a path that does not exist is not an error. Directories are refused: a plugin
   * cleans up what it wrote, it does not prune trees. Needs the write grant. A symlink is removed
   * itself, never what it points to, and only when it leads inside the write roots.
   */
  remove(path: string): Promise<void>;
  /** null when the path does not exist. Follows symlinks (each judged by where it leads). */
  stat(path: string): Promise<FileStat | null>;
  readdir(path: string): Promise<DirEntry[]>;
  mkdir(path: string): Promise<void>;
  /** Absolute, symlink-free form of a path (throws if outside the granted roots). */
  resolve(path: string): Promise<string>;
}

export interface ExecOptions {
  cwd?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with output chunks (stdout and stderr interleaved) as they arrive. */
  onOutput?: (chunk: string) => void;
  /** Keep at most this many bytes of output, dropping from the start (the tail is what matters). */
  maxOutputBytes?: number;
  env?: Record<string, string>;
}

export interface ExecResult {
  exitCode: number | null;
  /** Signal that ended the process, if one did. */
  signal: string | null;
  /** stdout and stderr interleaved, tail-kept to maxOutputBytes. */
  output: string;
  truncatedBytes: number;
  timedOut: boolean;
  aborted: boolean;
}

/** A background command's output since the last read, and how it stands. */
export interface BackgroundOutput {
  id: string;
  command: string;
  /** stdout and stderr interleaved, since the last read; its tail when there was more. */
  output: string;
  /** Bytes of output since the last read that were dropped: over the read's cap or the host's buffer (1 MB). */
  droppedBytes: number;
  running: boolean;
  exitCode: number | null;
  signal: string | null;
}

export interface ExecCapability {
  /** Run a shell command line (`bash -c`). The whole process group is killed on abort or timeout. */
  run(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Start a command that runs on after the call returns, checked and asked like `run`, in the same
   * OS sandbox and environment; resolves to its id (`shell_1`). It runs until it ends, is killed,
   * or the session ends; at most 8 run at once.
   */
  start(command: string, options?: Pick<ExecOptions, "cwd" | "env">): Promise<string>;
  /** Its output since the last read (at most `maxBytes`, default 30,000, keeping the tail). */
  readOutput(id: string, options?: { maxBytes?: number }): Promise<BackgroundOutput>;
  /** Stop it and everything it started; resolves to its last output once it has ended. */
  kill(id: string, options?: { maxBytes?: number }): Promise<BackgroundOutput>;
}

export interface EnvCapability {
  /** undefined when unset or not granted. */
  get(name: string): string | undefined;
}
