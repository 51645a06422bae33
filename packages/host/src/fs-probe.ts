import { statSync } from "node:fs";

/** Whether `path` is a directory; false when it is missing or unreadable (never throws). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `path` is a regular file; false when it is missing or unreadable (never throws). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
