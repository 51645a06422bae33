import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The user's Claude Code folder, `~/.claude` (or `CLAUDE_CONFIG_DIR`, as Claude Code reads it):
 * their CLAUDE.md, settings.json, commands, skills and agents, read as the user's own.
 */
export function claudeHome(env: NodeJS.ProcessEnv): string {
  const configured = env.CLAUDE_CONFIG_DIR?.trim();
  if (configured) return configured;
  return join(env.HOME || homedir(), ".claude");
}
