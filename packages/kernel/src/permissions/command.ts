/**
 * Shell command matching with Claude Code's semantics: `npm test:*` is a prefix on word
 * boundaries, a compound command is judged part by part, and wrappers such as `sudo` or
 * `timeout 10` are looked through so `sudo rm -rf /` still meets a `bash(rm:*)` deny.
 */

const WRAPPERS = new Set(["sudo", "nohup", "nice", "time", "command", "builtin", "exec"]);

/** Split on `&&`, `||`, `;`, `|`, `&` and newlines outside quotes. */
export function splitCommand(command: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let index = 0; index < command.length; index++) {
    const char = command[index]!;
    if (quote) {
      current += char;
      if (char === "\\" && quote === '"') current += command[++index] ?? "";
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      current += char;
      continue;
    }
    if (char === "\\") {
      current += char + (command[++index] ?? "");
      continue;
    }
    if (char === ";" || char === "\n" || char === "|" || char === "&") {
      // `2>&1` and `&>` are redirections, not separators.
      if (char === "&" && (command[index - 1] === ">" || command[index + 1] === ">")) {
        current += char;
        continue;
      }
      if (current.trim()) parts.push(current.trim());
      current = "";
      if ((char === "|" || char === "&") && command[index + 1] === char) index++;
      continue;
    }
    current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** Words of one simple command with leading `VAR=x` assignments and wrappers removed. */
export function commandWords(part: string): string[] {
  const words = part.trim().split(/\s+/).filter(Boolean);
  let index = 0;
  for (;;) {
    const word = words[index];
    if (word === undefined) break;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
      index++;
    } else if (word === "env") {
      index++;
      while (words[index]?.startsWith("-")) index++;
    } else if (word === "timeout") {
      // Options (some with a value, like `-s KILL`) come before the duration.
      index++;
      while (words[index] !== undefined && !/^\d+(\.\d+)?[smhd]?$/.test(words[index]!)) index++;
      index++;
    } else if (WRAPPERS.has(word)) {
      index++;
      while (words[index]?.startsWith("-")) {
        // `sudo -u alice` and `nice -n 5` take a value.
        if (/^-[ugnC]$/.test(words[index]!)) index++;
        index++;
      }
    } else break;
  }
  return words.slice(index);
}

/** `$(…)` or backticks hide a command inside the command: never auto-allowed. */
export function hasCommandSubstitution(command: string): boolean {
  return /\$\(|`/.test(command);
}

/** Whether one simple command (no operators) matches a pattern. */
export function commandPartMatches(part: string, pattern: string): boolean {
  const normalized = commandWords(part).join(" ");
  if (pattern.endsWith(":*")) {
    const prefix = pattern.slice(0, -2).trim();
    return normalized === prefix || normalized.startsWith(`${prefix} `);
  }
  if (pattern.includes("*")) {
    const regex = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "s");
    return regex.test(normalized);
  }
  return normalized === pattern.trim();
}

/** For deny and ask rules: any part matching is enough. */
export function commandHitBy(command: string, pattern: string): boolean {
  return splitCommand(command).some((part) => commandPartMatches(part, pattern));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
