/**
 * The dynamic parts of a command's prompt, as Claude Code runs them before the prompt is sent:
 * `` !`command` `` (at a line's start or after a space) and ```` ```! ```` fenced blocks run as
 * shell commands whose output replaces them, and `@path` names a file whose contents are added.
 * Inside code spans and code blocks nothing happens; command output is never scanned again.
 *
 * What runs and what is read is the host's to decide (the runtime runs commands through the
 * permission engine and the OS sandbox, and reads files only where the session may): this file
 * only finds them. A command refused or failing aborts the whole command, as in Claude Code.
 */

export type ShellOutcome = { ok: true; output: string; exitCode: number | null } | { ok: false; error: string };
export type FileOutcome = { path: string; content: string } | { refused: string };

export interface CommandHost {
  /** Runs one command line on the user's behalf; its output, or why it did not run. */
  runShell(command: string, signal: AbortSignal): Promise<ShellOutcome>;
  /** A file for `@path`: undefined when there is no such file (the text stays as written). */
  readFile(path: string): FileOutcome | undefined;
}

/** A command that cannot be expanded: a shell line refused or failing, a file refused. Nothing is sent. */
export class CommandExpansionError extends Error {
  override name = "CommandExpansionError";
}

/** Programs for which exit code 1 is an answer ("no match", "differs"), not a failure (Claude Code's carve-out). */
const EXIT_ONE_IS_ANSWER = new Set(["grep", "egrep", "fgrep", "rg", "diff", "cmp", "test", "["]);

/** Most files one command may include, and bytes of each. */
const MAX_FILES = 20;

/** Runs the shell parts and gathers the files; returns the prompt to send. */
export async function injectContext(text: string, host: CommandHost, signal: AbortSignal): Promise<string> {
  const pieces = splitPieces(text);
  const out: string[] = [];
  const mentions: string[] = [];
  for (const piece of pieces) {
    if (piece.kind === "shell") {
      out.push(await runShellPiece(piece.command, piece.pattern, host, signal));
      continue;
    }
    if (piece.kind === "text") mentions.push(...findMentions(piece.text));
    out.push(piece.text);
  }
  const files: string[] = [];
  const seen = new Set<string>();
  for (const mention of mentions) {
    const found = readMention(mention, host);
    if (!found || seen.has(found.path)) continue;
    if (seen.size >= MAX_FILES) {
      throw new CommandExpansionError(`the command names more than ${MAX_FILES} files with @; name fewer`);
    }
    seen.add(found.path);
    files.push(fileBlock(mention, found));
  }
  const prompt = out.join("");
  return files.length ? `${prompt}\n\n${files.join("\n\n")}` : prompt;
}

async function runShellPiece(
  command: string,
  pattern: string,
  host: CommandHost,
  signal: AbortSignal,
): Promise<string> {
  const outcome = await host.runShell(command, signal);
  if (!outcome.ok) throw new CommandExpansionError(`Shell command failed for pattern "${pattern}": ${outcome.error}`);
  const program = command.trim().split(/\s+/)[0] ?? "";
  const answered = outcome.exitCode === 0 || (outcome.exitCode === 1 && EXIT_ONE_IS_ANSWER.has(program));
  if (!answered) {
    const status = outcome.exitCode === null ? "it was killed" : `exit code ${outcome.exitCode}`;
    throw new CommandExpansionError(
      `Shell command failed for pattern "${pattern}" (${status}):\n[stderr]\n${outcome.output.trim().slice(-2000)}`,
    );
  }
  return outcome.output.trimEnd();
}

function readMention(mention: string, host: CommandHost): { path: string; content: string } | undefined {
  // `@README.md,` in prose: the punctuation is not part of the path.
  for (const candidate of new Set([mention, mention.replace(/[.,;:!?)\]}"'>]+$/, "")])) {
    if (!candidate) continue;
    const found = host.readFile(candidate);
    if (!found) continue;
    if ("refused" in found) throw new CommandExpansionError(`@${candidate} was not included: ${found.refused}`);
    return found;
  }
  return undefined;
}

function fileBlock(mention: string, file: { path: string; content: string }): string {
  const longest = Math.max(2, ...[...file.content.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = "`".repeat(longest + 1);
  return `Contents of @${mention} (${file.path}):\n${fence}\n${file.content.replace(/\n$/, "")}\n${fence}`;
}

type Piece =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "shell"; command: string; pattern: string };

/** The text split into plain text, code (left alone) and shell parts. */
export function splitPieces(text: string): Piece[] {
  const pieces: Piece[] = [];
  const lines = text.split("\n");
  let index = 0;
  const push = (piece: Piece) => {
    const last = pieces.at(-1);
    if (last && last.kind === piece.kind && piece.kind !== "shell")
      (last as { text: string }).text += (piece as { text: string }).text;
    else pieces.push(piece);
  };
  while (index < lines.length) {
    const line = lines[index]!;
    const newline = index < lines.length - 1 ? "\n" : "";
    const fence = /^\s{0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const closing = lines.findIndex(
        (candidate, at) =>
          at > index && candidate.trim().startsWith(marker) && !candidate.trim().slice(marker.length).trim(),
      );
      const end = closing < 0 ? lines.length : closing;
      const block = lines.slice(index, end + 1).join("\n") + (end < lines.length - 1 ? "\n" : "");
      if (marker.startsWith("`") && fence[2]!.trim() === "!") {
        const command = lines.slice(index + 1, end).join("\n");
        pieces.push({ kind: "shell", command, pattern: `\`\`\`!\n${command}\n\`\`\`` });
        if (end < lines.length - 1) push({ kind: "text", text: "\n" });
      } else push({ kind: "code", text: block });
      index = end + 1;
      continue;
    }
    for (const piece of splitLine(line)) push(piece);
    if (newline) push({ kind: "text", text: newline });
    index++;
  }
  return pieces;
}

/** One line: `` !`cmd` `` after a space or at the start is shell; other code spans are code. */
function splitLine(line: string): Piece[] {
  const pieces: Piece[] = [];
  const span = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  let last = 0;
  for (const match of line.matchAll(span)) {
    const start = match.index;
    const bang = start > 0 && line[start - 1] === "!" && (start === 1 || /\s/.test(line[start - 2]!));
    const before = line.slice(last, bang ? start - 1 : start);
    if (before) pieces.push({ kind: "text", text: before });
    if (bang) pieces.push({ kind: "shell", command: match[2]!, pattern: `!${match[0]}` });
    else pieces.push({ kind: "code", text: match[0] });
    last = start + match[0].length;
  }
  if (last < line.length) pieces.push({ kind: "text", text: line.slice(last) });
  return pieces;
}

/** `@path` tokens at a word's start (so `me@example.com` is not one). */
function findMentions(text: string): string[] {
  return [...text.matchAll(/(?:^|\s)@([^\s`@]+)/g)].map((match) => match[1]!);
}
