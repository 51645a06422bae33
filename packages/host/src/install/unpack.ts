import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract, type ReadEntry } from "tar";

/** A plugin package larger than this unpacked is refused: installing must not fill the disk. */
export const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

/**
 * Unpacks an npm tarball (`package/...`) into `dir`. Only plain files and folders are taken:
 * a package that ships links, devices or paths outside its folder is refused whole, because
 * a link is how an unpacked file would point the sandbox's fs grant (`${plugin}`) elsewhere.
 */
export function unpackTarball(tarball: Uint8Array, dir: string): void {
  const scratch = mkdtempSync(join(tmpdir(), "pincer-tgz-"));
  const file = join(scratch, "package.tgz");
  const refused: string[] = [];
  let total = 0;
  try {
    writeFileSync(file, tarball);
    mkdirSync(dir, { recursive: true });
    extract({
      file,
      cwd: dir,
      sync: true,
      strip: 1,
      strict: true,
      // Modes come from the package, ownership never does.
      preserveOwner: false,
      filter: (path, entry) => {
        const { type, size } = entry as ReadEntry;
        if (type !== "File" && type !== "Directory" && type !== "OldFile" && type !== "ContiguousFile") {
          refused.push(`${path} (${type})`);
          return false;
        }
        if (path.split("/").includes("..") || path.startsWith("/")) {
          refused.push(`${path} (outside the package)`);
          return false;
        }
        total += size ?? 0;
        if (total > MAX_UNPACKED_BYTES) {
          refused.push(`${path} (package larger than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB)`);
          return false;
        }
        return true;
      },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`The package is not a valid npm tarball: ${(error as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (refused.length) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `The package contains entries a plugin may not ship, so nothing was installed: ${refused.slice(0, 5).join(", ")}${refused.length > 5 ? ` and ${refused.length - 5} more` : ""}.`,
    );
  }
}
