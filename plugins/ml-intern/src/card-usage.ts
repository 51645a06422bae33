/**
 * The card's "How to use it" snippet, made for the library the model was saved with, and its
 * "Reproducing it" section: the scripts, config and requirements in the repo, the command, the
 * seeds, the package versions and the data revision.
 */

export const PUBLIC_HUB = "https://huggingface.co";

/** A file the repo carries for reproducing the model, by its path in the repo. */
export interface ReproFile {
  role: "training script" | "evaluation script" | "config" | "requirements";
  path: string;
}

export interface Reproduce {
  files: ReproFile[];
  command?: string;
  seeds?: number[];
  packages?: Record<string, string>;
  dataRevision?: string;
}

export interface UsageInput {
  repoId: string;
  libraryName?: string;
  pipelineTag?: string;
  /** The model folder's files (paths in the repo): the snippet loads the one the library saved. */
  files?: string[];
  hubUrl: string;
}

const python = (lines: string[]): string => lines.join("\n");

/** A snippet that runs as written against the Hub the model is on. */
export function usageSnippet(card: UsageInput): string {
  const files = card.files ?? [];
  const repo = JSON.stringify(card.repoId);
  const elsewhere =
    card.hubUrl === PUBLIC_HUB
      ? []
      : [`# The model is on the Hub at ${card.hubUrl}: run with HF_ENDPOINT=${card.hubUrl} (and its HF_TOKEN).`];
  if (card.libraryName === "transformers" && card.pipelineTag) {
    return python([
      ...elsewhere,
      "from transformers import pipeline",
      "",
      `pipe = pipeline(${JSON.stringify(card.pipelineTag)}, model=${repo})`,
      'print(pipe("Replace this with your input."))',
    ]);
  }
  if (card.libraryName === "transformers") {
    return python([
      ...elsewhere,
      "from transformers import AutoModel, AutoTokenizer",
      "",
      `tokenizer = AutoTokenizer.from_pretrained(${repo})`,
      `model = AutoModel.from_pretrained(${repo})`,
    ]);
  }
  if (card.libraryName === "peft") {
    return python([
      ...elsewhere,
      "from peft import AutoPeftModel",
      "",
      `model = AutoPeftModel.from_pretrained(${repo})`,
    ]);
  }
  const pickled = files.find((file) => /\.(joblib|pkl|pickle|skops)$/.test(file));
  if (pickled && ["sklearn", "xgboost", "lightgbm", "catboost"].includes(card.libraryName ?? "")) {
    return python([
      ...elsewhere,
      "import joblib",
      "from huggingface_hub import hf_hub_download",
      "",
      `model = joblib.load(hf_hub_download(${repo}, ${JSON.stringify(pickled)}))`,
      "print(model.predict(X))  # X: rows with the training data's feature columns",
    ]);
  }
  const weights = files.find((file) => /\.(pt|pth|safetensors|bin|ckpt)$/.test(file));
  if (weights && card.libraryName === "pytorch") {
    const load = weights.endsWith(".safetensors")
      ? [
          "from safetensors.torch import load_file",
          "",
          `state = load_file(hf_hub_download(${repo}, ${JSON.stringify(weights)}))`,
        ]
      : [
          "import torch",
          "",
          `state = torch.load(hf_hub_download(${repo}, ${JSON.stringify(weights)}), map_location="cpu")`,
        ];
    return python([
      ...elsewhere,
      "from huggingface_hub import hf_hub_download",
      ...load,
      "model.load_state_dict(state)  # model: the network as the training script defines it",
    ]);
  }
  return python([
    ...elsewhere,
    "from huggingface_hub import snapshot_download",
    "",
    `path = snapshot_download(${repo})`,
    "print(path)  # the model's files; load them as the training script saved them",
  ]);
}

const relativeLink = (path: string): string => `[${path}](${path.split("/").map(encodeURIComponent).join("/")})`;

/** The "Reproducing it" section; empty when nothing was given. */
export function reproduceSection(reproduce: Reproduce | undefined, dataset: { type: string }, hubUrl: string): string {
  if (!reproduce) return "";
  const lines = ["## Reproducing it", ""];
  for (const file of reproduce.files)
    lines.push(`- ${file.role[0]?.toUpperCase()}${file.role.slice(1)}: ${relativeLink(file.path)}`);
  if (reproduce.command) lines.push(`- Command: \`${reproduce.command.replace(/`/g, "'")}\``);
  if (reproduce.seeds?.length) lines.push(`- Seeds: ${reproduce.seeds.join(", ")}`);
  if (reproduce.dataRevision) {
    const url = `${hubUrl}/datasets/${dataset.type}/tree/${encodeURIComponent(reproduce.dataRevision)}`;
    lines.push(`- Data: [${dataset.type}@${reproduce.dataRevision}](${url})`);
  }
  const packages = Object.entries(reproduce.packages ?? {});
  if (packages.length) {
    lines.push("", "| Package | Version |", "| --- | --- |");
    for (const [name, version] of packages)
      lines.push(`| ${name.replace(/\|/g, "\\|")} | ${version.replace(/\|/g, "\\|")} |`);
  }
  return lines.length > 2 ? lines.join("\n") : "";
}
