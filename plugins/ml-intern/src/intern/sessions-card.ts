/**
 * The dataset card (README.md) of the private dataset that `pincer intern` uploads its sessions
 * to: what the files are, how they are laid out, how to resume from them, and what was done to
 * keep secrets out. The uploader (session-upload.ts) writes it once, when it creates the repo.
 *
 * The viewer is turned off (`viewer: false`): a session file mixes a header line and entries of
 * several shapes, which the datasets library cannot read as one table.
 */

export interface SessionsCardOptions {
  /** "owner/name" of the sessions dataset. */
  repo: string;
  /** The Hub the dataset lives on (HF_ENDPOINT or https://huggingface.co), for its links. */
  hubUrl: string;
  /** The Pincer version that wrote it, when known. */
  pincerVersion?: string;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

/** The card's Markdown, YAML front matter first. Throws on a repo id that is not `owner/name`. */
export function sessionsDatasetCard(options: SessionsCardOptions): string {
  if (!REPO_ID.test(options.repo)) throw new Error(`"${options.repo.slice(0, 200)}" is not a dataset id (owner/name)`);
  let hub: URL;
  try {
    hub = new URL(options.hubUrl);
  } catch {
    throw new Error(`"${options.hubUrl.slice(0, 200)}" is not a Hub URL`);
  }
  if (hub.protocol !== "https:" && hub.protocol !== "http:") throw new Error(`"${hub.href}" is not an http(s) Hub URL`);
  const base = hub.href.replace(/\/+$/, "");
  const page = `${base}/datasets/${options.repo}`;
  const wrote = options.pincerVersion ? ` (Pincer ${options.pincerVersion.replace(/[^\w.+-]/g, "")})` : "";
  return [
    "---",
    "pretty_name: Pincer ML intern sessions",
    "viewer: false",
    "tags:",
    "- pincer",
    "- agent-sessions",
    "- ml-intern",
    "---",
    "",
    `# ${options.repo}: ML intern sessions`,
    "",
    `The sessions of \`pincer intern\` runs${wrote}, uploaded while they run so that a run of several days survives`,
    "the machine it started on. Keep this dataset **private**: a session holds the whole conversation, tool calls",
    "and tool results of a run. The uploader refuses to write to a public dataset.",
    "",
    "## Layout",
    "",
    "| path | what it holds |",
    "| --- | --- |",
    "| `sessions/YYYY-MM-DD/<id>.jsonl` | the whole session as of its last consolidation (when the run ended), by the day it started |",
    "| `sessions/YYYY-MM-DD/<id>/part-NNNN.jsonl` | the lines appended since, in order, while the run is going |",
    "",
    "A session is its whole file (if any) followed by its parts in order. A consolidation writes the whole file and",
    "deletes the parts in one commit, so a reader never sees a line twice or misses one.",
    "",
    "## Format",
    "",
    "JSON Lines, one object a line. The first line is the session's header (`type: session`, `version`, `id`,",
    "`cwd`, `createdAt`); every other line is an entry with `id`, `parentId` (entries form a tree: a resumed or",
    "forked run branches) and `timestamp`, of one of these types: `message` (a user, assistant or tool-result",
    "message, with its content blocks and token usage), `compaction` (older turns replaced by a summary),",
    "`model_change`, `thinking_change`, `permission_mode_change` and `custom` (a plugin's own state).",
    "",
    "## Resuming",
    "",
    "```",
    `pincer intern resume ${options.repo}:<id>`,
    "```",
    "",
    "brings a session back from this dataset on any machine (with `HF_TOKEN` able to read it) and goes on with it;",
    `\`pincer intern resume ${options.repo}\` takes the newest one.`,
    "",
    "## Secrets",
    "",
    "Every line passes a redactor before it leaves the machine: the values of the environment's secret variables,",
    "the Hub token and strings shaped like known tokens are replaced by `[REDACTED]`. Anything a tool printed that",
    "matches none of these is uploaded as it is: review a session before sharing it.",
    "",
    `Browse the files: ${page}/tree/main/sessions`,
    "",
  ].join("\n");
}
