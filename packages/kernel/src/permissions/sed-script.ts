/**
 * Whether a sed script can do more than print: GNU sed's `e` runs a shell command, `w`/`W` and
 * the `s///w` flag write files, `s///e` runs the pattern space. A script this reader does not
 * follow counts as risky, so an allow rule for `sed` never covers what it cannot see.
 */
export function sedScriptRisky(script: string): boolean {
  let index = 0;
  const at = () => script[index];
  const skipTo = (stop: RegExp) => {
    while (index < script.length && !stop.test(script[index]!)) index++;
  };
  /** Skips a delimited field (`/re/`), honouring backslash escapes; false when it never closes. */
  const field = (delimiter: string): boolean => {
    while (index < script.length) {
      const char = script[index++]!;
      if (char === "\\") index++;
      else if (char === delimiter) return true;
      else if (char === "\n") return false;
    }
    return false;
  };
  const address = (): boolean => {
    const char = at();
    if (char === undefined) return true;
    if (/[0-9$]/.test(char)) {
      index++;
      skipTo(/[^0-9~]/);
    } else if (char === "/") {
      index++;
      if (!field("/")) return false;
      skipTo(/[^IM]/);
    } else if (char === "\\") {
      const delimiter = script[index + 1];
      index += 2;
      if (delimiter === undefined || !field(delimiter)) return false;
      skipTo(/[^IM]/);
    }
    return true;
  };

  while (index < script.length) {
    skipTo(/[^\s;{}]/);
    if (index >= script.length) return false;
    if (!address()) return true;
    if (at() === ",") {
      index++;
      if (at() === "+" || at() === "~") index++;
      if (!address()) return true;
    }
    skipTo(/[^\s!]/);
    const command = script[index++];
    switch (command) {
      case undefined:
        return false;
      case "{":
        break;
      case "s": {
        const delimiter = script[index++];
        if (delimiter === undefined || delimiter === "\n" || delimiter === "\\") return true;
        if (!field(delimiter) || !field(delimiter)) return true;
        const start = index;
        skipTo(/[^A-Za-z0-9]/);
        if (/[ew]/.test(script.slice(start, index))) return true;
        break;
      }
      case "y": {
        const delimiter = script[index++];
        if (delimiter === undefined || delimiter === "\n" || !field(delimiter) || !field(delimiter)) return true;
        break;
      }
      case "e":
      case "w":
      case "W":
        return true;
      // Reads a file, appends, inserts or changes text, a label or a comment: the rest of the line.
      case "r":
      case "R":
      case "a":
      case "i":
      case "c":
      case "#":
        skipTo(/\n/);
        break;
      case ":":
      case "b":
      case "t":
      case "T":
        skipTo(/[;\n}]/);
        break;
      case "q":
      case "Q":
      case "l":
      case "L":
        skipTo(/[^0-9\s]/);
        break;
      default:
        if (!"=dDgGhHnNpPxzF".includes(command)) return true;
    }
  }
  return false;
}

/** Whether an awk program can run commands or write files (`system()`, `|`, `>`, `getline`, `@load`). */
export function awkProgramRisky(program: string): boolean {
  return /system|getline|[|>]|@/.test(program);
}
