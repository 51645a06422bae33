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

/**
 * Every hook a session runs, through one mechanism: the kernel's dispatcher (kernel
 * hook-dispatch.ts), each source named, each failure contained and reported once. Two kinds of
 * source feed it: plugins that declare hooks (run in their sandboxes, under the hook limits; see
 * @pincer/host hooks/) and Claude Code plugins' hooks.json commands (run in the OS sandbox; see
 * @pincer/claude-code hooks.ts), one adapter onto the same dispatcher. A plugin that declares no
 * hooks is never started for them. Returns what stops the observers when the session ends.
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
}): () => void {
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
  let claudeClose = () => {};
  if (bound.length) {
    // The conversation as Claude Code's transcript, for hooks that read transcript_path; kept current.
    let transcript: ClaudeTranscript | undefined;
    const transcriptFor = () => {
      if (transcript) return transcript;
      try {
        transcript = new ClaudeTranscript(
          {
            dir: join(options.home, "claude-transcripts"),
            sessionId: kernel.session.id,
            cwd: options.cwd,
            version: pincerVersion(),
          },
          kernel.session.buildContext().messages,
        );
      } catch (error) {
        warn(`The transcript for Claude Code hooks could not be written: ${(error as Error).message}`);
      }
      return transcript;
    };
    const stopAppending = kernel.on("message_appended", (event) => {
      try {
        // A transcript made now holds this message already (it is written from the session).
        if (transcript) transcript.append(event.message);
        else transcriptFor();
      } catch {
        // Reported once when it could not be created; a failed append leaves the file behind.
      }
    });
    const claude = claudeHookSets(bound, {
      cwd: options.cwd,
      env: options.env,
      osSandbox: options.osSandbox,
      sessionId: () => kernel.session.id,
      transcriptPath: () => transcriptFor()?.path,
      permissionMode: () => kernel.permissionMode,
      model: () => kernel.model,
      startSource: () => options.startSource,
      ...(options.agentType ? { agentType: options.agentType } : {}),
      warn,
    });
    for (const { hooks, source } of claude.sets) kernel.addHooks(hooks, source);
    claudeClose = () => {
      stopAppending();
      claude.close();
    };
  }
  return () => {
    claudeClose();
    plugins.close();
  };
}
