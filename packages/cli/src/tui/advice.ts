/**
 * Advice written for the command line, in the terminal UI's words: there, another model is one
 * `/model` away, not a new run with `--model`. Messages come from providers and the kernel, which
 * know nothing of the front end that shows them.
 */
export function terminalAdvice(message: string): string {
  return message
    .replace(/\b(?:run|start) (?:again )?with another --model\b/g, "switch with /model")
    .replace(/(^|[\s(`])--model(?=[\s).,`]|$)/g, "$1/model");
}
