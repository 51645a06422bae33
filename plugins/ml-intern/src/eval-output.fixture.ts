/** Evaluation harness outputs as the tests read them. */

/** lm-evaluation-harness 0.4 results, trimmed. */
export const LM_EVAL = {
  results: {
    hellaswag: {
      alias: "hellaswag",
      "acc,none": 0.5012,
      "acc_stderr,none": 0.005,
      "acc_norm,none": 0.6543,
      "acc_norm_stderr,none": 0.0047,
    },
    gsm8k: {
      alias: "gsm8k",
      "exact_match,strict-match": 0.31,
      "exact_match_stderr,strict-match": 0.0127,
      "exact_match,flexible-extract": 0.33,
      "exact_match_stderr,flexible-extract": "N/A",
    },
  },
  configs: {
    hellaswag: {
      task: "hellaswag",
      dataset_path: "Rowan/hellaswag",
      training_split: "train",
      validation_split: "validation",
    },
    gsm8k: {
      task: "gsm8k",
      dataset_path: "openai/gsm8k",
      dataset_name: "main",
      training_split: "train",
      test_split: "test",
    },
  },
  versions: { hellaswag: 1, gsm8k: 3 },
  "n-shot": { hellaswag: 0, gsm8k: 5 },
  config: { model: "hf", model_args: "pretrained=ada/tiny" },
};

/** lighteval results, trimmed. */
export const LIGHTEVAL = {
  config_general: { lighteval_sha: "abc", model_name: "ada/tiny" },
  results: {
    "lighteval|arc:easy|0": { acc: 0.7011, acc_stderr: 0.0094 },
    "leaderboard|truthfulqa:mc|0": { truthfulqa_mc1: 0.3, truthfulqa_mc1_stderr: 0.016 },
    all: { acc: 0.7011 },
  },
  config_tasks: {
    "lighteval|arc:easy": {
      name: "arc:easy",
      hf_repo: "allenai/ai2_arc",
      hf_subset: "ARC-Easy",
      evaluation_splits: ["test"],
    },
    "leaderboard|truthfulqa:mc": {
      name: "truthfulqa:mc",
      hf_repo: "truthfulqa/truthful_qa",
      hf_subset: "multiple_choice",
      evaluation_splits: ["validation"],
    },
  },
};
