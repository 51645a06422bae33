import { loadClaudePlugins } from "@pincer/claude-code";
import { createRegistry } from "../plugins.js";
import type { SessionOptions } from "../setup.js";
import { gatherAgentContext } from "./context.js";
import { resolveSessionAgent } from "./session-agent.js";

/**
 * `pincer --agent <name>` in a terminal: the name is checked before the screen is drawn, so an
 * unknown agent exits 2 with the list, as `-p` does. It reads manifests and agent files only;
 * no plugin starts.
 */
export function checkAgentExists(options: Pick<SessionOptions, "cwd" | "home" | "env"> & { agent: string }): void {
  const warnings: string[] = [];
  const registry = createRegistry({ home: options.home, cwd: options.cwd, env: options.env }, () => {});
  try {
    const { agents } = gatherAgentContext({
      cwd: options.cwd,
      home: options.home,
      env: options.env,
      warnings,
      claudePlugins: loadClaudePlugins(options.home, warnings),
      pluginAgents: registry.agentFiles(),
    });
    resolveSessionAgent({ name: options.agent, agents, settingsMode: "default", flagMode: undefined, warnings });
  } finally {
    registry.dispose();
  }
}
