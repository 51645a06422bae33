import { defineTool } from "@pincer/sdk";
import {
  type Cell,
  type CellType,
  findCell,
  needsIds,
  newCell,
  newCellId,
  parseNotebook,
  replaceCell,
  serializeNotebook,
} from "./notebook-json.js";

export interface NotebookEditArgs {
  path: string;
  cell_id?: string;
  index?: number;
  new_source?: string;
  cell_type?: CellType;
  edit_mode?: "replace" | "insert" | "delete";
}

/** At most this large a notebook is edited (it is parsed and rewritten whole). */
const MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024;

/**
 * Claude Code's NotebookEdit: replace, insert or delete one cell of an .ipynb, named by id or by
 * index (the read tool shows both). The file is rewritten whole, still valid nbformat: what the
 * edit did not touch stays as it was.
 */
export const notebookEdit = defineTool<NotebookEditArgs>({
  name: "notebook_edit",
  description:
    "Edit one cell of a Jupyter notebook (read shows cell ids and indexes). edit_mode: replace (default), insert (a new cell after the one named, or first) or delete.",
  kind: "edit",
  parameters: {
    type: "object",
    properties: {
      path: { type: "string", description: "The .ipynb file" },
      cell_id: { type: "string" },
      index: { type: "integer", minimum: 0, description: "Cell index, when not by id" },
      new_source: { type: "string" },
      cell_type: { enum: ["code", "markdown"] },
      edit_mode: { enum: ["replace", "insert", "delete"] },
    },
    required: ["path"],
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({ kind: "path", value: absolute(args.path, cwd) }),
  async execute(args, ctx) {
    const path = absolute(args.path, ctx.cwd);
    const mode = args.edit_mode ?? "replace";
    const fail = (content: string) => ({ content, isError: true });
    if (!path.endsWith(".ipynb")) return fail(`${path} is not a notebook (.ipynb); use edit for other files.`);
    if (mode !== "delete" && args.new_source === undefined) return fail(`edit_mode ${mode} needs new_source.`);
    const stat = await ctx.fs.stat(path);
    if (stat?.type !== "file") return fail(`${path} is not an existing notebook; create it with write.`);
    if (stat.size > MAX_NOTEBOOK_BYTES)
      return fail(`${path} is ${stat.size} bytes; notebooks over 64 MB are not edited.`);
    const original = await ctx.fs.readText(path);
    const notebook = parseNotebook(original);
    if ("problem" in notebook) return fail(`${path} cannot be edited as a notebook: ${notebook.problem}.`);
    const named = args.cell_id !== undefined || args.index !== undefined;
    // Insert without a cell goes first; everything else needs the cell it acts on.
    const at = mode === "insert" && !named ? -1 : findCell(notebook, args);
    if (typeof at !== "number") return fail(`${path}: ${at.problem}`);

    let cell: Cell;
    let done: string;
    if (mode === "delete") {
      cell = notebook.cells.splice(at, 1)[0] as Cell;
      done = `Deleted cell ${at}`;
    } else if (mode === "insert") {
      cell = newCell(
        args.cell_type ?? "code",
        args.new_source ?? "",
        needsIds(notebook) ? newCellId(notebook) : undefined,
      );
      notebook.cells.splice(at + 1, 0, cell);
      done = `Inserted ${cell.cell_type} cell ${at + 1}`;
    } else {
      cell = replaceCell(notebook.cells[at] as Cell, args.new_source ?? "", args.cell_type);
      notebook.cells[at] = cell;
      done = `Replaced cell ${at}`;
    }
    await ctx.fs.writeFile(path, serializeNotebook(notebook, original));
    const id = typeof cell.id === "string" ? ` (id ${cell.id})` : "";
    return {
      content: `${done}${id} of ${path}; it now has ${notebook.cells.length} cell${notebook.cells.length === 1 ? "" : "s"}.`,
      details: { path, mode, cellId: cell.id, cells: notebook.cells.length },
    };
  },
});

/** Absolute form of a path argument (the fs capability does the real checking). */
function absolute(path: string, cwd: string): string {
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}
