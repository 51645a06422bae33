// The few documentation pages a fresh local Hub serves before anything is stored under
// `<dir>/docs`: short guides, written for this project, to the tasks an ML agent does most
// (fine-tune, load data, LoRA, SFT, upload). Their paths mirror huggingface.co/docs so a link
// that works here names the same page there. A file stored at the same path replaces a page.

/** Library id → page path (without `.md`) → markdown. */
export const SEED_DOCS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  transformers: {
    training: `# Fine-tuning a pretrained model

\`Trainer\` runs the training loop for a Transformers model: batching, mixed precision, gradient
accumulation, evaluation, checkpoints and pushing to the Hub. You bring a model, a tokenized dataset
and \`TrainingArguments\`.

## Prepare the data

\`\`\`python
from datasets import load_dataset
from transformers import AutoTokenizer

dataset = load_dataset("stanfordnlp/imdb")
tokenizer = AutoTokenizer.from_pretrained("google-bert/bert-base-cased")

def tokenize(batch):
    return tokenizer(batch["text"], truncation=True)

tokenized = dataset.map(tokenize, batched=True)
\`\`\`

## Configure the run

\`TrainingArguments\` holds every knob. The ones you set most often are \`output_dir\`,
\`learning_rate\`, \`per_device_train_batch_size\`, \`num_train_epochs\`, \`eval_strategy\`
(\`"no"\`, \`"steps"\` or \`"epoch"\`), \`save_strategy\`, \`bf16\` and \`push_to_hub\`.

\`\`\`python
from transformers import AutoModelForSequenceClassification, TrainingArguments, Trainer

model = AutoModelForSequenceClassification.from_pretrained("google-bert/bert-base-cased", num_labels=2)
args = TrainingArguments(
    output_dir="imdb-bert",
    learning_rate=2e-5,
    per_device_train_batch_size=16,
    num_train_epochs=2,
    eval_strategy="epoch",
    push_to_hub=True,
)
\`\`\`

## Train, evaluate, share

\`\`\`python
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=tokenized["train"],
    eval_dataset=tokenized["test"],
    processing_class=tokenizer,
)
trainer.train()
trainer.evaluate()
trainer.push_to_hub()
\`\`\`

Pass \`compute_metrics\` (a function from \`EvalPrediction\` to a dict) to report accuracy or F1 at
each evaluation. Passing the tokenizer as \`processing_class\` lets \`Trainer\` pad each batch and
saves the tokenizer next to the weights.
`,
  },
  datasets: {
    loading: `# Loading a dataset

\`load_dataset\` reads a dataset from the Hub, from local files or from a URL and returns a
\`DatasetDict\` (one \`Dataset\` per split) or, with \`split=\`, a single \`Dataset\`.

## From the Hub

\`\`\`python
from datasets import load_dataset

ds = load_dataset("stanfordnlp/imdb")                 # every split
train = load_dataset("stanfordnlp/imdb", split="train")
config = load_dataset("nyu-mll/glue", "mrpc")          # a named configuration
\`\`\`

Private or gated datasets need a token: log in with \`hf auth login\` or set \`HF_TOKEN\`.

## From local or remote files

Name the format's builder and point \`data_files\` at the files; a dict maps split names to files.

\`\`\`python
csv = load_dataset("csv", data_files="reviews.csv")
jsonl = load_dataset("json", data_files={"train": "train.jsonl", "test": "test.jsonl"})
parquet = load_dataset("parquet", data_files="data/*.parquet")
\`\`\`

## Streaming

\`streaming=True\` returns an \`IterableDataset\` that reads as you iterate, without downloading the
whole dataset first: useful for corpora larger than the disk.

\`\`\`python
stream = load_dataset("HuggingFaceFW/fineweb", split="train", streaming=True)
first = next(iter(stream))
\`\`\`

## Splitting and sharing

\`train_test_split(test_size=0.1, seed=0)\` carves an evaluation split out of one split, and
\`push_to_hub("owner/name")\` uploads a dataset as Parquet files the dataset viewer can show.
`,
  },
  peft: {
    "developer_guides/lora": `# LoRA

Low-Rank Adaptation freezes the pretrained weights and learns a small update for chosen layers as
the product of two thin matrices. Only those matrices train, so memory use drops sharply and the
saved adapter is a few megabytes instead of the whole model.

## Wrap a model

\`\`\`python
from transformers import AutoModelForCausalLM
from peft import LoraConfig, get_peft_model

base = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")
config = LoraConfig(
    r=16,
    lora_alpha=32,
    lora_dropout=0.05,
    target_modules="all-linear",
    task_type="CAUSAL_LM",
)
model = get_peft_model(base, config)
model.print_trainable_parameters()
\`\`\`

- \`r\` is the rank of the update: higher ranks learn more and cost more.
- \`lora_alpha\` scales the update (the effective scale is \`lora_alpha / r\`).
- \`target_modules\` names the layers to adapt, e.g. \`["q_proj", "v_proj"]\`, or \`"all-linear"\`.

## Save, load, merge

\`model.save_pretrained("my-adapter")\` (or \`push_to_hub\`) stores only the adapter. Load it back on
top of its base model, and merge it when you want a plain model with no PEFT dependency:

\`\`\`python
from peft import PeftModel

model = PeftModel.from_pretrained(base, "my-adapter")
merged = model.merge_and_unload()
merged.save_pretrained("merged-model")
\`\`\`
`,
  },
  trl: {
    sft_trainer: `# Supervised fine-tuning with SFTTrainer

\`SFTTrainer\` fine-tunes a language model on example completions or conversations. It loads the
model from a Hub id when given a string, applies the chat template to conversational data and can
train a LoRA adapter instead of the full model.

## Quick start

\`\`\`python
from datasets import load_dataset
from trl import SFTConfig, SFTTrainer

dataset = load_dataset("trl-lib/Capybara", split="train")
trainer = SFTTrainer(
    model="Qwen/Qwen2.5-0.5B",
    train_dataset=dataset,
    args=SFTConfig(output_dir="qwen-sft", max_length=1024),
)
trainer.train()
\`\`\`

The same run from the command line: \`trl sft --model_name_or_path Qwen/Qwen2.5-0.5B --dataset_name trl-lib/Capybara --output_dir qwen-sft\`.

## Dataset formats

- **Language modeling**: a \`text\` column.
- **Conversational**: a \`messages\` column of \`{"role", "content"}\` lists; the chat template formats it.
- **Prompt-completion**: \`prompt\` and \`completion\` columns; by default the loss is computed on the completion only.

## With LoRA

Pass a PEFT config and only the adapter trains:

\`\`\`python
from peft import LoraConfig

trainer = SFTTrainer(
    model="Qwen/Qwen2.5-0.5B",
    train_dataset=dataset,
    args=SFTConfig(output_dir="qwen-sft-lora"),
    peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"),
)
\`\`\`
`,
  },
  hub: {
    "models-uploading": `# Uploading models

A model on the Hub is a git repository of files: weights (safetensors), a config, the tokenizer and
a README.md model card. Large files are stored outside git automatically.

## From a training library

Most libraries push directly: \`model.push_to_hub("owner/name")\` and
\`tokenizer.push_to_hub("owner/name")\` in Transformers, or \`push_to_hub=True\` in
\`TrainingArguments\` to upload at each save.

## With huggingface_hub

\`\`\`python
from huggingface_hub import HfApi

api = HfApi()
api.create_repo("owner/my-model", exist_ok=True)
api.upload_folder(folder_path="./my-model", repo_id="owner/my-model")
api.upload_file(path_or_fileobj="README.md", path_in_repo="README.md", repo_id="owner/my-model")
\`\`\`

## From the command line

\`\`\`bash
hf auth login
hf upload owner/my-model ./my-model
\`\`\`

## The model card

The README.md starts with YAML metadata the Hub indexes (license, base model, datasets, pipeline tag),
then prose: what the model does, how it was trained and evaluated, and its limits.

\`\`\`yaml
---
license: apache-2.0
base_model: Qwen/Qwen2.5-0.5B
datasets: [trl-lib/Capybara]
pipeline_tag: text-generation
---
\`\`\`
`,
  },
};
