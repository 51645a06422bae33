import { type LoggedRow, TrackError } from "./track-table.js";

/** What hf_track_log reads from its arguments: metric rows (given, or from a file) and artifact paths. */

/**
 * Python's json.dumps writes NaN and ±Infinity bare, which is not JSON: a diverged run's line
 * would be dropped. Outside strings they are quoted here, and read back as numbers by rowOf.
 */
function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return JSON.parse(line.replace(/([:,[]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"$2"'));
  }
}

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  nan: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};

/** Rows from a metrics file: JSON Lines of objects, or a JSON array of objects; numbers are kept. */
export function rowsFromText(text: string, file: string): { rows: LoggedRow[]; skipped: number } {
  const trimmed = text.trim();
  let objects: unknown[] = [];
  let skipped = 0;
  if (trimmed.startsWith("[")) {
    try {
      objects = JSON.parse(trimmed) as unknown[];
    } catch (error) {
      throw new TrackError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    for (const line of trimmed.split("\n")) {
      if (!line.trim().startsWith("{")) {
        if (line.trim()) skipped++;
        continue;
      }
      try {
        objects.push(parseLine(line));
      } catch {
        skipped++;
      }
    }
  }
  const rows = objects.flatMap((object) => {
    if (!object || typeof object !== "object" || Array.isArray(object)) return [];
    return [rowOf(object as Record<string, unknown>)];
  });
  return { rows: rows.filter((row) => Object.keys(row.metrics).length > 0), skipped };
}

export function rowOf(object: Record<string, unknown>): LoggedRow {
  const metrics: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === "step" || key === "_step") continue;
    if (typeof value === "number") metrics[key] = value;
    else if (typeof value === "string" && value in SPECIAL) metrics[key] = SPECIAL[value] as number;
  }
  const step = object.step ?? object._step;
  return { ...(typeof step === "number" ? { step } : {}), metrics };
}

/** A workspace path as a clean path inside the repo (no `..`, no leading slash). */
export function repoPathOf(localPath: string): string {
  const parts = localPath
    .replace(/^\.?\/+/, "")
    .split("/")
    .filter((part) => part && part !== ".");
  if (parts.length === 0 || parts.some((part) => part === ".."))
    throw new TrackError(`"${localPath}" is not a workspace file path to log as an artifact.`);
  return parts.join("/");
}
