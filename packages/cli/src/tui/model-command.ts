import type { ModelInfo } from "@pincer/kernel";
import {
  configPath,
  missingCredentials,
  type ProviderSettings,
  readSettings,
  resolveModelAlias,
} from "@pincer/runtime";
import type { Controller } from "./controller.js";

/**
 * `/model`: switch to a model named (or an alias: `/model haiku`), or pick one of the models the configured providers
 * catalogue. A provider whose key is not set is refused with the variable it needs (the
 * environment cannot change under a running terminal); recorded (replay) models are listed only
 * when one is in use, and reached by naming them.
 */
export async function modelCommand(controller: Controller, args: string): Promise<void> {
  const prepared = controller.prepared;
  if (!prepared) throw new Error("the session is still starting.");
  const providers = providerSettings(controller);
  // An alias (`/model opus`) is checked and switched to as the model it stands for.
  const wanted = resolveModelAlias(args.trim());
  if (wanted) {
    refuseWithoutKey(controller, wanted, providers);
    await prepared.switchModel(wanted);
    return;
  }
  const current = prepared.kernel.model;
  const models = await pickableModels(controller, providers);
  const ids = [current, ...models.map((info) => info.id).filter((id) => id !== current)];
  controller.picker = {
    title: `Model (now ${current}). Type /model provider/model for any other.`,
    options: ids.map((id) => {
      const info = models.find((model) => model.id === id);
      const hints = [id === current ? "current" : "", info ? `${Math.round(info.contextWindow / 1000)}k context` : ""];
      return { label: id, value: id, hint: hints.filter(Boolean).join(" · ") };
    }),
    index: 0,
    pick: async (value) => {
      controller.picker = undefined;
      await prepared.switchModel(value);
    },
  };
}

function providerSettings(controller: Controller): ProviderSettings {
  const { home, providerConfig } = controller.options;
  return { ...readSettings(configPath(home)).providers, ...providerConfig };
}

function providerOf(modelRef: string): string {
  const slash = modelRef.indexOf("/");
  return slash > 0 ? modelRef.slice(0, slash) : modelRef;
}

function refuseWithoutKey(controller: Controller, modelRef: string, providers: ProviderSettings): void {
  const provider = providerOf(modelRef);
  const missing = missingCredentials(provider, controller.options.env, providers);
  if (!missing) return;
  throw new Error(
    `${modelRef} needs ${missing.join(" or ")}, which is not set. Set it and start pincer again (with --continue to keep this conversation); this session stays on ${controller.prepared?.kernel.model}.`,
  );
}

/** The catalogued models of every provider that has what it needs (its key), replay left out. */
async function pickableModels(controller: Controller, providers: ProviderSettings): Promise<ModelInfo[]> {
  const prepared = controller.prepared!;
  const loaded = prepared.loadedModels();
  const out: ModelInfo[] = [];
  for (const provider of prepared.registry.providerIds()) {
    if (provider === "replay" || missingCredentials(provider, controller.options.env, providers)) continue;
    const known = loaded.filter((info) => providerOf(info.id) === provider);
    if (known.length > 0) {
      out.push(...known);
      continue;
    }
    try {
      // Reading a provider's catalogue starts its plugin (once; /model then reuses it).
      out.push(...(await prepared.registry.loadProvider(provider)).models);
    } catch (error) {
      controller.transcript.notice(
        "warning",
        `The models of ${provider} could not be listed: ${(error as Error).message}`,
      );
    }
  }
  return out;
}
