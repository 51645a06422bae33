import { join } from "node:path";
import {
  type ClaudePlugin,
  ClaudeTranscript,
  claudeHookSets,
  pluginHookBindings,
  type SessionStartSource,
} from "@pincer/claude-code";
import { type OsSandboxSettings, type PluginRegistry, sandboxedHooks } from "@pincer/host";
import type { Kernel } from "@pincer/kernel";
import type { ClaudeCodeSettings } from "./settings/claude-code-settings.js";
import { pincerVersion } from "./version.js";

/** Attaches Claude Code hooks to a subagent's kernel; returns what stops them when it ends. */
export type SubagentHooks = (child: Kernel, agent: { id: string; type: string }) => () => void;

/**
 * Every hook a session runs, through one mechanism: the kernel's dispatcher (kernel
 * hook-dispatch.ts), each source named, each failure contained and reported once. Two kinds of
 * source feed it: plugins that declare hooks (run in their sandboxes, under the hook limits; see
 * @pincer/host hooks/) and Claude Code hook commands — plugins' hooks.json and settings files' —
 * (run in the OS sandbox; see @pincer/claude-code hooks/), one adapter onto the same dispatcher.
 * A plugin that declares no hooks is never started for them. Returns what stops the observers
 * when the session ends, and `subagent`, which gives a `task` subagent's kernel the Claude Code
 * hooks (their tool events, and SubagentStop where the main session runs Stop).
 */
export function attachSessionHooks(options: {
  kernel: Kernel;
  registry: PluginRegistry;
  claudePlugins: ClaudePlugin[];
  /** Claude Code's settings files: their hooks (the user's, and a project's once approved). */
  claudeSettings: ClaudeCodeSettings;
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  osSandbox: OsSandboxSettings;
  startSource: SessionStartSource;
  agentType?: string;
}): { close(): void; subagent: SubagentHooks } {
  const { kernel } = options;
  const warn = (message: string) => kernel.bus.emit({ type: "warning", message });
  const plugins = sandboxedHooks({
    plugins: options.registry.hookedPlugins(),
    cwd: options.cwd,
    sessionId: () => kernel.session.id,
    subscribe: (listener) => kernel.subscribe(listener),
    sessionUsage: () => kernel.usage,
    warn,
  });
  for (const { hooks, source } of plugins.sets) kernel.addHooks(hooks, source);
  // Claude Code hooks: plugins' hooks.json and settings files' hooks, one adapter (claude-code hooks/).
  const bound = options.claudeSettings.disableAllHooks
    ? []
    : [...pluginHookBindings(options.claudePlugins), ...options.claudeSettings.hooks];
  if (!bound.length) return { close: () => plugins.close(), subagent: () => () => {} };

  // The conversation as Claude Code's transcript, for hooks that read transcript_path; kept current.
  const follow = (target: Kernel, agentId?: string) => {
    let transcript: ClaudeTranscript | undefined;
    let failed = false;
    const current = () => {
      if (transcript || failed) return transcript;
      try {
        transcript = new ClaudeTranscript(
          {
            dir: join(options.home, "claude-transcripts"),
            sessionId: kernel.session.id,
            cwd: options.cwd,
            version: pincerVersion(),
            ...(agentId ? { agentId } : {}),
          },
          target.session.buildContext().messages,
        );
      } catch (error) {
        failed = true;
        warn(`The transcript for Claude Code hooks could not be written: ${(error as Error).message}`);
      }
      return transcript;
    };
    const stop = target.on("message_appended", (event) => {
      try {
        // A transcript made now holds this message already (it is written from the session).
        if (transcript) transcript.append(event.message);
        else current();
      } catch {
        // Reported once when it could not be created; a failed append leaves the file behind.
      }
    });
    return { path: () => current()?.path, stop };
  };

  const common = {
    cwd: options.cwd,
    env: options.env,
    osSandbox: options.osSandbox,
    sessionId: () => kernel.session.id,
    startSource: () => options.startSource,
    warn,
  };
  const main = follow(kernel);
  const claude = claudeHookSets(bound, {
    ...common,
    transcriptPath: main.path,
    permissionMode: () => kernel.permissionMode,
    model: () => kernel.model,
    ...(options.agentType ? { agentType: options.agentType } : {}),
  });
  for (const { hooks, source } of claude.sets) kernel.addHooks(hooks, source);
  return {
    close() {
      main.stop();
      claude.close();
      plugins.close();
    },
    subagent(child, agent) {
      const own = follow(child, agent.id);
      const sets = claudeHookSets(bound, {
        ...common,
        transcriptPath: main.path,
        permissionMode: () => child.permissionMode,
        model: () => child.model,
        subagent: { ...agent, transcriptPath: own.path },
      });
      for (const { hooks, source } of sets.sets) child.addHooks(hooks, source);
      return () => {
        own.stop();
        sets.close();
      };
    },
  };
}
