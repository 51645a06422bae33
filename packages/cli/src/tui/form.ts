import {
  checkAnswer,
  type McpElicitationAnswer,
  type McpElicitationField,
  type McpElicitationRequest,
  type McpElicitationValue,
  parseTypedValue,
} from "@pincer/mcp";

/**
 * An MCP server's form (elicitation) as the terminal asks it: each field is typed as text
 * (`yes`/`no`, a number, a choice by its name, choices separated by commas) and parsed into the
 * type the server asked for when the user sends it. A field left empty is not answered.
 */
export interface PendingForm {
  server: string;
  message: string;
  fields: McpElicitationField[];
  /** What the form starts with: the server's defaults, as text. */
  initial: string[];
  answer(answer: McpElicitationAnswer): void;
}

export function createForm(
  request: McpElicitationRequest,
  answer: (answer: McpElicitationAnswer) => void,
): PendingForm {
  return {
    server: request.server,
    message: request.message,
    fields: request.fields,
    initial: request.fields.map((field) => asText(field.default)),
    answer,
  };
}

/** The typed texts as the server's values, or what is wrong (the form stays open). */
export function readForm(form: PendingForm, texts: string[]): McpElicitationAnswer | string {
  const content: Record<string, McpElicitationValue> = {};
  for (const [index, field] of form.fields.entries()) {
    try {
      const value = parseTypedValue(field, texts[index] ?? "");
      if (value !== undefined) content[field.name] = value;
    } catch (error) {
      return (error as Error).message;
    }
  }
  return checkAnswer(form.fields, content) ?? { action: "accept", content };
}

/** What a field takes, shown beside it. */
export function fieldHint(field: McpElicitationField): string {
  if (field.type === "boolean") return "yes or no";
  if (field.options) {
    const names = field.options.map((option) => option.title).join(", ");
    return field.type === "array" ? `one or more of: ${names} (separated by commas)` : `one of: ${names}`;
  }
  if (field.type === "number" || field.type === "integer") {
    const range = [
      field.minimum !== undefined ? `≥ ${field.minimum}` : "",
      field.maximum !== undefined ? `≤ ${field.maximum}` : "",
    ];
    return [field.type === "integer" ? "a whole number" : "a number", ...range.filter(Boolean)].join(", ");
  }
  return field.format ? `text (${field.format})` : "text";
}

/**
 * The controller's handler for MCP forms: shows the form (`show`) until the user answers, or the
 * turn it belongs to is interrupted (then it is cancelled).
 */
export function terminalForms(show: (form: PendingForm | undefined) => void) {
  return (request: McpElicitationRequest, signal: AbortSignal): Promise<McpElicitationAnswer> =>
    new Promise((resolve) => {
      let open = true;
      const done = (answer: McpElicitationAnswer) => {
        if (!open) return;
        open = false;
        show(undefined);
        resolve(answer);
      };
      signal.addEventListener("abort", () => done({ action: "cancel" }), { once: true });
      show(createForm(request, done));
    });
}

function asText(value: McpElicitationValue | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return Array.isArray(value) ? value.join(", ") : String(value);
}
