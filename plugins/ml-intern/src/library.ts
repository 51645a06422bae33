/**
 * The library a model was made with, from what was actually used: the files the training saved
 * (a transformers `config.json`, a PEFT adapter, scikit-learn's joblib/skops, a Keras file,
 * PyTorch weights), then the imports of the training script. Nothing when neither tells: a card
 * shows no library rather than a wrong one.
 */

const BY_FILE: [RegExp, string][] = [
  [/(^|\/)adapter_config\.json$/, "peft"],
  [/(^|\/)config_sentence_transformers\.json$/, "sentence-transformers"],
  [/\.skops$/, "sklearn"],
  [/\.(keras|h5)$/, "keras"],
  [/\.gguf$/, "gguf"],
  [/\.onnx$/, "onnx"],
];

/** Imports in the order that decides: the most specific library first. */
const BY_IMPORT: [string, string][] = [
  ["peft", "peft"],
  ["sentence_transformers", "sentence-transformers"],
  ["timm", "timm"],
  ["diffusers", "diffusers"],
  ["transformers", "transformers"],
  ["xgboost", "xgboost"],
  ["lightgbm", "lightgbm"],
  ["catboost", "catboost"],
  ["sklearn", "sklearn"],
  ["keras", "keras"],
  ["tensorflow", "keras"],
  ["torch", "pytorch"],
];

const imports = (source: string, module: string): boolean =>
  new RegExp(`^\\s*(import\\s+${module}\\b|from\\s+${module}(\\.|\\s))`, "m").test(source);

/** The library of a model folder holding `files` (paths relative to it), trained by `scripts` (their source). */
export function inferLibrary(files: string[], configJson: string | undefined, scripts: string[]): string | undefined {
  for (const [pattern, library] of BY_FILE) if (files.some((file) => pattern.test(file))) return library;
  if (configJson) {
    try {
      const config = JSON.parse(configJson) as { model_type?: unknown; architectures?: unknown };
      if (typeof config.model_type === "string" || Array.isArray(config.architectures)) return "transformers";
    } catch {
      // Not JSON: no transformers config.
    }
  }
  const source = scripts.join("\n");
  const imported = (modules: string[]) =>
    BY_IMPORT.find(([module]) => modules.includes(module) && imports(source, module))?.[1];
  // Saved weights: a deep-learning library made them (sklearn imported for its metrics doesn't count).
  if (files.some((file) => /\.(pt|pth|bin|safetensors|ckpt)$/.test(file))) {
    return (
      imported(["peft", "sentence_transformers", "timm", "diffusers", "transformers", "keras", "tensorflow"]) ??
      "pytorch"
    );
  }
  // A pickled estimator: a boosting library when the script used one, else scikit-learn.
  if (files.some((file) => /\.(joblib|pkl|pickle)$/.test(file)))
    return imported(["xgboost", "lightgbm", "catboost"]) ?? "sklearn";
  return imported(BY_IMPORT.map(([module]) => module));
}
