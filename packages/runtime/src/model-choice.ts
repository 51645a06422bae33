import { configPath, readSettings, UsageError } from "./home.js";
import { resolveModelAlias } from "./model-aliases.js";
import { readProjectSettings } from "./settings/project-settings.js";

/**
 * Which model a session talks to when none is named, and whether the one named can be reached.
 * There is no silent default: a recorded (replay) model runs only when asked for by name, and a
 * machine with no provider configured gets a guided start instead of a session (exit 2, nothing
 * written, no Hub started). Cheap on purpose: the terminal's fast path calls this before drawing.
 */

/** A built-in provider: the variables that make it usable, and the model a new session starts with. */
interface BuiltInProvider {
  id: string;
  /** Any one of these set is enough. */
  keys: string[];
  /** Shown in the guidance, after the key. */
  hint: string;
  defaultModel: string;
}

export const BUILT_IN_PROVIDERS: readonly BuiltInProvider[] = [
  {
    id: "openai",
    keys: ["OPENAI_API_KEY"],
    hint: "with OPENAI_BASE_URL for any OpenAI-compatible server",
    defaultModel: "openai/gpt-5",
  },
  {
    id: "anthropic",
    keys: ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"],
    hint: "ANTHROPIC_BASE_URL for a gateway",
    defaultModel: "anthropic/claude-sonnet-5-5",
  },
  {
    id: "hf",
    keys: ["HF_TOKEN"],
    hint: "Hugging Face Inference Providers; HF_ROUTER_BASE_URL for another router",
    defaultModel: "hf/openai/gpt-oss-120b",
  },
  {
    id: "openrouter",
    keys: ["OPENROUTER_API_KEY"],
    hint: "OpenRouter; OPENROUTER_BASE_URL for another endpoint",
    defaultModel: "openrouter/openai/gpt-5",
  },
];

/** `providers` from the settings: a built-in's options (apiKey, baseURL…) or a declared endpoint. */
export type ProviderSettings = Record<string, Record<string, unknown>> | undefined;

/**
 * The variables a provider still needs before it can answer, or undefined when it has what it
 * needs (or Pincer cannot tell: an installed plugin's provider, the replay provider).
 */
export function missingCredentials(
  providerId: string,
  env: NodeJS.ProcessEnv,
  providers: ProviderSettings,
): string[] | undefined {
  const settings = providers?.[providerId];
  if (typeof settings?.apiKey === "string" && settings.apiKey) return undefined;
  const builtIn = BUILT_IN_PROVIDERS.find((provider) => provider.id === providerId);
  if (builtIn) return builtIn.keys.some((key) => env[key]) ? undefined : builtIn.keys;
  // A declared OpenAI-compatible endpoint needs its key only when it names one (Ollama takes none).
  const keyVariable = settings?.type === "openai-compatible" ? settings.apiKeyEnv : undefined;
  if (typeof keyVariable === "string" && keyVariable && !env[keyVariable]) return [keyVariable];
  return undefined;
}

/**
 * The model for a session that names none: the first endpoint declared in the settings (its first
 * model), else the first built-in provider whose key is set. Undefined: nothing is configured.
 */
export function configuredDefaultModel(env: NodeJS.ProcessEnv, providers: ProviderSettings): string | undefined {
  for (const [id, settings] of Object.entries(providers ?? {})) {
    if (settings.type !== "openai-compatible" || !Array.isArray(settings.models)) continue;
    const first = settings.models[0] as { id?: unknown } | undefined;
    if (typeof first?.id === "string" && !missingCredentials(id, env, providers)) return `${id}/${first.id}`;
  }
  return BUILT_IN_PROVIDERS.find((provider) => !missingCredentials(provider.id, env, providers))?.defaultModel;
}

/** What `pincer`, `pincer -p` and `pincer intern` say on a machine with no provider configured. */
export function noProviderGuidance(): string {
  return [
    "No model provider is configured, so there is no model to talk to yet. Pincer talks to:",
    ...providerLines(),
    '  …or any OpenAI-compatible server (Ollama, vLLM, LM Studio) declared under "providers" in config.json.',
    "Set one and run again; pick a model with --model provider/model (pincer models lists them) or",
    "pincer config set model openai/gpt-5.",
    "",
    "To try Pincer offline first, with a recorded model and no key:",
    "  pincer demo          a recorded model writes and fixes code in a scratch folder",
    "  pincer intern demo   the ML intern: a paper → a trained, evaluated, published model on a local Hub",
    "  pnpm demo            the same, from a clone of Pincer's repository (it sets up Python first)",
  ].join("\n");
}

/** What a session says when its model's provider lacks its key. */
export function missingKeyGuidance(modelRef: string, providerId: string, variables: string[]): string {
  return [
    `${variables.join(" or ")} is not set: ${modelRef} needs ${variables.length > 1 ? "one of them" : "it"} (provider ${providerId}).`,
    `Export it and run again, or use another provider: pincer models lists them. Offline, with no key: pincer demo.`,
  ].join("\n");
}

function providerLines(): string[] {
  const width = Math.max(...BUILT_IN_PROVIDERS.map((provider) => provider.id.length));
  return BUILT_IN_PROVIDERS.map(
    (provider) =>
      `  ${provider.id.padEnd(width)}  ${provider.keys.join(" or ")} (${provider.hint}), e.g. --model ${provider.defaultModel}`,
  );
}

/**
 * The model a session uses: the one named (flag, settings, PINCER_MODEL, the resumed session's),
 * an alias (`sonnet`) resolved, else the configured default; checked for its provider's key. Throws a UsageError (exit 2) with
 * the guidance when there is none or the key is missing.
 */
export function chooseModel(options: {
  named: string | undefined;
  env: NodeJS.ProcessEnv;
  providers: ProviderSettings;
}): string {
  const modelRef =
    options.named !== undefined
      ? resolveModelAlias(options.named)
      : configuredDefaultModel(options.env, options.providers);
  if (!modelRef) throw new UsageError(noProviderGuidance());
  const slash = modelRef.indexOf("/");
  const providerId = slash > 0 ? modelRef.slice(0, slash) : modelRef;
  const missing = missingCredentials(providerId, options.env, options.providers);
  if (missing) throw new UsageError(missingKeyGuidance(modelRef, providerId, missing));
  return modelRef;
}

/**
 * The same check, before anything starts (the terminal UI draws, `pincer intern` starts a Hub):
 * a new session's model, from the flag, settings or PINCER_MODEL, else the configured default.
 * A resumed session is checked when it is opened, with the model it recorded.
 */
export function checkModelBeforeStart(options: {
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  model?: string;
  resume?: string;
  continue?: boolean;
}): string | undefined {
  if (options.resume || options.continue) return undefined;
  const user = readSettings(configPath(options.home));
  // A project's model counts only where it may apply (settings/narrow.ts: a model the user configured).
  const project = readProjectSettings(options.cwd, options.home, user, []).settings;
  return chooseModel({
    named: options.model ?? project.model ?? user.model ?? options.env.PINCER_MODEL,
    env: options.env,
    providers: user.providers,
  });
}
