import { lstat, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A private /tmp's name: the pid of the process that made it, then mkdtemp's random suffix. */
export const PRIVATE_TMP_PREFIX = "pincer-tmp-";
const PRIVATE_TMP_NAME = /^pincer-tmp-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * How long a dead process's private /tmp must have been left alone before it is removed. The pid
 * alone cannot tell: a Pincer in another pid namespace that shares this /tmp (a container) looks
 * gone from here while its sessions still run.
 */
export const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * Removes the private /tmps that Pincer processes killed before their exit listener ran (kill -9,
 * the OOM killer, a power cut) left in the system's temp folder, with whatever their commands wrote
 * there: one of this user's, named for a process that no longer exists and untouched for an hour.
 * Folders of live processes, of other users, and of Pincer versions that did not name the process
 * are left alone. Never throws; answers how many it removed.
 */
export async function sweepStaleTmps(options: { dir?: string; now?: number } = {}): Promise<number> {
  const dir = options.dir ?? tmpdir();
  const now = options.now ?? Date.now();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number(PRIVATE_TMP_NAME.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || alive(pid)) continue;
    const path = join(dir, name);
    try {
      const stat = await lstat(path);
      if (!stat.isDirectory() || stat.uid !== process.getuid?.() || now - stat.mtimeMs < STALE_AFTER_MS) continue;
      await rm(path, { recursive: true, force: true });
      removed++;
    } catch {
      // Gone already (another Pincer swept it), or not ours to remove.
    }
  }
  return removed;
}

/** Whether a process with this pid exists (one of another user's counts: EPERM). */
function alive(pid: number): boolean {
  if (pid <= 1) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
