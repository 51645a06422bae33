import { readFileSync } from "node:fs";

/**
 * The small YAML subset SKILL.md and agent files use in their front matter: `key: value` with
 * plain or quoted scalars, inline `[a, b]` and block `- item` lists, `|` and `>` block scalars,
 * and `#` comments. Anything else is an error naming the line, so a bad file is skipped with a
 * message the user can act on rather than read half-right.
 */
export type FrontMatterValue = string | string[];

export interface FrontMatter {
  data: Record<string, FrontMatterValue>;
  body: string;
}

export class FrontMatterError extends Error {}

/** Splits `---`-fenced front matter from the body. No opening fence: no data, the whole text is the body. */
export function parseFrontMatter(text: string): FrontMatter {
  const source = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const lines = source.split("\n");
  if (lines[0]?.trim() !== "---") return { data: {}, body: source };
  const end = lines.findIndex((line, index) => index > 0 && line.trim() === "---");
  if (end < 0) throw new FrontMatterError("the front matter opened with --- is never closed by a --- line");
  return { data: parseBlock(lines.slice(1, end)), body: lines.slice(end + 1).join("\n") };
}

function parseBlock(lines: string[]): Record<string, FrontMatterValue> {
  const data: Record<string, FrontMatterValue> = {};
  let index = 0;
  // Line numbers count from the file's first line, the opening fence.
  const where = (at: number) => `line ${at + 2}`;
  while (index < lines.length) {
    const line = lines[index]!;
    if (!line.trim() || line.trimStart().startsWith("#")) {
      index++;
      continue;
    }
    const match = /^([A-Za-z0-9_-]+)\s*:(?:\s+(.*))?$/.exec(line.trimEnd());
    if (!match || line.startsWith(" ")) {
      throw new FrontMatterError(`${where(index)}: expected "key: value", got "${line.trim()}"`);
    }
    const key = match[1]!;
    const rest = stripComment(match[2] ?? "");
    index++;
    // Indented lines after the key belong to it (a block list or a block scalar).
    const nested: string[] = [];
    while (index < lines.length && (/^\s+\S/.test(lines[index]!) || !lines[index]!.trim())) {
      nested.push(lines[index]!);
      index++;
    }
    while (nested.length && !nested.at(-1)!.trim()) nested.pop();
    if (rest === "|" || rest === ">" || /^[|>][-+]?$/.test(rest)) {
      data[key] = blockScalar(nested, rest.startsWith(">"));
    } else if (rest === "" && nested.length) {
      data[key] = nested
        .filter((item) => item.trim() && !item.trim().startsWith("#"))
        .map((item) => {
          const entry = /^\s+-\s*(.*)$/.exec(item);
          if (!entry) throw new FrontMatterError(`${where(index - 1)}: under "${key}", expected "- item" lines`);
          return scalar(stripComment(entry[1]!), where(index - 1));
        });
    } else if (nested.length) {
      // A plain scalar folded over several lines.
      data[key] = [scalar(rest, where(index)), ...nested.map((item) => item.trim())].filter(Boolean).join(" ");
    } else if (rest.startsWith("[")) {
      if (!rest.endsWith("]")) throw new FrontMatterError(`${where(index - 1)}: the list for "${key}" is not closed`);
      const inner = rest.slice(1, -1).trim();
      data[key] = inner ? splitInline(inner).map((item) => scalar(item.trim(), where(index - 1))) : [];
    } else {
      data[key] = scalar(rest, where(index - 1));
    }
  }
  return data;
}

function blockScalar(lines: string[], folded: boolean): string {
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length));
  const stripped = lines.map((line) => line.slice(Number.isFinite(indent) ? indent : 0));
  return folded ? stripped.join(" ").replace(/\s+/g, " ").trim() : stripped.join("\n");
}

function scalar(value: string, where: string): string {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    if (value.length < 2 || value.at(-1) !== quote) throw new FrontMatterError(`${where}: unterminated quoted string`);
    const inner = value.slice(1, -1);
    if (quote === "'") return inner.replace(/''/g, "'");
    return inner.replace(/\\(["\\nt])/g, (_, char: string) => ({ n: "\n", t: "\t" })[char] ?? char);
  }
  return value;
}

/** `a, "b, c"` → [`a`, `"b, c"`]: commas inside quotes stay. */
function splitInline(text: string): string[] {
  const items: string[] = [];
  let current = "";
  let quote = "";
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = "";
    } else if (char === '"' || char === "'") quote = char;
    else if (char === ",") {
      items.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  items.push(current);
  return items;
}

/** `value # note` → `value`; a `#` inside quotes or without a space before it stays. */
function stripComment(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('"') || trimmed.startsWith("'")) return trimmed;
  return trimmed.replace(/\s+#.*$/, "").trim();
}

/** A front-matter field as one string: lists are joined with commas; absent or blank is undefined. */
export function stringField(data: Record<string, FrontMatterValue>, key: string): string | undefined {
  const value = data[key];
  const text = Array.isArray(value) ? value.join(", ") : value;
  return text?.trim() ? text.trim() : undefined;
}

/** A front-matter field as a list: `a, b`, `[a, b]` and `- a` lines all work. */
export function listField(data: Record<string, FrontMatterValue>, key: string): string[] | undefined {
  const value = data[key];
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : value.split(",");
  return items.map((item) => item.trim()).filter(Boolean);
}

/** A markdown definition that names itself: a skill's SKILL.md or an agent file. */
export interface NamedDefinition extends FrontMatter {
  name: string;
  description: string;
}

/**
 * Reads a file whose front matter must give `name` and `description`. An unreadable file, bad
 * front matter or a missing field is a warning naming the file (`Skipped <kind> <file>: …`), and
 * undefined; `skip` makes the same warning for the caller's own checks.
 */
export function readNamedDefinition(
  file: string,
  kind: string,
  warnings: string[],
): { definition?: NamedDefinition; skip: (why: string) => undefined } {
  const skip = (why: string) => {
    warnings.push(`Skipped ${kind} ${file}: ${why}.`);
    return undefined;
  };
  let parsed: FrontMatter;
  try {
    parsed = parseFrontMatter(readFileSync(file, "utf8"));
  } catch (error) {
    return { skip, definition: skip((error as Error).message) };
  }
  const name = stringField(parsed.data, "name");
  const description = stringField(parsed.data, "description");
  if (!name) return { skip, definition: skip('its front matter has no "name"') };
  if (!description) return { skip, definition: skip('its front matter has no "description"') };
  return { skip, definition: { ...parsed, name, description } };
}
