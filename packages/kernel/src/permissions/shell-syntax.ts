/**
 * A shell command line as bash would split it, for the permission rules: quotes, escapes,
 * `$'…'`, `$(…)`, backquotes, subshells and here-documents are followed, so a command is cut
 * into the parts bash would run and each part into its words. Nothing here runs anything.
 */

/** One shell word. */
export interface ShellWord {
  /** As written, quotes included: what allow patterns match. */
  raw: string;
  /** As the program receives it, quotes and escapes removed. */
  value: string;
}

export interface ScannedCommand {
  /** Top-level simple commands, split on `&&`, `||`, `;`, `|`, `&`, newlines and `( )`. */
  parts: string[];
  /** Bodies of `$(…)`, backticks, `<(…)`, `>(…)` and expanding here-documents: code the parts run implicitly. */
  substitutions: string[];
  /** A quote or substitution never closed: the shell would reject it, or this scanner misread it. */
  unterminated: boolean;
}

type Context = "'" | "$'" | '"' | "`" | "$(" | "(";

/**
 * Splits a command line the way the shell would, tracking quotes and nesting well enough that
 * an operator inside quotes or `$(…)` does not split, and one outside always does.
 */
export function scanCommand(command: string): ScannedCommand {
  const parts: string[] = [];
  const substitutions: string[] = [];
  const stack: Context[] = [];
  const pendingHereDocs: Array<{ delimiter: string; stripTabs: boolean; expands: boolean }> = [];
  let current = "";
  let bodyStart = 0;
  // `#` starts a comment only at the start of a word (`a#b` and `a\ #b` are words).
  let atWordStart = true;
  // The previous character if it was plain unquoted text: `>&` is a redirection, `\>&` is not.
  let plainBefore = "";

  const inSubstitution = () => stack.some((context) => context === "$(" || context === "`");
  const open = (context: Context, start: number) => {
    if (!inSubstitution()) bodyStart = start;
    stack.push(context);
  };
  const close = (end: number) => {
    const closed = stack.pop();
    if ((closed === "$(" || closed === "`") && !inSubstitution()) substitutions.push(command.slice(bodyStart, end));
  };
  const flush = () => {
    if (current.trim()) parts.push(current.trim());
    current = "";
  };
  /** Skips the here-document bodies that start after the newline at `index`; returns the new index. */
  const skipHereDocs = (index: number): number => {
    let lineStart = index + 1;
    for (const doc of pendingHereDocs.splice(0)) {
      const bodyFrom = lineStart;
      for (;;) {
        const lineEnd = command.indexOf("\n", lineStart);
        const line = command.slice(lineStart, lineEnd === -1 ? command.length : lineEnd);
        const atEnd = lineEnd === -1;
        const isDelimiter = (doc.stripTabs ? line.replace(/^\t+/, "") : line) === doc.delimiter;
        if (isDelimiter || atEnd) {
          const body = command.slice(bodyFrom, isDelimiter ? lineStart : command.length);
          if (doc.expands && /\$\(|`/.test(body)) substitutions.push(body);
          lineStart = atEnd ? command.length : lineEnd + 1;
          break;
        }
        lineStart = lineEnd + 1;
      }
    }
    return lineStart - 1;
  };

  for (let index = 0; index < command.length; index++) {
    const char = command[index]!;
    const next = command[index + 1];
    const context = stack[stack.length - 1];
    const startsWord = atWordStart;
    const previous = plainBefore;
    atWordStart = false;
    plainBefore = "";

    if (context === "'") {
      current += char;
      if (char === "'") stack.pop();
      continue;
    }
    if (char === "\\") {
      // A backslash-newline joins lines; any other escaped character is literal.
      if (next !== "\n") current += char + (next ?? "");
      index++;
      continue;
    }
    if (context === "$'") {
      current += char;
      if (char === "'") stack.pop();
      continue;
    }
    if (context === "`") {
      current += char;
      if (char === "`") close(index);
      continue;
    }
    if (context === '"') {
      current += char;
      if (char === '"') stack.pop();
      else if (char === "`") open("`", index + 1);
      else if (char === "$" && next === "(") {
        current += next;
        open("$(", ++index + 1);
      }
      continue;
    }

    // Unquoted: at top level, or inside `$(…)`.
    if (char === "#" && startsWord) {
      const end = command.indexOf("\n", index);
      index = (end === -1 ? command.length : end) - 1;
      atWordStart = true;
      continue;
    }
    if (char === "'" || char === '"') {
      stack.push(char);
      current += char;
      continue;
    }
    if (char === "$" && next === "'") {
      stack.push("$'");
      current += char + next;
      index++;
      continue;
    }
    if (char === "`") {
      open("`", index + 1);
      current += char;
      continue;
    }
    if ((char === "$" || char === "<" || char === ">") && next === "(") {
      current += char + next;
      open("$(", ++index + 1);
      continue;
    }
    if (char === "<" && next === "<") {
      index = readHereDocOperator(command, index, pendingHereDocs, (text) => {
        current += text;
      });
      continue;
    }
    if (char === "\n" && pendingHereDocs.length > 0) {
      if (context === undefined) flush();
      else current += char;
      index = skipHereDocs(index);
      atWordStart = true;
      continue;
    }
    atWordStart = /[\s;&|()]/.test(char);
    if (context === "$(" || context === "(") {
      current += char;
      if (char === "(") stack.push("(");
      else if (char === ")") close(index);
      continue;
    }

    if (char === ";" || char === "\n" || char === "(" || char === ")") {
      flush();
    } else if (char === "|") {
      // `>|` is a redirection; `||` and `|&` are one operator.
      if (previous === ">") current += char;
      else {
        flush();
        if (next === "|" || next === "&") index++;
      }
    } else if (char === "&") {
      // `2>&1`, `<&3` and `&>` are redirections; `&&` is one operator; a lone `&` ends a command.
      if (previous === ">" || previous === "<" || next === ">") current += char;
      else {
        flush();
        if (next === "&") index++;
      }
    } else {
      current += char;
      plainBefore = char;
    }
  }
  flush();
  // Unterminated `$(` or backtick: the shell would refuse it, but inspect what is there anyway.
  if (inSubstitution()) substitutions.push(command.slice(bodyStart));
  return { parts, substitutions, unterminated: stack.length > 0 };
}

/** Reads `<<EOF`, `<<-'EOF'` (or a `<<<` here-string) starting at `index`; returns the last index consumed. */
function readHereDocOperator(
  command: string,
  index: number,
  pending: Array<{ delimiter: string; stripTabs: boolean; expands: boolean }>,
  append: (text: string) => void,
): number {
  if (command[index + 2] === "<") {
    append("<<<");
    return index + 2;
  }
  const stripTabs = command[index + 2] === "-";
  let end = index + (stripTabs ? 3 : 2);
  while (command[end] === " " || command[end] === "\t") end++;
  const wordStart = end;
  while (end < command.length && !/[\s;&|<>()]/.test(command[end]!)) end++;
  const word = command.slice(wordStart, end);
  append(command.slice(index, end));
  // A quoted delimiter (`'EOF'`, `"EOF"`, `\EOF`) means the body is literal; otherwise `$(…)` in it runs.
  pending.push({ delimiter: word.replace(/['"\\]/g, ""), stripTabs, expands: !/['"\\]/.test(word) });
  return end - 1;
}

/** The top-level simple commands of a command line. */
export function splitCommand(command: string): string[] {
  return scanCommand(command).parts;
}

/**
 * `$(…)`, backticks and process substitution hide a command inside the command, so no allow rule
 * covers them. Deliberately blind to quoting: a false alarm only costs a prompt.
 */
export function hasCommandSubstitution(command: string): boolean {
  return /\$\(|`|[<>]\(/.test(command);
}

/** A here-document's body is not shell syntax, so the parts after it cannot be trusted for allowing. */
export function hasHereDocument(command: string): boolean {
  return /(?<!<)<<(?!<)/.test(command);
}

/** Splits one simple command into words, honouring quotes and backslashes. */
export function shellWords(part: string): ShellWord[] {
  const words: ShellWord[] = [];
  let raw = "";
  let value = "";
  let inWord = false;
  let quote: "'" | '"' | "$'" | undefined;
  for (let index = 0; index < part.length; index++) {
    const char = part[index]!;
    const next = part[index + 1];
    if (quote === "'" || (quote === "$'" && char !== "\\")) {
      raw += char;
      if (char === "'") quote = undefined;
      else value += char;
      continue;
    }
    if (quote === "$'") {
      // `$'\x2ddelete'` is `-delete` to the program: decode it, so rules see what runs.
      const decoded = readAnsiCEscape(part, index);
      raw += part.slice(index, decoded.end);
      value += decoded.text;
      index = decoded.end - 1;
      continue;
    }
    if (char === "\\") {
      raw += char + (next ?? "");
      // Inside double quotes a backslash escapes only `"`, `\`, `$` and backtick.
      value += quote === '"' && !/["\\$`]/.test(next ?? "") ? char + (next ?? "") : (next ?? "");
      inWord = true;
      index++;
      continue;
    }
    if (quote === '"') {
      raw += char;
      if (char === '"') quote = undefined;
      else value += char;
      continue;
    }
    if (char === " " || char === "\t" || char === "\n") {
      if (inWord) words.push({ raw, value });
      raw = "";
      value = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (char === "$" && next === "'") {
      quote = "$'";
      raw += "$'";
      index++;
    } else if (char === "'" || char === '"') {
      quote = char;
      raw += char;
    } else {
      raw += char;
      value += char;
    }
  }
  if (inWord) words.push({ raw, value });
  return words;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** The character a backslash escape at `index` inside `$'…'` stands for, as bash decodes it. */
function readAnsiCEscape(text: string, index: number): { text: string; end: number } {
  const next = text[index + 1];
  if (next === undefined) return { text: "\\", end: index + 1 };
  const simple = SIMPLE_ESCAPES[next];
  if (simple !== undefined) return { text: simple, end: index + 2 };
  const numeric = (pattern: RegExp, radix: number, skip: number) => {
    const digits = pattern.exec(text.slice(index + skip))?.[0] ?? "";
    if (!digits) return undefined;
    const code = Number.parseInt(digits, radix);
    return { text: code <= 0x10ffff ? String.fromCodePoint(code) : "", end: index + skip + digits.length };
  };
  const decoded =
    next === "x"
      ? numeric(/^[0-9a-fA-F]{1,2}/, 16, 2)
      : next === "u"
        ? numeric(/^[0-9a-fA-F]{1,4}/, 16, 2)
        : next === "U"
          ? numeric(/^[0-9a-fA-F]{1,8}/, 16, 2)
          : /[0-7]/.test(next)
            ? numeric(/^[0-7]{1,3}/, 8, 1)
            : next === "c" && text[index + 2]
              ? { text: String.fromCharCode(text.charCodeAt(index + 2) & 0x1f), end: index + 3 }
              : undefined;
  return decoded ?? { text: `\\${next}`, end: index + 2 };
}
