import { stripVTControlCharacters } from "node:util";

/**
 * Text a server sent, made safe to show or to put in a prompt: terminal escape sequences are
 * removed whole (Node's own ANSI parser), then any control character left (carriage returns, C1
 * controls, a lone escape); newlines and tabs stay when asked.
 */
export function withoutControls(text: string, keepLines: boolean): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
  const controls = keepLines ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g;
  return stripVTControlCharacters(text).replace(controls, keepLines ? "" : " ");
}
