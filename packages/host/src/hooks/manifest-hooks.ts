import {
  DECISION_HOOKS,
  type DecisionHookName,
  type ManifestHook,
  OBSERVED_EVENTS,
  type ObservedEventType,
  type PluginManifest,
} from "@pincer/sdk";

/** One decision hook as the manifest declares it. */
export interface DeclaredDecision {
  /** The tools it is called for (undefined: all). */
  tools?: ReadonlySet<string>;
  guard: boolean;
  /** It may rewrite a call's input (beforeToolCall). */
  rewrite: boolean;
}

/** What a plugin's manifest says about its hooks, checked and put in one shape. */
export interface DeclaredHooks {
  decisions: Map<DecisionHookName, DeclaredDecision>;
  /** The events its `observe` hook is told of. */
  observed: ReadonlySet<ObservedEventType>;
}

const TOOL_HOOKS: ReadonlySet<string> = new Set(["beforeToolCall", "afterToolCall"]);

/**
 * `contributes.hooks` read into DeclaredHooks, or undefined when the plugin has none. The schema
 * has checked each entry; what it cannot say is checked here: a name listed twice, `tools` on a
 * hook that is not about tools, `guard` or `rewrite` on anything but beforeToolCall. Throws naming
 * the problem.
 */
export function declaredHooks(manifest: PluginManifest): DeclaredHooks | undefined {
  const entries = manifest.contributes.hooks ?? [];
  if (entries.length === 0) return undefined;
  const decisions: DeclaredHooks["decisions"] = new Map();
  const observed = new Set<ObservedEventType>();
  for (const entry of entries as ManifestHook[]) {
    const { event, tools, guard, rewrite } = typeof entry === "string" ? { event: entry } : entry;
    const where = `contributes.hooks of ${manifest.name}`;
    if (decisions.has(event as DecisionHookName) || observed.has(event as ObservedEventType)) {
      throw new Error(`${where} lists ${event} twice.`);
    }
    if (tools && !TOOL_HOOKS.has(event))
      throw new Error(`${where}: "tools" applies to beforeToolCall and afterToolCall, not ${event}.`);
    for (const [name, value] of [
      ["guard", guard],
      ["rewrite", rewrite],
    ] as const) {
      if (value !== undefined && event !== "beforeToolCall")
        throw new Error(`${where}: "${name}" applies to beforeToolCall only, not ${event}.`);
    }
    if ((DECISION_HOOKS as readonly string[]).includes(event)) {
      decisions.set(event as DecisionHookName, {
        ...(tools ? { tools: new Set(tools) } : {}),
        guard: guard === true,
        rewrite: rewrite === true,
      });
    } else if ((OBSERVED_EVENTS as readonly string[]).includes(event)) observed.add(event as ObservedEventType);
    else throw new Error(`${where} lists an unknown hook ${JSON.stringify(String(event).slice(0, 40))}.`);
  }
  return { decisions, observed };
}

/**
 * The hooks a manifest declares, one id each, for the lockfile and consent: an update whose ids are
 * not all among the installed version's asks again. `beforeToolCall(bash) rewrite`, `observe(turn_end)`.
 */
export function hookIds(manifest: PluginManifest): string[] {
  const declared = declaredHooks(manifest);
  if (!declared) return [];
  const ids: string[] = [];
  for (const [name, { tools, rewrite }] of declared.decisions) {
    ids.push(`${name}${tools ? `(${[...tools].sort().join(",")})` : ""}${rewrite ? " rewrite" : ""}`);
  }
  for (const event of declared.observed) ids.push(`observe(${event})`);
  return ids.sort();
}

const WORDS: Record<DecisionHookName, string> = {
  beforeToolCall: "see each call of {tools} before it runs, and refuse it or have you approve it",
  afterToolCall: "read what {tools} return, and replace it",
  promptSubmit: "read your prompts, and refuse them or add to them",
  stop: "send the model back to work when it stops",
  sessionStart: "add to the first prompt of each session",
  beforeCompaction: "keep text of its own through compactions",
  afterCompaction: "read each compaction's summary",
};

const OBSERVED_WORDS: Record<ObservedEventType, string> = {
  turn_start: "your prompts",
  turn_end: "each turn's answer",
  tool_start: "each tool call's input",
  tool_end: "what tools return",
  usage: "tokens and cost",
  text: "the model's answers",
  compaction: "compactions",
};

/** A hook id in plain words, for the consent prompt. */
export function describeHookId(id: string): string {
  const observed = /^observe\((\w+)\)$/.exec(id);
  if (observed) {
    const what = OBSERVED_WORDS[observed[1] as ObservedEventType] ?? observed[1];
    return `hook into every session: be told of ${what} as the session goes`;
  }
  const match = /^(\w+)(?:\(([^)]*)\))?( rewrite)?$/.exec(id);
  const words = match ? WORDS[match[1] as DecisionHookName] : undefined;
  if (!match || !words) return `hook into every session (${id})`;
  const tools = match[2] ? match[2].split(",").join(", ") : "any tool";
  const rewrite = match[3] ? "; rewrite its input: what runs is then what the plugin says" : "";
  return `hook into every session: ${words.replace("{tools}", tools)}${rewrite}`;
}
