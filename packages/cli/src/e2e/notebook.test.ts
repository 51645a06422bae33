import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const notebook = {
  cells: [
    {
      cell_type: "code",
      id: "calc",
      metadata: {},
      execution_count: 1,
      source: ["print(1 + 1)"],
      outputs: [{ output_type: "stream", name: "stdout", text: ["2\n"] }],
    },
  ],
  metadata: { language_info: { name: "python" } },
  nbformat: 4,
  nbformat_minor: 5,
};

const toolText = (body: unknown, callId: string) =>
  (body as { messages: Array<{ role: string; tool_call_id?: string; content: string }> }).messages.find(
    (message) => message.role === "tool" && message.tool_call_id === callId,
  )?.content;

describe("notebooks through pincer -p", () => {
  it("the model reads a notebook's cells and outputs, then edits a cell by id (acceptEdits allows it)", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-notebook-0001", OPENAI_BASE_URL: server.url });
    const path = join(box.cwd, "calc.ipynb");
    writeFileSync(path, JSON.stringify(notebook, null, 1));
    server.enqueue([
      { toolCalls: [{ id: "r1", name: "read", arguments: { path: "calc.ipynb" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([
      {
        toolCalls: [
          {
            id: "e1",
            name: "notebook_edit",
            arguments: { path: "calc.ipynb", cell_id: "calc", new_source: "print(2 + 2)" },
          },
        ],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([
      {
        toolCalls: [
          {
            id: "e2",
            name: "notebook_edit",
            arguments: {
              path: "calc.ipynb",
              cell_id: "calc",
              edit_mode: "insert",
              cell_type: "markdown",
              new_source: "Done.",
            },
          },
        ],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "Edited." }, { finish: "stop" }]);
    const result = await box.run([
      "-p",
      "fix the notebook",
      "--model",
      "openai/gpt-5",
      "--permission-mode",
      "acceptEdits",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(toolText(server.requests.at(-3)!.body, "r1")).toContain(
      "<cell 0 id=calc code [1]>\nprint(1 + 1)\n--- output stdout\n2",
    );
    expect(toolText(server.requests.at(-1)!.body, "e2")).toContain("Inserted markdown cell 1");
    const saved = JSON.parse(readFileSync(path, "utf8"));
    expect(saved.cells[0]).toMatchObject({ id: "calc", source: ["print(2 + 2)"], outputs: [], execution_count: null });
    expect(saved.cells[1]).toMatchObject({ cell_type: "markdown", source: ["Done."] });
  });

  it("in default mode the edit is asked, so headless it is denied and the notebook is untouched", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-notebook-0001", OPENAI_BASE_URL: server.url });
    const path = join(box.cwd, "calc.ipynb");
    writeFileSync(path, JSON.stringify(notebook, null, 1));
    const before = readFileSync(path, "utf8");
    server.enqueue([
      {
        toolCalls: [{ id: "e1", name: "notebook_edit", arguments: { path: "calc.ipynb", index: 0, new_source: "x" } }],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "Could not." }, { finish: "stop" }]);
    const result = await box.run(["-p", "edit", "--model", "openai/gpt-5", "--output-format", "json"]);
    expect(JSON.parse(result.stdout).permission_denials).toEqual([
      expect.objectContaining({ tool_name: "notebook_edit" }),
    ]);
    expect(readFileSync(path, "utf8")).toBe(before);
  });
});
