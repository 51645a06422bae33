import { elicitationFields } from "@pincer/mcp";
import { renderToString } from "ink";
import { createElement } from "react";
import { describe, expect, it } from "vitest";
import { createForm, readForm, terminalForms } from "./form.js";
import { FormView } from "./form-view.js";
import { createPalette, TERMINAL_THEME } from "./palette.js";

const palette = createPalette(TERMINAL_THEME, { color: false });
const schema = {
  type: "object",
  properties: {
    name: { type: "string", title: "Name", description: "Your full name" },
    agree: { type: "boolean", title: "Agree", default: false },
    count: { type: "integer", title: "Count", minimum: 1, maximum: 5, default: 2 },
    pet: {
      type: "string",
      title: "Pet",
      oneOf: [
        { const: "c", title: "Cat" },
        { const: "d", title: "Dog" },
      ],
    },
  },
  required: ["name"],
};
const request = (message = "Who are you?") => ({
  server: "everything",
  message,
  fields: elicitationFields(schema),
  schema,
});

describe("an MCP server's form in the terminal", () => {
  it("shows who asks, the message and each field with what it takes, defaults filled in", () => {
    const screen = renderToString(createElement(FormView, { form: createForm(request(), () => {}), palette }), {
      columns: 120,
    });
    expect(screen).toContain('The MCP server "everything" asks:');
    expect(screen).toContain("Who are you?");
    expect(screen).toContain("Name*:");
    expect(screen).toContain("Your full name");
    expect(screen).toContain("Agree: no  (yes or no)");
    expect(screen).toContain("Count: 2  (a whole number, ≥ 1, ≤ 5)");
    expect(screen).toContain("one of: Cat, Dog");
  });

  it("shows a hostile server's text as text, never as escape sequences", () => {
    const screen = renderToString(
      createElement(FormView, {
        form: createForm(request("hi\u001b[2J\u001b]52;c;ZXZpbA==\u0007 there"), () => {}),
        palette,
      }),
      { columns: 120 },
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
    expect(screen).not.toMatch(/[\u001b\u0007]/);
  });

  it("reads typed text as the server's types, and says what is missing or wrong", () => {
    const form = createForm(request(), () => {});
    expect(readForm(form, ["", "no", "2", ""])).toBe("Name is required");
    expect(readForm(form, ["Ada", "maybe", "2", ""])).toBe("Agree: answer yes or no");
    expect(readForm(form, ["Ada", "yes", "9", ""])).toBe("Count must be at most 5");
    expect(readForm(form, ["Ada", "yes", "3", "dog"])).toEqual({
      action: "accept",
      content: { name: "Ada", agree: true, count: 3, pet: "d" },
    });
  });

  it("cancels a form whose turn is interrupted, and hides it", async () => {
    const shown: unknown[] = [];
    const controller = new AbortController();
    const answer = terminalForms((form) => shown.push(form))(request(), controller.signal);
    expect(shown).toHaveLength(1);
    controller.abort();
    expect(await answer).toEqual({ action: "cancel" });
    expect(shown.at(-1)).toBeUndefined();
  });
});
