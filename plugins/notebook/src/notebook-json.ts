/**
 * A Jupyter notebook file (nbformat 4) as data: parsed and checked, its cells found by id or
 * index, changed, and written back the way Jupyter writes it. Everything not touched (metadata,
 * other cells, outputs, unknown keys) is kept as it was.
 */

export type CellType = "code" | "markdown";

export interface Cell {
  cell_type: string;
  id?: string;
  metadata: Record<string, unknown>;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  cells: Cell[];
  nbformat?: number;
  nbformat_minor?: number;
  [key: string]: unknown;
}

/** The notebook in `text`, or why it is not one (the file is untrusted: any JSON may be there). */
export function parseNotebook(text: string): Notebook | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { problem: `it is not valid JSON (${(error as Error).message})` };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { problem: "it is not a JSON object" };
  const notebook = data as Partial<Notebook>;
  if (!Array.isArray(notebook.cells)) return { problem: 'it has no "cells" list' };
  if (typeof notebook.nbformat === "number" && notebook.nbformat < 4) {
    return {
      problem: `it is nbformat ${notebook.nbformat}; only nbformat 4 notebooks are edited (convert it with jupyter nbconvert)`,
    };
  }
  const bad = notebook.cells.findIndex(
    (cell) => typeof cell !== "object" || cell === null || Array.isArray(cell) || typeof cell.cell_type !== "string",
  );
  if (bad !== -1) return { problem: `its cell ${bad} is not a cell (an object with a "cell_type")` };
  return notebook as Notebook;
}

/** The index of the cell named by id or by index, or why none is. */
export function findCell(
  notebook: Notebook,
  where: { cell_id?: string; index?: number },
): number | { problem: string } {
  if (where.cell_id !== undefined) {
    const found = notebook.cells.findIndex((cell) => cell.id === where.cell_id);
    if (found !== -1) return found;
    const ids = notebook.cells.map((cell) => cell.id).filter((id): id is string => typeof id === "string");
    const known =
      ids.length > 0
        ? `Its cell ids: ${ids.slice(0, 20).join(", ")}${ids.length > 20 ? ", …" : ""}.`
        : "Its cells have no ids: give an index.";
    return { problem: `no cell has the id "${where.cell_id}". ${known}` };
  }
  if (where.index !== undefined) {
    if (where.index < notebook.cells.length) return where.index;
    return {
      problem: `there is no cell ${where.index}: the notebook has ${notebook.cells.length} (0 to ${notebook.cells.length - 1}).`,
    };
  }
  return { problem: "name the cell with cell_id or index (read the notebook to see both)." };
}

/** Source as nbformat stores it: a list of lines, each but the last ending in a newline. */
export function sourceLines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((line) => line !== "");
}

/** Whether the notebook's format asks every cell for an id (nbformat 4.5 and later). */
export function needsIds(notebook: Notebook): boolean {
  return (notebook.nbformat ?? 4) > 4 || (notebook.nbformat_minor ?? 0) >= 5;
}

/** A fresh cell id: 8 hex characters, unique in the notebook, as Jupyter makes them. */
export function newCellId(notebook: Notebook): string {
  const taken = new Set(notebook.cells.map((cell) => cell.id));
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(4));
    const id = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    if (!taken.has(id)) return id;
  }
}

/** A new cell of a type, with what nbformat requires of that type. */
export function newCell(type: CellType, source: string, id: string | undefined): Cell {
  const cell: Cell = { cell_type: type, ...(id ? { id } : {}), metadata: {}, source: sourceLines(source) };
  if (type === "code") {
    cell.execution_count = null;
    cell.outputs = [];
  }
  return cell;
}

/**
 * A cell given new source (and maybe a new type): a code cell's old outputs and execution count
 * no longer describe it, so they are cleared; a markdown cell has neither.
 */
export function replaceCell(cell: Cell, source: string, type: CellType | undefined): Cell {
  const next: Cell = { ...cell, source: sourceLines(source) };
  next.cell_type = type ?? cell.cell_type;
  if (next.cell_type === "code") {
    next.execution_count = null;
    next.outputs = [];
  } else {
    delete next.execution_count;
    delete next.outputs;
  }
  return next;
}

/** The notebook as text, indented as the file was (Jupyter writes one space) and ending in a newline. */
export function serializeNotebook(notebook: Notebook, original: string): string {
  const indent = /^\{\r?\n([ \t]+)"/.exec(original)?.[1] ?? " ";
  return `${JSON.stringify(notebook, null, indent)}\n`;
}
