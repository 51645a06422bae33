/**
 * Text a server sent, made safe to show or to put in a prompt: terminal control characters
 * (escape sequences, carriage returns, C1 controls) are removed; newlines and tabs stay when asked.
 */
export function withoutControls(text: string, keepLines: boolean): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
  const controls = keepLines ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g;
  return text.replace(controls, keepLines ? "" : " ");
}
