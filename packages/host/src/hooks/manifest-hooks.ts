import {
  DECISION_HOOKS,
  type DecisionHookName,
  type ManifestHook,
  OBSERVED_EVENTS,
  type ObservedEventType,
  type PluginManifest,
} from "@pincer/sdk";

/** What a plugin's manifest says about its hooks, checked and put in one shape. */
export interface DeclaredHooks {
  /** Decision hooks, each with the tools it is called for (undefined: all) and whether it is a guard. */
  decisions: Map<DecisionHookName, { tools?: ReadonlySet<string>; guard: boolean }>;
  /** The events its `observe` hook is told of. */
  observed: ReadonlySet<ObservedEventType>;
}

const TOOL_HOOKS: ReadonlySet<string> = new Set(["beforeToolCall", "afterToolCall"]);

/**
 * `contributes.hooks` read into DeclaredHooks, or undefined when the plugin has none. The schema
 * has checked each entry; what it cannot say is checked here: a name listed twice, `tools` on a
 * hook that is not about tools, `guard` on anything but beforeToolCall. Throws naming the problem.
 */
export function declaredHooks(manifest: PluginManifest): DeclaredHooks | undefined {
  const entries = manifest.contributes.hooks ?? [];
  if (entries.length === 0) return undefined;
  const decisions: DeclaredHooks["decisions"] = new Map();
  const observed = new Set<ObservedEventType>();
  for (const entry of entries as ManifestHook[]) {
    const { event, tools, guard } = typeof entry === "string" ? { event: entry } : entry;
    const where = `contributes.hooks of ${manifest.name}`;
    if (decisions.has(event as DecisionHookName) || observed.has(event as ObservedEventType)) {
      throw new Error(`${where} lists ${event} twice.`);
    }
    if (tools && !TOOL_HOOKS.has(event))
      throw new Error(`${where}: "tools" applies to beforeToolCall and afterToolCall, not ${event}.`);
    if (guard !== undefined && event !== "beforeToolCall") {
      throw new Error(`${where}: "guard" applies to beforeToolCall only, not ${event}.`);
    }
    if ((DECISION_HOOKS as readonly string[]).includes(event)) {
      decisions.set(event as DecisionHookName, { ...(tools ? { tools: new Set(tools) } : {}), guard: guard === true });
    } else if ((OBSERVED_EVENTS as readonly string[]).includes(event)) observed.add(event as ObservedEventType);
    else throw new Error(`${where} lists an unknown hook ${JSON.stringify(String(event).slice(0, 40))}.`);
  }
  return { decisions, observed };
}
