/** A run of text in one style; a line is a list of spans. Components turn these into Ink `<Text>`. */
export interface Span {
  text: string;
  color?: string | undefined;
  bold?: boolean;
  italic?: boolean;
  dim?: boolean;
  underline?: boolean;
  strikethrough?: boolean;
  inverse?: boolean;
}

export type StyledLine = Span[];

export function plain(text: string, style: Omit<Span, "text"> = {}): StyledLine {
  return [{ text, ...style }];
}

/** The line's text without styles: what tests and width checks look at. */
export function lineText(line: StyledLine): string {
  return line.map((span) => span.text).join("");
}

/**
 * Removes what would let text drive the terminal (escape sequences, other control characters):
 * model output and tool output are shown, never interpreted. Tabs become spaces.
 */
export function sanitize(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping escape sequences is the point.
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g, "")
      .replace(/\t/g, "  ")
      .replace(/\r\n?/g, "\n")
      // C1 controls too (U+0080–U+009F): a terminal reads U+009D as the start of an OSC sequence
      // and U+009B as CSI, even though they come as UTF-8 text.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: see above.
      .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "")
  );
}
