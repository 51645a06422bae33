import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { text, workspace } from "./context.fixture.js";
import { read } from "./read.js";

const notebook = {
  cells: [
    { cell_type: "markdown", id: "intro", metadata: {}, source: ["# Sales\n", "Quarterly figures."] },
    {
      cell_type: "code",
      id: "load",
      metadata: {},
      execution_count: 7,
      source: "df = load()\ndf.head()",
      outputs: [
        { output_type: "stream", name: "stdout", text: ["loaded 3 rows\n"] },
        {
          output_type: "execute_result",
          execution_count: 7,
          data: { "text/plain": ["   a  b\n", "0  1  2"], "text/html": "<table/>" },
          metadata: {},
        },
        { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=" }, metadata: {} },
        {
          output_type: "error",
          ename: "KeyError",
          evalue: "'c'",
          traceback: ["\u001b[0;31mKeyError\u001b[0m: 'c'"],
        },
      ],
    },
  ],
  metadata: { language_info: { name: "python" } },
  nbformat: 4,
  nbformat_minor: 5,
};

describe("read on a notebook", () => {
  it("shows each cell with its index, id, type and count, then its outputs as text", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "sales.ipynb"), JSON.stringify(notebook, null, 1));
    const result = await read.execute({ path: "sales.ipynb" }, ws.ctx);
    expect(text(result)).toBe(
      [
        "Jupyter notebook: 2 cells (python)",
        "",
        "<cell 0 id=intro markdown>",
        "# Sales",
        "Quarterly figures.",
        "</cell 0>",
        "",
        "<cell 1 id=load code [7]>",
        "df = load()",
        "df.head()",
        "--- output stdout",
        "loaded 3 rows",
        "--- output",
        "   a  b",
        "0  1  2",
        "[output also as text/html]",
        "[output also as image/png]",
        "--- error",
        "KeyError: 'c'",
        "</cell 1>",
      ].join("\n"),
    );
    expect(result.details).toMatchObject({ notebook: true });
  });

  it("pages a long notebook by its shown lines, and reads a broken one as plain text", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "n.ipynb"), JSON.stringify(notebook));
    const page = await read.execute({ path: "n.ipynb", offset: 3, limit: 2 }, ws.ctx);
    expect(text(page)).toBe("<cell 0 id=intro markdown>\n# Sales\n(showing lines 3-4 of 20; use offset to read more)");
    writeFileSync(join(ws.dir, "broken.ipynb"), '{"cells": "nope"}\n');
    expect(text(await read.execute({ path: "broken.ipynb" }, ws.ctx))).toBe('1\t{"cells": "nope"}');
  });
});
