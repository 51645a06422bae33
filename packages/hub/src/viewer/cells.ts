import { imageSize } from "image-size";
import type { Feature, Features } from "./features.js";
import type { Row } from "./text-formats.js";

/**
 * Cells as the dataset viewer answers them: plain JSON (64-bit integers as numbers, dates as ISO
 * text), images as `{src, height, width}`, and nothing unbounded: a long text or binary cell is
 * cut and its column named in `truncated_cells`.
 */

/** A text cell longer than this is cut (the viewer truncates cells too, so answers stay small). */
export const CELL_CHARS = 20_000;

/** The image types served from a dataset: raster formats a browser shows and never runs (no SVG). */
export const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
};

/** An image's type and size from its bytes, or undefined when it is not one of IMAGE_TYPES. */
export function imageFacts(bytes: Uint8Array): { type: string; width: number; height: number } | undefined {
  try {
    const { type, width, height } = imageSize(bytes);
    return type && IMAGE_TYPES[type] ? { type, width, height } : undefined;
  } catch {
    return undefined;
  }
}

/** An image cell as stored: inline bytes (a Parquet `Image` struct) or a file of the repo (an image folder). */
export type ImageSource = { bytes: Uint8Array } | { file: string; sha256: string };

export interface CellContext {
  /** The URL an image cell's `src` points to. */
  imageUrl(rowIndex: number, column: string, source: ImageSource, type: string): string;
  /** The start of a stored blob (enough to read an image's size). */
  blobHead(sha256: string): Uint8Array;
}

/** An image cell's source, if `raw` is one. */
export function imageSource(raw: unknown): ImageSource | undefined {
  if (raw instanceof Uint8Array) return { bytes: raw };
  if (!raw || typeof raw !== "object") return undefined;
  const cell = raw as { bytes?: unknown; file?: unknown; sha256?: unknown };
  if (cell.bytes instanceof Uint8Array) return { bytes: cell.bytes };
  if (typeof cell.file === "string" && typeof cell.sha256 === "string") return { file: cell.file, sha256: cell.sha256 };
  return undefined;
}

function plain(raw: unknown, cut: () => void, depth = 0): unknown {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === "bigint") return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString();
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : null;
  if (typeof raw === "string") {
    if (raw.length <= CELL_CHARS) return raw;
    cut();
    return raw.slice(0, CELL_CHARS);
  }
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? null : raw.toISOString();
  if (raw instanceof Uint8Array) {
    const shown = raw.subarray(0, (CELL_CHARS / 4) * 3);
    if (shown.length < raw.length) cut();
    return Buffer.from(shown).toString("base64");
  }
  if (depth > 16) {
    cut();
    return null;
  }
  if (Array.isArray(raw)) {
    if (raw.length > 1000) cut();
    return raw.slice(0, 1000).map((item) => plain(item, cut, depth + 1));
  }
  if (typeof raw === "object") {
    return Object.fromEntries(Object.entries(raw).map(([key, item]) => [key, plain(item, cut, depth + 1)]));
  }
  return raw;
}

function imageCell(raw: unknown, rowIndex: number, column: string, context: CellContext): unknown {
  const source = imageSource(raw);
  if (!source) return null;
  const facts = imageFacts("bytes" in source ? source.bytes : context.blobHead(source.sha256));
  if (!facts) return null;
  return {
    src: context.imageUrl(rowIndex, column, source, facts.type),
    height: facts.height,
    width: facts.width,
  };
}

/** A row as the viewer answers it, and the columns whose cells were cut. */
export function presentRow(
  row: Row,
  features: Features,
  rowIndex: number,
  context: CellContext,
): { row: Row; truncated: string[] } {
  const truncated: string[] = [];
  const out: Row = {};
  const names = [...new Set([...Object.keys(features), ...Object.keys(row)])];
  for (const name of names) {
    const feature: Feature | undefined = features[name];
    if (feature && feature._type === "Image") {
      out[name] = imageCell(row[name], rowIndex, name, context);
      continue;
    }
    out[name] = plain(row[name], () => {
      if (!truncated.includes(name)) truncated.push(name);
    });
  }
  return { row: out, truncated };
}
