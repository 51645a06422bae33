// The tarballs a release publishes, made as `pnpm publish` makes them (`pnpm pack`: workspace:
// ranges become versions, .pnpmfile.cjs drops the @pincer/source export condition, the root
// LICENSE is added): what scripts/release-dry-run.test.ts inspects and the registry e2e installs.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { workspacePackages } from "./publish-rules.ts";

export interface PackedPackage {
  name: string;
  version: string;
  /** Folder in the workspace, e.g. packages/cli. */
  dir: string;
  tarball: string;
}

/** Packs every non-private workspace package into `dest`, in one pnpm run. */
export function packPublishable(root: string, dest: string): PackedPackage[] {
  const publishable = workspacePackages(root).filter((pkg) => !pkg.json.private);
  mkdirSync(dest, { recursive: true });
  const filters = publishable.flatMap((pkg) => ["--filter", pkg.json.name]);
  execFileSync("pnpm", ["-r", ...filters, "pack", "--pack-destination", dest], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return publishable.map(({ dir, json }) => ({
    name: json.name,
    version: json.version,
    dir,
    tarball: join(dest, `${json.name.replace(/^@/, "").replace("/", "-")}-${json.version}.tgz`),
  }));
}

/** Unpacks a tarball into `dest` (npm's layout: everything under package/); returns that folder. */
export function unpack(tarball: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", dest]);
  return join(dest, "package");
}
