import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/**
 * For a plugin granted named commands (`"spawn": ["git"]`) rather than a shell: the command
 * line must be one simple command. Anything the shell would turn into a second program — `;`,
 * `&&`, pipes, redirections, `$(…)`, backquotes, variable expansion, a `VAR=value` prefix
 * (`PATH=/tmp/x git`) — is refused, so `git status; curl evil` cannot ride on a git grant.
 * Quoting stays allowed: `git commit -m "fix: a; b"` is one command.
 */
export function singleCommand(command: string): { words: string[] } | { refused: string } {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const char = command[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === "$" || char === "`") return { refused: `"${char}" expands inside double quotes` };
      else if (char === "\\" && i + 1 < command.length) word += command[++i];
      else word += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\" && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (char === " " || char === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (/[;&|<>()$`\n\r{}]/.test(char)) {
      return { refused: `"${char}" would let the shell run more than the granted command` };
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) return { refused: "an unclosed quote" };
  if (inWord) words.push(word);
  const [program] = words;
  if (!program) return { refused: "an empty command" };
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(program)) {
    return { refused: `a variable assignment (${program.split("=")[0]}=…) before the command` };
  }
  return { words };
}

/** The program of a single command (see singleCommand). */
export function singleProgram(command: string): { program: string } | { refused: string } {
  const parsed = singleCommand(command);
  return "refused" in parsed ? parsed : { program: parsed.words[0] as string };
}

/**
 * Where `program` lives on `path` (the user's PATH): an absolute path, so what runs is what was
 * looked up, whatever the child's environment says. A name with a slash is never looked up.
 */
export function findProgram(program: string, path: string): string | undefined {
  if (program.includes("/")) return undefined;
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
