import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { readCacheFile } from "@pincer/host";
import { LineCounter, parseDocument } from "yaml";

/**
 * Front matter of Claude Code's markdown files (commands, skills, agents): YAML between `---`
 * fences, parsed by a real YAML parser (the `yaml` package, YAML 1.2 core schema), so every valid
 * file works: block scalars, nested maps (`hooks:`, `metadata:`), flow and block lists, anchors.
 *
 * Real files often hold a value YAML rejects, most often a description with `: ` in it
 * (`description: Use when: the user asks`); Claude Code reads those, so a top-level `key: value`
 * line that makes the document invalid is read again as a plain string. What still fails is an
 * error naming the line.
 */
export type FrontMatterValue = unknown;

export interface FrontMatter {
  data: Record<string, unknown>;
  body: string;
}

export class FrontMatterError extends Error {}

/** A markdown definition is instructions, not data: larger is refused unread. */
export const DEFINITION_MAX_BYTES = 1024 * 1024;

/** Splits `---`-fenced front matter from the body. No opening fence: no data, the whole text is the body. */
export function parseFrontMatter(text: string): FrontMatter {
  const source = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const lines = source.split("\n");
  if (lines[0]?.trim() !== "---") return { data: {}, body: source };
  const end = lines.findIndex((line, index) => index > 0 && line.trim() === "---");
  if (end < 0) throw new FrontMatterError("the front matter opened with --- is never closed by a --- line");
  return { data: parseYaml(lines.slice(1, end)), body: lines.slice(end + 1).join("\n") };
}

let cacheDir: string | undefined;

/**
 * Where parsed front matter is kept between processes (PINCER_HOME/cache/front-matter). A session
 * reads the same agent, skill and command files on every start; parsing them is the `yaml`
 * package's first (cold, unoptimised) use, 4–9% of a one-shot turn's CPU. Only what JSON gives
 * back exactly is kept, and only successes: a file that fails is parsed again, and says why.
 *
 * An entry holds the text it was parsed from and is used only for that exact text, so its name
 * needs no cryptographic hash: two texts that share a name each miss the other's entry (and
 * rewrite it). SHA-256 in JavaScript, which a one-shot runs without V8's compilers, cost ~1 ms
 * for two short agent files. A kept entry that is not a plain file of JSON holding its text and
 * a map (a link, a FIFO, cut short, larger than any definition) is ignored and the text parsed again.
 */
export function keepFrontMatterIn(dir: string | undefined): void {
  cacheDir = dir;
}

function parseYaml(lines: string[]): Record<string, unknown> {
  const text = lines.join("\n");
  if (!cacheDir) return parseYamlText(lines, text);
  const file = join(cacheDir, `${ENTRY_VERSION}-${entryName(text)}.json`);
  const read = readCacheFile(file, MAX_ENTRY_BYTES);
  if (read) {
    try {
      const kept = JSON.parse(read.bytes.toString("utf8")) as { text?: unknown; data?: unknown } | null;
      const data = kept?.data;
      if (kept?.text === text && data && typeof data === "object" && !Array.isArray(data))
        return data as Record<string, unknown>;
    } catch {}
  }
  const data = parseYamlText(lines, text);
  try {
    const json = JSON.stringify({ text, data });
    if (isDeepStrictEqual((JSON.parse(json) as { data: unknown }).data, data)) {
      mkdirSync(cacheDir, { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, json);
      renameSync(temp, file);
    }
  } catch {
    // Without the file the next start parses again: slower, not wrong.
  }
  return data;
}

/** Entries name their format: an older one (the data alone, named by its text's SHA-256) is never read. */
const ENTRY_VERSION = "v2";
/** The text and its data, as JSON: a definition's front matter, escaped, and what it parses to. */
const MAX_ENTRY_BYTES = 4 * DEFINITION_MAX_BYTES;

/** An entry's name: the text's length and two 32-bit FNV-1a sums of its UTF-16 units (a name, not a check). */
function entryName(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x5bd1e995);
  }
  return `${text.length.toString(36)}-${(a >>> 0).toString(16).padStart(8, "0")}${(b >>> 0).toString(16).padStart(8, "0")}`;
}

function parseYamlText(lines: string[], text: string): Record<string, unknown> {
  const first = load(text);
  if (!("error" in first)) return first.data;
  // Claude Code's leniency: a top-level `key: text` whose text YAML cannot take is that text.
  const lenient = lines.map((line) => {
    const pair = /^([A-Za-z0-9_-]+):[ \t]+(\S.*)$/.exec(line);
    if (!pair || /^["'[{|>&*!#]/.test(pair[2]!)) return line;
    return `${pair[1]}: ${JSON.stringify(pair[2]!.replace(/\s+#.*$/, "").trimEnd())}`;
  });
  const second = load(lenient.join("\n"));
  if (!("error" in second)) return second.data;
  throw new FrontMatterError(first.error);
}

function load(text: string): { data: Record<string, unknown> } | { error: string } {
  // maxAliasCount bounds alias expansion (a "billion laughs" file); uniqueKeys refuses a key given twice.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { schema: "core", uniqueKeys: true, prettyErrors: false, lineCounter });
  const problem = document.errors[0];
  if (problem) {
    // Line numbers count from the file's first line, the opening fence.
    const line = lineCounter.linePos(problem.pos[0]).line;
    const where = line ? `line ${line + 1}: ` : "";
    return { error: `${where}${problem.message.split("\n")[0]}` };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (value === null || value === undefined) return { data: {} };
  if (typeof value !== "object" || Array.isArray(value)) {
    return { error: "the front matter must be a YAML map of `key: value` lines" };
  }
  return { data: value as Record<string, unknown> };
}

/** A front-matter field as one string: lists are joined with commas, numbers written out; absent or blank is undefined. */
export function stringField(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  let text: string | undefined;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else if (Array.isArray(value)) text = value.filter((item) => typeof item === "string").join(", ");
  return text?.trim() ? text.trim() : undefined;
}

/** A front-matter field as a list: `a, b`, `[a, b]` and `- a` lines all work. */
export function listField(data: Record<string, unknown>, key: string): string[] | undefined {
  const value = data[key];
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value.map((item) => String(item)) : String(value).split(",");
  return items.map((item) => item.trim()).filter(Boolean);
}

/**
 * Claude Code's tool lists (`allowed-tools`, `disallowed-tools`): a YAML list, or a string of
 * tools or rules separated by commas or spaces, where a rule's parentheses keep their spaces
 * (`Bash(git add *) Read` → [`Bash(git add *)`, `Read`]).
 */
export function toolListField(data: Record<string, unknown>, key: string): string[] | undefined {
  const value = data[key];
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value.map((item) => String(item)) : [String(value)];
  return items.flatMap(splitToolList);
}

function splitToolList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth++;
    if (char === ")") depth = Math.max(0, depth - 1);
    if ((char === "," || /\s/.test(char)) && depth === 0) {
      if (current.trim()) out.push(current.trim());
      current = "";
    } else current += char;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Claude Code's booleans: true/false, yes/no, on/off, 1/0 in any case. Anything else: undefined. */
export function booleanField(data: Record<string, unknown>, key: string): boolean | undefined {
  const value = data[key];
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== "string") return undefined;
  const word = value.trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(word)) return true;
  if (["false", "no", "off", "0"].includes(word)) return false;
  return undefined;
}

/** A markdown definition that names itself: a skill's SKILL.md or an agent file. */
export interface NamedDefinition extends FrontMatter {
  name: string;
  description: string;
}

/** Reads and parses a markdown definition; a file over the size cap or unreadable is an error naming why. */
export function readDefinitionFile(file: string): FrontMatter {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new FrontMatterError(`cannot read it (${(error as NodeJS.ErrnoException).code ?? "unknown error"})`);
  }
  if (size > DEFINITION_MAX_BYTES) {
    throw new FrontMatterError(
      `it is larger than ${DEFINITION_MAX_BYTES / 1024 / 1024} MB; it holds instructions, not data`,
    );
  }
  return parseFrontMatter(readFileSync(file, "utf8"));
}

/**
 * Reads a file whose front matter gives `name` and `description`. `fallbackName` stands in for a
 * missing name (Claude Code names a skill after its folder); with `describeFromBody`, a missing
 * description is the body's first paragraph, as Claude Code reads a skill's. An unreadable file, bad front matter or a
 * missing field is a warning naming the file (`Skipped <kind> <file>: …`), and undefined; `skip`
 * makes the same warning for the caller's own checks.
 */
export function readNamedDefinition(
  file: string,
  kind: string,
  warnings: string[],
  options: { fallbackName?: string; describeFromBody?: boolean } = {},
): { definition?: NamedDefinition; skip: (why: string) => undefined } {
  const skip = (why: string) => {
    warnings.push(`Skipped ${kind} ${file}: ${why}.`);
    return undefined;
  };
  let parsed: FrontMatter;
  try {
    parsed = readDefinitionFile(file);
  } catch (error) {
    return { skip, definition: skip((error as Error).message) };
  }
  const name = stringField(parsed.data, "name") ?? options.fallbackName;
  const description =
    stringField(parsed.data, "description") ?? (options.describeFromBody ? firstParagraph(parsed.body) : undefined);
  if (!name) return { skip, definition: skip('its front matter has no "name"') };
  if (!description) return { skip, definition: skip('its front matter has no "description"') };
  return { skip, definition: { ...parsed, name, description } };
}

/** The body's first paragraph, as one line (a heading's `#` marks dropped); undefined for an empty body. */
export function firstParagraph(body: string): string | undefined {
  const paragraph: string[] = [];
  for (const line of body.split("\n")) {
    const text = line.trim();
    if (!text) {
      if (paragraph.length) break;
      continue;
    }
    if (text.startsWith("#")) {
      if (paragraph.length) break;
      return text.replace(/^#+\s*/, "") || undefined;
    }
    paragraph.push(text);
  }
  const joined = paragraph.join(" ").trim();
  return joined || undefined;
}
