import { stripEscapeSequences } from "./theme.js";

/** How long a plugin's description may be on a consent screen or in a list, in characters. */
export const MAX_SHOWN_DESCRIPTION = 200;

/**
 * A string from a manifest (a description, a name, a path) made safe to show as one line of a
 * terminal: escape sequences removed (colours, cursor moves, OSC 52 clipboard writes, titles),
 * every other control and format character removed (C0, C1, bidirectional overrides and
 * isolates, zero-width characters, lone surrogates), line breaks and tabs folded into single
 * spaces, and the length capped at `max` characters with an ellipsis. What is left cannot move
 * the cursor, hide text, or reorder what is around it.
 */
export function displayLine(value: unknown, max = MAX_SHOWN_DESCRIPTION): string {
  if (typeof value !== "string") return "";
  // Cut before the work as well as after: a 10 MB description costs no more than a short one.
  const looked = max * 4 + 1024;
  const plain = stripEscapeSequences(value.slice(0, looked))
    .replace(/[\r\n\t\v\f\u2028\u2029]+/g, " ")
    .replace(/\p{C}/gu, "")
    .trim();
  const chars = Array.from(plain);
  if (chars.length > max) return `${chars.slice(0, max - 1).join("")}…`;
  return value.length > looked ? `${plain}…` : plain;
}

/**
 * A string shown exactly, where the user must see what will run (a hook's shell command, the
 * command a permission question is about): nothing is removed or folded, but every control or
 * format character (ESC, bidirectional overrides, zero-width characters; newlines too, unless
 * `keepNewlines`) is written as a visible `⟨U+XXXX⟩`, so the text can neither drive the terminal
 * nor show something other than what runs. Capped at `max` characters, saying how many more there are.
 */
export function displayExact(value: string, max = 2000, options: { keepNewlines?: boolean } = {}): string {
  const kept = Array.from(value.slice(0, max * 2)).slice(0, max);
  const shown = kept
    .map((char) =>
      /\p{C}/u.test(char) && !(options.keepNewlines && char === "\n")
        ? `⟨U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}⟩`
        : char,
    )
    .join("");
  const rest = value.length - kept.join("").length;
  return rest > 0 ? `${shown}… (${rest} more characters)` : shown;
}

/**
 * JSON for a terminal or a pipe: the same value as JSON.stringify gives, with every control or
 * format character inside a string (C1 controls, bidirectional overrides, zero-width characters,
 * which JSON.stringify leaves raw) written as a `\uXXXX` escape, which parses back to the same
 * string. The layout's own newlines stay.
 */
export function jsonForTerminal(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(/(?!\n)\p{C}/gu, (char) =>
    Array.from(
      { length: char.length },
      (_, index) => `\\u${char.charCodeAt(index).toString(16).padStart(4, "0")}`,
    ).join(""),
  );
}
