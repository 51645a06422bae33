import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The user's approvals of a project's Claude Code hooks (`.claude/settings.json` and
 * `.claude/settings.local.json`), as for a project's `.mcp.json` servers: a repository's hook
 * commands run only once the user has seen them and said yes (`pincer hooks approve`), and a
 * change to any of them asks again. Kept in `PINCER_HOME/claude-hook-approvals.json`, the user's
 * own file, keyed by project folder and settings file, holding each file's hooks fingerprint.
 */
interface ApprovalsFile {
  version: 1;
  approvals: Record<string, Record<string, string>>;
}

export function hookApprovalsPath(home: string): string {
  return join(home, "claude-hook-approvals.json");
}

function read(home: string): ApprovalsFile {
  const file = hookApprovalsPath(home);
  if (!existsSync(file)) return { version: 1, approvals: {} };
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as ApprovalsFile;
    if (json.version === 1 && json.approvals && typeof json.approvals === "object") return json;
  } catch {
    // Reported below.
  }
  throw new Error(`${file} is not a list of hook approvals. Delete it and approve your projects' hooks again.`);
}

export type HookApproval = "approved" | "pending" | "changed";

/** Where a project settings file's hooks stand against the user's approvals. */
export function hookApprovalStatus(home: string, projectDir: string, file: string, fingerprint: string): HookApproval {
  const known = read(home).approvals[resolve(projectDir)]?.[resolve(file)];
  return known === fingerprint ? "approved" : known === undefined ? "pending" : "changed";
}

/** Records the user's yes to a settings file's hooks as they are now. */
export function approveHooks(home: string, projectDir: string, file: string, fingerprint: string): void {
  const data = read(home);
  const dir = resolve(projectDir);
  data.approvals[dir] = { ...data.approvals[dir], [resolve(file)]: fingerprint };
  const path = hookApprovalsPath(home);
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
