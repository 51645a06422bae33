/** A prompt a server offers (prompts/list), as `/mcp__<server>__<prompt>` in Pincer. */
export interface McpPromptInfo {
  /** What the user types after `/`. */
  command: string;
  server: string;
  name: string;
  description?: string;
  arguments: Array<{ name: string; description?: string; required?: boolean }>;
}

/** The usage hint completion shows: `<required> [optional]`. */
export function promptUsage(prompt: McpPromptInfo): string {
  return prompt.arguments
    .map((argument) => (argument.required ? `<${argument.name}>` : `[${argument.name}]`))
    .join(" ");
}

/**
 * What was typed after the command, as the prompt's named arguments: `key=value` words name one,
 * the other words fill the declared arguments in order, and the last declared argument takes
 * whatever words are left. A required argument left empty is an error that says which.
 */
export function promptArguments(prompt: McpPromptInfo, words: string[]): Record<string, string> {
  const named: Record<string, string> = {};
  const positional: string[] = [];
  const declared = new Set(prompt.arguments.map((argument) => argument.name));
  for (const word of words) {
    const pair = /^([A-Za-z_][\w-]*)=([\s\S]*)$/.exec(word);
    if (pair && declared.has(pair[1]!)) named[pair[1]!] = pair[2]!;
    else positional.push(word);
  }
  const open = prompt.arguments.filter((argument) => !(argument.name in named));
  open.forEach((argument, index) => {
    const value = index === open.length - 1 ? positional.slice(index).join(" ") : positional[index];
    if (value) named[argument.name] = value;
  });
  const missing = prompt.arguments.filter((argument) => argument.required && !named[argument.name]);
  if (missing.length > 0) {
    throw new Error(
      `/${prompt.command} needs ${missing.map((argument) => argument.name).join(", ")}: /${prompt.command} ${promptUsage(prompt)}`,
    );
  }
  return named;
}

/** A prompts/get answer as the text of one user prompt (each message's text, in order). */
export function promptText(messages: Array<{ role: string; content: unknown }>): string {
  return messages
    .map((message) => {
      const content = message.content as { type?: string; text?: string; resource?: { text?: string; uri?: string } };
      if (content?.type === "text" && typeof content.text === "string") return content.text;
      if (content?.type === "resource" && content.resource) {
        return content.resource.text ?? `[resource ${content.resource.uri ?? ""}]`;
      }
      return `[${content?.type ?? "content"}]`;
    })
    .join("\n\n");
}
