import { join } from "node:path";
import { keepFrontMatterIn, listMarkdownCommands, loadClaudePlugins, pincerRule, splitArgs } from "@pincer/claude-code";
import {
  checkOsSandbox,
  describeSurvivors,
  type LoadedTheme,
  type PluginRegistry,
  processRecordsFor,
  pruneCacheWhenDue,
  type SessionDriverHost,
  type SharedSandboxes,
  sanitizeCommandText,
  ToolNotOfferedError,
} from "@pincer/host";
import {
  createKernel,
  createRedactor,
  type FrontEndAdvice,
  type Kernel,
  type ModelInfo,
  PERMISSION_MODES,
  PermissionEngine,
  type PermissionMode,
  type PermissionResolver,
  type PermissionRule,
  type Provider,
  parseModelRef,
  rulesFromConfig,
  type Session,
  SessionBusyError,
  SessionStore,
  secretsFromEnv,
  type ThinkingLevel,
} from "@pincer/kernel";
import type { McpPromptInfo, McpServerConfig } from "@pincer/mcp";
import { gatherAgentContext } from "./agents/context.js";
import { nestedMemoryHooks } from "./agents/nested-memory.js"; // CLAUDE.md files below cwd, on demand
import { agentTools as agentToolList, resolveSessionAgent } from "./agents/session-agent.js"; // --agent
import { type SlashCommands, slashCommands } from "./commands/slash-commands.js"; // markdown commands, skills as /name
import {
  configPath,
  osSandboxSettings,
  type PermissionSettings,
  readSettings,
  runDir,
  sessionsDir,
  UsageError,
} from "./home.js";
import { runningLocalHub, tokenForLocalEndpoint } from "./local-hub.js";
import { type McpElicitHandler, mcpClientHost } from "./mcp-client-host.js"; // roots, sampling, elicitation
import { resolveModelAlias } from "./model-aliases.js";
import { chooseModel } from "./model-choice.js";
import { createRegistry } from "./plugins.js";
import { sessionDriverHost } from "./session-driver.js"; // plugin commands drive sessions
import { attachSessionHooks, type SubagentHooks } from "./session-hooks.js"; // plugins' and Claude Code plugins' hooks
import { sessionMcp } from "./session-mcp.js"; // MCP servers as tools
import { type ClaudeCodeSettings, readClaudeCodeSettings } from "./settings/claude-code-settings.js";
import { MODE_ORDER } from "./settings/narrow.js";
import { readProjectSettings } from "./settings/project-settings.js";
import { buildSystemPrompt } from "./system-prompt.js";

export interface SessionOptions {
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  model?: string;
  /** `--thinking`: over the level the session recorded, which is over settings' `thinking`. */
  thinking?: ThinkingLevel;
  permissionMode?: string;
  allowedTools?: string[];
  disallowedTools?: string[];
  maxTurns?: number;
  /** `--budget`: costed calls that would ask are approved while the run's spending stays within it. */
  budgetUsd?: number;
  continue?: boolean;
  resume?: string;
  /** With continue/resume: go on in a new session copied from that one (its file stays as it is). */
  fork?: boolean;
  /** Who writes the session, in a person's words, for the lock another writer is shown (`pincer -p`). */
  writer?: string;
  addDirs?: string[];
  appendSystemPrompt?: string;
  /** `--dangerously-run-unconfined`: spawned commands run without an OS sandbox and without asking (sandbox.os "off"). */
  unconfined?: boolean;
  /**
   * The front end's words for what the user can do about a refused call (the CLI names its flags,
   * serve its request fields); told to the model with the refusal. Default: the kernel's, which
   * name no front end's controls.
   */
  advice?: FrontEndAdvice;
  /** Record the provider's stream to this cassette file. */
  record?: string;
  resolver?: PermissionResolver;
  /** Extra provider settings, merged over config (e.g. replay pacing for the demo). */
  providerConfig?: Record<string, Record<string, unknown>>;
  /**
   * Run the session as this agent (`--agent`, `pincer intern`): its prompt, tools, permission mode
   * and maxTurns (see agents/session-agent.ts). Unknown: a UsageError listing the agents.
   */
  agent?: string;
  /**
   * Why a new session starts, for Claude Code's SessionStart hooks: "clear" when it replaces one
   * (/clear); default "startup" (a resumed or forked session says so itself).
   */
  startSource?: "startup" | "clear";
  /** Shows an MCP server's form (elicitation) to the user; without one, every form is declined. */
  mcpElicit?: McpElicitHandler;
  /** Only these tools (a driven session's inline agent); others are left out like --disallowedTools. */
  onlyTools?: string[];
  /** MCP servers this session's client gives it (an editor's, over ACP): see sessionMcp. */
  mcpServers?: Record<string, McpServerConfig>;
  /**
   * Provider isolates shared with the other sessions of this process (`pincer serve`); see
   * RegistryContext.sharedSandboxes.
   */
  sharedSandboxes?: SharedSandboxes;
}

export interface PreparedSession {
  kernel: Kernel;
  session: Session;
  mode: PermissionMode;
  /** The permission mode the session's agent (`agent`) asks for itself, if it names one. */
  agentMode?: PermissionMode;
  warnings: string[];
  /** Stops the plugin isolates; call when the session is done. */
  dispose(): void;
  /** The plugins this session knows (built-in and installed), for `/plugins`. */
  registry: PluginRegistry;
  /**
   * Moves the conversation to another model. A provider not loaded yet starts now; the kernel
   * converts the history for it at the next request.
   */
  switchModel(modelRef: string): Promise<void>;
  /** Models of the providers loaded so far (the session's own first). */
  loadedModels(): ModelInfo[];
  /** The MCP servers' prompts, as `/mcp__<server>__<prompt>` commands (starts the servers). */
  mcpPrompts(): Promise<McpPromptInfo[]>;
  /** `/mcp__<server>__<prompt> args` → the prompt's text, or undefined when no server has it. */
  expandMcpPrompt(text: string): Promise<string | undefined>;
  /** The theme named in settings, read from the plugin that contributes it (none: the terminal's colours). */
  theme(): Promise<LoadedTheme | undefined>;
  /**
   * Markdown commands and skills as `/name args` (Claude Code's custom commands): list them,
   * expand typed text into a command's turn (or an unknown-command error), run that turn.
   */
  slash: SlashCommands;
  /**
   * Sessions a plugin's command may drive (its ctx.sessions; pass it as `sessions` to
   * registry.runCommand): made like this one, never in a wider permission mode than this one's now.
   */
  driver: SessionDriverHost;
}

/** Everything between parsed flags and a ready kernel: settings, plugins, rules, session. */
export async function prepareSession(options: SessionOptions): Promise<PreparedSession> {
  const undo: Array<() => unknown> = [];
  try {
    return await prepareOpenSession(options, undo);
  } catch (error) {
    // A start that fails lets go of what it opened — the session and its lock, the plugins'
    // isolates: a server lives on after a 400, and a client may send one again and again.
    for (const release of undo.reverse()) await release();
    throw error;
  }
}

/** `undo`: what to release if the start fails after it was made (latest first). */
async function prepareOpenSession(options: SessionOptions, undo: Array<() => unknown>): Promise<PreparedSession> {
  const warnings: string[] = [];
  // Agent, skill and command files are parsed once per change, not once per start.
  keepFrontMatterIn(join(options.home, "cache", "front-matter"));
  // Once a day, entries no start has used for a month go (host/cache/cache-prune.ts): one stat
  // here, the pruning on libuv's threads while the session starts. It never rejects.
  void pruneCacheWhenDue(join(options.home, "cache"));
  const user = readSettings(configPath(options.home));
  // What the project's .pincer/settings(.local).json may set over the user's: only narrowing (settings/narrow.ts).
  const { settings: project, localAllow } = readProjectSettings(options.cwd, options.home, user, warnings);
  // Claude Code's settings files (settings/claude-code-settings.ts): the user's as theirs, a project's narrowed.
  const claudeSettings = readClaudeCodeSettings({
    cwd: options.cwd,
    home: options.home,
    env: options.env,
    user,
    warnings,
  });
  // Said once, at start: whether spawned commands run confined, and if not, why.
  const osSandbox = {
    ...osSandboxSettings(user.sandbox, project.sandbox, warnings),
    ...(options.unconfined ? { os: "off" as const } : {}),
    stateDir: runDir(options.home),
    // Masked for commands and refused to plugins' fs: this home, whatever PINCER_HOME the environment says.
    pincerHome: options.home,
  };
  try {
    const { warning } = checkOsSandbox(osSandbox);
    if (warning) warnings.push(warning);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const model = options.model ?? project.model ?? user.model ?? options.env.PINCER_MODEL;
  // Commands an earlier Pincer could not stop (it was killed): named, with the way to stop them.
  const processRecords = processRecordsFor(osSandbox.stateDir);
  warnings.push(...describeSurvivors(processRecords?.survivors() ?? []));
  // No silent default model: with none named and no provider configured (or its key missing), the
  // user is told how to set one up before any session is written (model-choice.ts).
  const providers = { ...user.providers, ...options.providerConfig };
  if (!options.resume && !options.continue) chooseModel({ named: model, env: options.env, providers });
  // With no Hugging Face credentials, the Hugging Face tools use a running local Hub (`pincer hub
  // serve`) with its token, and the session says so (the token is redacted like any other secret).
  // HF_ENDPOINT naming that Hub without an HF_TOKEN gets its token too.
  const localHub = !options.env.HF_TOKEN && !options.env.HF_ENDPOINT ? runningLocalHub(options.home) : undefined;
  if (localHub)
    warnings.push(`No HF_TOKEN: the Hugging Face tools use the local Hub at ${localHub.url} (pincer hub serve).`);
  const endpointToken =
    !options.env.HF_TOKEN && options.env.HF_ENDPOINT
      ? tokenForLocalEndpoint(options.env.HF_ENDPOINT, options.home)
      : undefined;
  const hubToken = localHub?.token ?? endpointToken;
  const pluginEnv = {
    ...options.env,
    ...(localHub ? { HF_ENDPOINT: localHub.url } : {}),
    ...(hubToken ? { HF_TOKEN: hubToken } : {}),
  };
  // Secrets never reach the model, the UI or the session: the environment's keys and tokens and
  // the tokens Pincer holds itself are redacted from tool output and from what is written.
  const redact = createRedactor({ secrets: [...secretsFromEnv(options.env), ...(hubToken ? [hubToken] : [])] });
  const store = new SessionStore(sessionsDir(options.home), { redact });
  const session = openSession(store, options);
  undo.push(() => session.close());
  // Before the kernel records its model: whether this session had a conversation already.
  const hadEntries = session.size > 0;
  const recorded = session.buildContext();
  const modelRef = chooseModel({ named: model ?? recorded.model, env: options.env, providers });
  // A resumed session keeps the level it was left at (/thinking); settings start new sessions.
  const thinking = options.thinking ?? recorded.thinking ?? project.thinking ?? user.thinking;
  let providerId: string;
  try {
    providerId = parseModelRef(modelRef).provider;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const registry = createRegistry(
    {
      home: options.home,
      cwd: options.cwd,
      cacheDir: join(options.home, "cache"),
      addDirs: options.addDirs ?? [],
      env: pluginEnv,
      providerConfig: { ...user.providers, ...options.providerConfig },
      ...(user.sandbox ? { sandboxLimits: user.sandbox } : {}),
      osSandbox,
      ...(options.agent ? { agent: options.agent } : {}),
      ...(options.sharedSandboxes ? { sharedSandboxes: options.sharedSandboxes } : {}),
    },
    // A plugin wrote part of these messages: shown as text, never as escape sequences.
    (pluginName, error) =>
      warnings.push(
        sanitizeCommandText(
          error instanceof ToolNotOfferedError
            ? error.message
            : `Plugin ${pluginName} was not loaded: ${error.message}`,
          4096,
        ),
      ),
  );
  undo.push(() => registry.dispose());
  if (!registry.hasProvider(providerId)) {
    throw new UsageError(
      `Unknown provider "${providerId}" in model ${modelRef}. Available providers: ${registry.providerIds().join(", ")}. Use --model provider/model, e.g. openai/gpt-5.`,
    );
  }

  const rules = [
    ...collectRules(user.permissions, project.permissions, localAllow, options),
    ...claudeCodeRules(claudeSettings),
  ];
  const flagMode = options.permissionMode === undefined ? undefined : pickMode(options.permissionMode);
  const projectModes = [project.permissions?.defaultMode, claudeSettings.project.defaultMode].filter(
    (value): value is string => value !== undefined,
  );
  const projectMode = projectModes.sort(
    (a, b) => MODE_ORDER.indexOf(a as PermissionMode) - MODE_ORDER.indexOf(b as PermissionMode),
  )[0];
  let mode = flagMode ?? pickMode(projectMode ?? user.permissions?.defaultMode ?? claudeSettings.user.defaultMode);
  const bareDenied = new Set((options.disallowedTools ?? []).filter((text) => !text.includes("(")));
  const only = options.onlyTools ? new Set(options.onlyTools) : undefined;
  const disallowed = { has: (name: string) => bareDenied.has(name) || (only !== undefined && !only.has(name)) };
  // The provider's isolate starts first: its context is made on the isolate's own thread while this
  // one gathers the tools (they are mostly remembered) and does the synchronous work below, up to
  // the kernel, which needs both. (Awaited right away, this thread sat idle for the isolate's start.)
  const gathering = Promise.all([
    registry.loadProvider(providerId),
    registry.loadTools((name) => !disallowed.has(name)),
  ]);
  // A start that fails below fails with its own error; this one is still awaited when it does not,
  // and before the registry is disposed: an isolate that finished starting after it would live on.
  gathering.catch(() => {});
  undo.push(() => gathering.catch(() => {}));

  // Project memory (AGENTS.md/CLAUDE.md), Agent Skills and subagents: see agents/context.ts.
  // Installed Claude Code plugins (PINCER_HOME/claude-plugins): their skills, agents, MCP servers
  // and hooks join the session below; each was accepted at install and is integrity-checked here.
  const claudePlugins = loadClaudePlugins(options.home, warnings);
  // What the read tool may read decides what memory files may import (a deny rule such as read(.env) holds).
  const readRules = new PermissionEngine({ rules });
  const readAllowed = (path: string) =>
    readRules.evaluate({
      toolName: "read",
      kind: "read",
      args: { path },
      cwd: options.cwd,
      subject: { kind: "path", value: path },
    }).action !== "deny";
  const agentContext = gatherAgentContext({
    cwd: options.cwd,
    home: options.home,
    env: options.env,
    warnings,
    claudePlugins,
    pluginAgents: registry.agentFiles(),
    readAllowed,
  });
  // --agent: the named agent's prompt, tools, mode and turn budget shape the whole session.
  const sessionAgent = options.agent
    ? resolveSessionAgent({ name: options.agent, agents: agentContext.agents, settingsMode: mode, flagMode, warnings })
    : undefined;
  if (sessionAgent) mode = sessionAgent.mode;
  const keepTool = (name: string) => !disallowed.has(name) && (sessionAgent?.keeps(name) ?? true);
  // The session's Claude Code hooks for subagents, once attached (below).
  let subagentHooks: SubagentHooks | undefined;
  const agentTools = agentContext.tools({
    keep: keepTool,
    parent: () => kernel,
    subagentHooks: () => subagentHooks,
    loadProvider: (id) => registry.loadProvider(id),
    ...(options.resolver ? { resolver: options.resolver } : {}),
    maxTurns: options.maxTurns ?? project.maxTurns ?? user.maxTurns ?? 100,
    redact,
    ...(options.advice ? { advice: options.advice } : {}),
  });

  const systemPrompt = buildSystemPrompt({
    cwd: options.cwd,
    sections: [...(sessionAgent ? [sessionAgent.systemPromptSection] : []), ...agentContext.systemPromptSections],
    ...(options.appendSystemPrompt ? { append: options.appendSystemPrompt } : {}),
  });
  const [loaded, tools] = await gathering;
  let provider: Provider = loaded.provider;
  if (options.record) {
    const { recordProvider } = await import("@pincer/provider-replay/record");
    provider = recordProvider(provider, options.record);
  }
  // MCP servers (below) start with the first prompt; what they say about their tools joins then.
  let mcp: ReturnType<typeof sessionMcp>;
  const kernel = createKernel({
    model: modelRef,
    ...(thinking ? { thinking } : {}),
    cwd: options.cwd,
    systemPrompt: () => {
      const instructions = mcp?.instructions();
      return instructions ? `${systemPrompt}\n\n${instructions}` : systemPrompt;
    },
    tools: sessionAgent ? agentToolList([...tools, ...agentTools], sessionAgent, warnings) : [...tools, ...agentTools],
    providers: [provider],
    models: loaded.models,
    session,
    permissions: {
      mode,
      rules,
      ...(options.resolver ? { resolver: options.resolver } : {}),
      ...(options.budgetUsd !== undefined ? { budget: { capUsd: options.budgetUsd } } : {}),
    },
    maxTurns: options.maxTurns ?? sessionAgent?.agent.maxTurns ?? project.maxTurns ?? user.maxTurns ?? 100,
    // The only clock on a model call is silence: a long, healthy stream goes on.
    retry: {
      ...(user.streamIdleTimeoutMs ? { idleTimeoutMs: user.streamIdleTimeoutMs } : {}),
      idleTimeoutSetting: `"streamIdleTimeoutMs" in ${configPath(options.home)}`,
    },
    redact,
    ...(options.advice ? { advice: options.advice } : {}),
  });
  // MCP servers as tools (@pincer/mcp, commands/mcp.ts): the user's plus approved project .mcp.json
  // servers. They start at the first prompt, their tools register as mcp__<server>__<tool>, and
  // dispose() stops them.
  const loadedProviders = new Map([[providerId, loaded.models]]);
  const providersById = new Map([[providerId, provider]]);
  mcp = sessionMcp({
    cwd: options.cwd,
    home: options.home,
    env: options.env,
    user,
    project,
    warnings,
    claudePlugins,
    ...(options.mcpServers ? { sessionServers: options.mcpServers } : {}),
    ...(processRecords ? { records: processRecords } : {}),
    host: mcpClientHost({
      cwd: options.cwd,
      addDirs: options.addDirs ?? [],
      kernel: () => kernel,
      provider: (id) => providersById.get(id),
      ...(options.resolver ? { resolver: options.resolver } : {}),
      ...(options.mcpElicit ? { elicit: options.mcpElicit } : {}),
    }),
  });
  if (mcp) {
    kernel.addHooks(
      mcp.hooks(
        (tool) => (keepTool(tool.name) ? kernel.registerTool(tool) : undefined),
        (message) => kernel.bus.emit({ type: "warning", message }),
      ),
    );
  }
  // Claude Code's nested memory: a CLAUDE.md below cwd joins when the session first works there.
  kernel.addHooks(
    nestedMemoryHooks({
      cwd: options.cwd,
      pincerHome: options.home,
      env: options.env,
      readAllowed,
      loaded: agentContext.memory,
      warn: (message) => kernel.bus.emit({ type: "warning", message }),
    }),
    { name: "memory files below the working directory" },
  );
  // Hooks (session-hooks.ts): plugins that declare them, and Claude Code plugins' hooks.json commands.
  const sessionHooks = attachSessionHooks({
    kernel,
    registry,
    claudePlugins,
    claudeSettings,
    cwd: options.cwd,
    home: options.home,
    env: options.env,
    osSandbox,
    // A fork continues a conversation, as Claude Code's --fork-session does: its hooks hear "resume".
    startSource: options.fork || hadEntries ? "resume" : (options.startSource ?? "startup"),
    ...(options.agent ? { agentType: options.agent } : {}),
  });
  subagentHooks = sessionHooks.subagent;
  const themeId = project.theme ?? user.theme;
  const theme = async () => {
    if (!themeId) return undefined;
    try {
      return await registry.loadTheme(themeId);
    } catch (error) {
      warnings.push(
        `Theme not applied: ${(error as Error).message} Install the plugin that provides it, or change "theme" in your settings.`,
      );
      return undefined;
    }
  };
  const switchModel = async (named: string) => {
    const ref = resolveModelAlias(named);
    let id: string;
    try {
      id = parseModelRef(ref).provider;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (!loadedProviders.has(id)) {
      if (!registry.hasProvider(id)) {
        throw new UsageError(`Unknown provider "${id}". Available providers: ${registry.providerIds().join(", ")}.`);
      }
      const next = await registry.loadProvider(id);
      kernel.registerProvider(next.provider);
      providersById.set(id, next.provider);
      for (const info of next.models) kernel.registerModel(info);
      loadedProviders.set(id, next.models);
    }
    kernel.setModel(ref);
  };
  // Markdown commands and skills the user runs as /name (commands/slash-commands.ts).
  const slash = slashCommands({
    kernel: () => kernel,
    commands: listMarkdownCommands({
      cwd: options.cwd,
      home: options.home,
      env: options.env,
      warnings,
      plugins: claudePlugins,
      skills: agentContext.skills,
    }),
    cwd: options.cwd,
    addDirs: options.addDirs ?? [],
    home: options.home,
    user,
    sessionId: () => session.id,
    switchModel,
  });
  return {
    kernel,
    session,
    mode,
    ...(sessionAgent?.agent.permissionMode ? { agentMode: sessionAgent.agent.permissionMode } : {}),
    warnings,
    dispose: () => {
      sessionHooks.close();
      session.close(); // releases the writer lock
      registry.dispose();
      void mcp?.close(); // MCP: stops the servers' processes and connections
    },
    theme,
    slash,
    registry,
    driver: sessionDriverHost(options, () => kernel.permissions.mode, prepareSession),
    switchModel,
    loadedModels: () => [...loadedProviders.values()].flat(),
    mcpPrompts: async () => (mcp ? mcp.prompts() : []),
    expandMcpPrompt: async (text) => {
      const match = /^\/(mcp__\S+)\s*([\s\S]*)$/.exec(text.trim());
      if (!mcp || !match) return undefined;
      if (!(await mcp.prompts()).some((prompt) => prompt.command === match[1])) return undefined;
      return mcp.getPrompt(match[1]!, splitArgs(match[2] ?? ""));
    },
  };
}

/**
 * The session this run writes, with its writer lock (one writer per session; see the kernel's
 * session/lock.ts). A new session, or a fork, is written only with its first message, so a start
 * that fails (an unknown provider, a refused request) leaves nothing behind for --continue to find.
 * A session open in another process throws the kernel's SessionBusyError; front ends word it.
 */
function openSession(store: SessionStore, options: SessionOptions): Session {
  const lock = options.writer ?? "a program using @pincer/runtime";
  let target: string | undefined;
  try {
    if (options.resume) target = store.resolveId(options.resume);
    else if (options.continue) {
      const latest = store.latest(options.cwd);
      if (!latest) {
        throw new UsageError(`No earlier session in ${options.cwd} to continue. Run without --continue to start one.`);
      }
      target = latest.id;
    }
    if (target === undefined) return store.create({ cwd: options.cwd, lock, deferWrite: true });
    if (!options.fork) return store.open(target, { lock });
    const leaf = store.read(target).leafId;
    if (!leaf) throw new UsageError(`Session ${target} is empty; there is nothing to fork.`);
    return store.fork(target, leaf, { lock, deferWrite: true });
  } catch (error) {
    if (error instanceof UsageError || error instanceof SessionBusyError) throw error;
    throw new UsageError((error as Error).message);
  }
}

/** Claude Code's settings' rules, already in Pincer's syntax: the user's whole, a project's ask and deny. */
function claudeCodeRules(settings: ClaudeCodeSettings): PermissionRule[] {
  try {
    return [
      ...rulesFromConfig(
        { allow: settings.user.allow ?? [], ask: settings.user.ask ?? [], deny: settings.user.deny ?? [] },
        "user",
      ),
      ...rulesFromConfig({ ask: settings.project.ask ?? [], deny: settings.project.deny ?? [] }, "project"),
    ];
  } catch (error) {
    throw new UsageError(`Bad permission rule in Claude Code's settings: ${(error as Error).message}`);
  }
}

function collectRules(
  user: PermissionSettings | undefined,
  project: PermissionSettings | undefined,
  localAllow: string[],
  options: SessionOptions,
): PermissionRule[] {
  // A project's allow rules were dropped by narrowing; only a local file the user's Pincer wrote adds some.
  try {
    // Rules copied from Claude Code name its tools (`WebFetch(domain:…)`): they apply to Pincer's.
    return [
      ...rulesFromConfig({ allow: user?.allow ?? [], ask: user?.ask ?? [], deny: user?.deny ?? [] }, "user"),
      ...rulesFromConfig({ ask: project?.ask ?? [], deny: project?.deny ?? [] }, "project"),
      ...rulesFromConfig({ allow: localAllow }, "local"),
      ...rulesFromConfig({ allow: splitList(options.allowedTools), deny: splitList(options.disallowedTools) }, "flag"),
    ].map(pincerRule);
  } catch (error) {
    throw new UsageError(`Bad permission rule: ${(error as Error).message}`);
  }
}

/** `--allowedTools "read,bash(npm test:*)"` and repeated flags both work; commas inside parentheses stay. */
export function splitList(values: string[] | undefined): string[] {
  const out: string[] = [];
  for (const value of values ?? []) {
    let depth = 0;
    let current = "";
    for (const char of value) {
      if (char === "(") depth++;
      if (char === ")") depth = Math.max(0, depth - 1);
      if ((char === "," || char === " ") && depth === 0) {
        if (current.trim()) out.push(current.trim());
        current = "";
      } else current += char;
    }
    if (current.trim()) out.push(current.trim());
  }
  return out;
}

function pickMode(value: string | undefined): PermissionMode {
  if (value === undefined) return "default";
  if ((PERMISSION_MODES as readonly string[]).includes(value)) return value as PermissionMode;
  throw new UsageError(`Unknown permission mode "${value}". Use one of: ${PERMISSION_MODES.join(", ")}.`);
}
