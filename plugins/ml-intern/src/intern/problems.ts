/**
 * The failures an unattended run must not bury in its log: a paper that could not be read, a
 * dataset whose columns don't fit the training format, a model card refused, a push the Hub
 * rejected. A later success clears them: any paper read (the engineer found the right one), any
 * card written, a training run that went through (the data was made to fit), a push to the same
 * repo. The final report lists the ones still standing.
 */
export interface Problem {
  /** What it is about, e.g. `paper "2401.99999"` or `model big-lab/classifier`. */
  subject: string;
  /** What went wrong, in a line (the tool's own message, which says what to do). */
  what: string;
  /** A push that was refused: the repo, and the workspace folder or file that was not published. */
  unpublished?: { repo: string; type: string; localPath?: string };
}

export type ProblemCategory = "paper" | "dataset" | "card" | "publish";

/**
 * A tool call's verdict: the problem it raises under `key`, or (no problem) a success that clears
 * `key`, or the whole category when `clearsCategory`.
 */
export type Verdict =
  | { category: ProblemCategory; key: string; problem?: Problem; clearsCategory?: boolean }
  | undefined;

const PAPER_TOOLS = new Set(["hf_papers_read", "hf_papers_details", "hf_papers_linked"]);
const PUBLISH_TOOLS = new Set(["hf_create_repo", "hf_upload_file", "hf_upload_folder"]);

interface ToolOutcome {
  name: string;
  args: Record<string, unknown>;
  text: string;
  isError: boolean;
  details: unknown;
}

/** What a finished tool call says about the run's standing problems, if anything. */
export function verdictOf({ name, args, text, isError, details }: ToolOutcome): Verdict {
  const str = (value: unknown) => (typeof value === "string" ? value : undefined);
  const firstLine = () => clip(text.trim().split("\n")[0] ?? "", 400);
  if (PAPER_TOOLS.has(name) && str(args.paper)) {
    const subject = `paper ${JSON.stringify(str(args.paper))}`;
    const key = `paper:${str(args.paper)}`;
    if (!isError) return { category: "paper", key, clearsCategory: true };
    return { category: "paper", key, problem: { subject, what: `could not be read: ${firstLine()}` } };
  }
  if (name === "hf_dataset_inspect" && str(args.dataset)) {
    const subject = `dataset ${str(args.dataset)}${str(args.check) ? ` (${str(args.check)})` : ""}`;
    const key = `dataset:${subject}`;
    if (isError)
      return { category: "dataset", key, problem: { subject, what: `could not be inspected: ${firstLine()}` } };
    const check = (details as { check?: { fits?: boolean } } | undefined)?.check;
    if (check?.fits !== false) return { category: "dataset", key };
    const features = (details as { features?: Array<{ name?: unknown }> }).features ?? [];
    const found = features.map((feature) => String(feature.name)).join(", ");
    const verdict = /^Check \w+: does not fit; (.*)$/m.exec(text)?.[1] ?? "its columns don't fit";
    return { category: "dataset", key, problem: { subject, what: `has columns ${found || "(none)"}: ${verdict}` } };
  }
  if (name === "intern_model_card") {
    const subject = `model card ${str(args.folder) ?? "."}/README.md`;
    const key = `card:${subject}`;
    if (!isError) return { category: "card", key, clearsCategory: true };
    return { category: "card", key, problem: { subject, what: `not written: ${firstLine()}` } };
  }
  if (PUBLISH_TOOLS.has(name)) {
    const repo = str(args.repo) ?? str(args.name);
    if (!repo) return undefined;
    const type = str(args.type) ?? "model";
    const subject = `${type} ${repo}`;
    const key = `publish:${subject}`;
    if (!isError) return { category: "publish", key };
    const localPath = str(args.localPath);
    const what = `${name}${localPath ? ` of ${localPath}` : ""} failed: ${firstLine()}`;
    const unpublished = { repo, type, ...(localPath ? { localPath } : {}) };
    return { category: "publish", key, problem: { subject, what, unpublished } };
  }
  return undefined;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
