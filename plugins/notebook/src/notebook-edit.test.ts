import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PluginToolContext } from "@pincer/sdk";
import { createEnvCapability, createExecCapability, createFsCapability } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { notebookEdit } from "./notebook-edit.js";

/** A tool context over a temp workspace, granted what the manifest asks for (the workspace). */
function workspace() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-notebook-")));
  const ctx: PluginToolContext = {
    toolCallId: "call_test",
    cwd: dir,
    signal: new AbortController().signal,
    onUpdate: () => {},
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [dir] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: [] }),
    state: new Map(),
  };
  return { dir, ctx, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A notebook as Jupyter writes it: one-space indent, nbformat 4.5 with cell ids. */
function notebook(minor = 5) {
  return `${JSON.stringify(
    {
      cells: [
        { cell_type: "markdown", id: "intro", metadata: {}, source: ["# Title\n", "Some words"] },
        {
          cell_type: "code",
          id: "load",
          metadata: { tags: ["keep"] },
          execution_count: 3,
          source: ["import pandas as pd\n", "df = pd.read_csv('x.csv')"],
          outputs: [{ output_type: "stream", name: "stdout", text: ["loaded\n"] }],
        },
        { cell_type: "code", id: "plot", metadata: {}, execution_count: 4, source: "df.plot()", outputs: [] },
      ],
      metadata: { kernelspec: { name: "python3", display_name: "Python 3" }, language_info: { name: "python" } },
      nbformat: 4,
      nbformat_minor: minor,
    },
    null,
    1,
  )}\n`;
}

type Cells = Array<Record<string, unknown>>;
const cellsOf = (path: string) => (JSON.parse(readFileSync(path, "utf8")) as { cells: Cells }).cells;

describe("notebook_edit", () => {
  it("replaces a cell by id: new source as nbformat lines, outputs and count cleared, the rest untouched", async () => {
    using ws = workspace();
    const path = join(ws.dir, "analysis.ipynb");
    writeFileSync(path, notebook());
    const result = await notebookEdit.execute(
      { path: "analysis.ipynb", cell_id: "load", new_source: "import polars as pl\ndf = pl.read_csv('x.csv')\n" },
      ws.ctx,
    );
    expect(result.isError).toBeUndefined();
    expect(result.content).toBe(`Replaced cell 1 (id load) of ${path}; it now has 3 cells.`);
    const cells = cellsOf(path);
    expect(cells[1]).toEqual({
      cell_type: "code",
      id: "load",
      metadata: { tags: ["keep"] },
      execution_count: null,
      source: ["import polars as pl\n", "df = pl.read_csv('x.csv')\n"],
      outputs: [],
    });
    expect(cells[0]).toEqual({ cell_type: "markdown", id: "intro", metadata: {}, source: ["# Title\n", "Some words"] });
    // Written as Jupyter writes: one-space indent, a final newline, metadata kept.
    const text = readFileSync(path, "utf8");
    expect(text.startsWith('{\n "cells": [')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text).metadata.kernelspec.name).toBe("python3");
  });

  it("inserts after a cell named by index, or first; new cells get fresh ids in nbformat 4.5", async () => {
    using ws = workspace();
    const path = join(ws.dir, "n.ipynb");
    writeFileSync(path, notebook());
    await notebookEdit.execute(
      { path, index: 2, edit_mode: "insert", cell_type: "markdown", new_source: "## Results" },
      ws.ctx,
    );
    await notebookEdit.execute({ path, edit_mode: "insert", new_source: "%matplotlib inline" }, ws.ctx);
    const cells = cellsOf(path);
    expect(cells.map((cell) => cell.cell_type)).toEqual(["code", "markdown", "code", "code", "markdown"]);
    expect(cells[4]).toMatchObject({ cell_type: "markdown", metadata: {}, source: ["## Results"] });
    expect(cells[4]).not.toHaveProperty("outputs");
    expect(cells[0]).toMatchObject({ source: ["%matplotlib inline"], outputs: [], execution_count: null });
    const ids = cells.map((cell) => cell.id);
    expect(new Set(ids).size).toBe(5);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}$/);
  });

  it("deletes a cell; an older nbformat 4 notebook gets no ids on new cells", async () => {
    using ws = workspace();
    const path = join(ws.dir, "old.ipynb");
    writeFileSync(path, notebook(2));
    await notebookEdit.execute({ path, cell_id: "intro", edit_mode: "delete" }, ws.ctx);
    await notebookEdit.execute({ path, edit_mode: "insert", new_source: "x = 1" }, ws.ctx);
    const cells = cellsOf(path);
    expect(cells.map((cell) => cell.id)).toEqual([undefined, "load", "plot"]);
  });

  it("changes a code cell into markdown (outputs dropped) when cell_type is given", async () => {
    using ws = workspace();
    const path = join(ws.dir, "n.ipynb");
    writeFileSync(path, notebook());
    await notebookEdit.execute(
      { path, index: 1, cell_type: "markdown", new_source: "Loading is done elsewhere." },
      ws.ctx,
    );
    expect(cellsOf(path)[1]).toEqual({
      cell_type: "markdown",
      id: "load",
      metadata: { tags: ["keep"] },
      source: ["Loading is done elsewhere."],
    });
  });

  it("says what is wrong, and writes nothing, for a missing cell, a bad index or a missing source", async () => {
    using ws = workspace();
    const path = join(ws.dir, "n.ipynb");
    writeFileSync(path, notebook());
    const before = readFileSync(path, "utf8");
    const missing = await notebookEdit.execute({ path, cell_id: "nope", new_source: "x" }, ws.ctx);
    expect(missing).toMatchObject({
      isError: true,
      content: expect.stringContaining("Its cell ids: intro, load, plot"),
    });
    const past = await notebookEdit.execute({ path, index: 3, edit_mode: "delete" }, ws.ctx);
    expect(past.content).toContain("there is no cell 3: the notebook has 3 (0 to 2)");
    const noSource = await notebookEdit.execute({ path, cell_id: "load" }, ws.ctx);
    expect(noSource.content).toBe("edit_mode replace needs new_source.");
    const unnamed = await notebookEdit.execute({ path, new_source: "x" }, ws.ctx);
    expect(unnamed.content).toContain("name the cell with cell_id or index");
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it("refuses hostile or broken files as notebooks, leaving them as they were", async () => {
    using ws = workspace();
    const cases: Array<[string, string]> = [
      ["{ not json", "it is not valid JSON"],
      ["[1, 2]", "it is not a JSON object"],
      ['{"cells": {"0": {}}}', 'it has no "cells" list'],
      ['{"cells": [null]}', "its cell 0 is not a cell"],
      ['{"cells": [], "nbformat": 3}', "only nbformat 4 notebooks are edited"],
      ['{"cells": [{"cell_type": "code", "__proto__": {"polluted": true}}]}', "name the cell"],
    ];
    for (const [text, problem] of cases) {
      const path = join(ws.dir, "bad.ipynb");
      writeFileSync(path, text);
      const result = await notebookEdit.execute({ path, new_source: "x" }, ws.ctx);
      expect(result, text).toMatchObject({ isError: true, content: expect.stringContaining(problem) });
      expect(readFileSync(path, "utf8")).toBe(text);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const notNotebook = await notebookEdit.execute({ path: "notes.txt", index: 0, new_source: "x" }, ws.ctx);
    expect(notNotebook.content).toContain("is not a notebook (.ipynb)");
  });

  it("asks as an edit of the notebook's path, and cannot reach outside the workspace", async () => {
    using ws = workspace();
    expect(notebookEdit.kind).toBe("edit");
    expect(await notebookEdit.permissionSubject?.({ path: "sub/../n.ipynb" }, ws.dir)).toEqual({
      kind: "path",
      value: join(ws.dir, "n.ipynb"),
    });
    const outside = realpathSync(mkdtempSync(join(tmpdir(), "pincer-notebook-outside-")));
    try {
      writeFileSync(join(outside, "x.ipynb"), notebook());
      await expect(
        notebookEdit.execute({ path: join(outside, "x.ipynb"), index: 0, new_source: "pwned" }, ws.ctx),
      ).rejects.toThrow(/outside|refused|not granted/i);
      expect(readFileSync(join(outside, "x.ipynb"), "utf8")).toBe(notebook());
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
