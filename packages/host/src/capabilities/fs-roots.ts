import { basename, dirname, join, sep } from "node:path";
import { locatePath } from "./fs-confined.js";
import type { ProtectedPath, ProtectedReason } from "./protected-paths.js";

/** A protected path at its real location (see protected-paths.ts), and why it is protected. */
export interface GuardedPath {
  /** As configured, for the refusal. */
  path: string;
  /** Where it really is (or would be): what real locations are compared with. */
  real: string;
  why: ProtectedReason;
}

/**
 * The granted roots of one access (read or write) at their real locations, less the protected
 * paths below them. The one question every check asks — is this real location granted? — has one
 * answer here, so no call site can compare with the roots and forget the exclusion.
 *
 * A protected path keeps out a root *above* it (a workspace at ~ does not reach ~/.pincer or
 * ~/.ssh); a root that is the protected path or lies inside it was granted explicitly and is
 * narrower (a plugin's own `${plugin}` folder in PINCER_HOME), so it reaches what it names.
 */
export class Roots {
  /** Each root with the protected paths strictly inside it, which it does not reach. */
  private readonly entries: ReadonlyArray<{ root: string; excluded: readonly GuardedPath[] }>;

  constructor(
    readonly granted: readonly string[],
    guarded: readonly GuardedPath[] = [],
  ) {
    this.entries = granted.map((root) => ({
      root,
      excluded: guarded.filter((entry) => entry.real !== root && isInside(entry.real, root)),
    }));
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** Whether `real` (a real, normalized absolute location) is granted. */
  contains(real: string): boolean {
    return this.entries.some(
      ({ root, excluded }) => isInside(real, root) && !excluded.some((entry) => isInside(real, entry.real)),
    );
  }

  /** Whether `real` is one of the roots itself (a root is never moved or replaced). */
  isRoot(real: string): boolean {
    return this.entries.some(({ root }) => root === real);
  }

  /** Whether a root lies inside `real`: a missing directory on the way to a root that does not exist yet. */
  leadsTo(real: string): boolean {
    return this.entries.some(({ root }) => isInside(root, real));
  }

  /** The protected path that keeps `real` out of a root that would otherwise hold it, if that is why it is refused. */
  guarding(real: string): GuardedPath | undefined {
    for (const { root, excluded } of this.entries) {
      if (!isInside(real, root)) continue;
      const guard = excluded.find((entry) => isInside(real, entry.real));
      if (guard) return guard;
    }
    return undefined;
  }

  /**
   * A protected path strictly inside the directory at `real`, which a root holding `real` keeps
   * out: moving that directory would carry the protected path out from under its name (rename
   * ~/.config away, then read gh's token under the new name), so it is refused.
   */
  holdsGuarded(real: string): GuardedPath | undefined {
    for (const { root, excluded } of this.entries) {
      if (!isInside(real, root)) continue;
      const guard = excluded.find((entry) => entry.real !== real && isInside(entry.real, real));
      if (guard) return guard;
    }
    return undefined;
  }
}

/** Whether `path` is `root` or inside it; both real, normalized absolute paths (as the kernel names them). */
export function isInside(path: string, root: string): boolean {
  if (path === root) return true;
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Where each protected path really is: the path its name leads to (a link to elsewhere protects
 * that place) and the name itself in its real parent (so the link, or a path not made yet, is
 * protected under its own name too). A path that cannot be opened (a socket, no permission) is
 * kept by its name.
 */
export async function locateGuarded(paths: readonly ProtectedPath[]): Promise<GuardedPath[]> {
  const parents = new Map<string, Promise<string>>();
  const parent = (path: string) => {
    let located = parents.get(path);
    if (!located) {
      located = locatePath(path).catch(() => path);
      parents.set(path, located);
    }
    return located;
  };
  const located = await Promise.all(
    paths.map(async (entry) => {
      const named = join(await parent(dirname(entry.path)), basename(entry.path));
      const real = await locatePath(entry.path).catch(() => named);
      return real === named
        ? [{ ...entry, real }]
        : [
            { ...entry, real: named },
            { ...entry, real },
          ];
    }),
  );
  return located.flat();
}

/** The refusal of a path a protected path keeps out: it names the protected path and why, never what is in it. */
export function protectedRefusal(access: "read" | "write", absolute: string, real: string, guard: GuardedPath): Error {
  return new Error(
    `${access} of ${absolute}${real !== absolute ? ` (really ${real})` : ""} refused: ${guard.path} is protected (${guard.why}). ` +
      "No plugin or tool reaches it through a folder granted above it; only a grant of that path itself does.",
  );
}
