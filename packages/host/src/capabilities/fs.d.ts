import type { FsCapability } from "@pincer/sdk";
export interface FsGrant {
  cwd: string;
  readRoots: string[];
  writeRoots: string[];
}
/**
 * The `fs` capability: every path is resolved against cwd, `..` normalised and symlinks
 * followed (for a path that does not exist yet, through its deepest existing ancestor)
 * before it is checked against the granted roots, so neither `../` nor a symlink inside a
 * root leads outside it.
 */
export declare function createFsCapability(grant: FsGrant): FsCapability;
//# sourceMappingURL=fs.d.ts.map
