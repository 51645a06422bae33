/**
 * A small line diff (LCS) producing unified-diff hunks with 3 lines of context; enough for
 * showing an edit, not a general-purpose diff.
 */
export function unifiedDiff(path: string, before: string, after: string): string {
  const a = before.split("\n");
  const b = after.split("\n");
  // Trim the common prefix and suffix so the LCS table stays small for local edits.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const ops = lcsOps(midA, midB);
  const context = 3;
  const from = Math.max(0, start - context);
  const lines: string[] = [];
  for (let index = from; index < start; index++) lines.push(` ${a[index]}`);
  for (const op of ops) lines.push(op);
  const tailEnd = Math.min(a.length, endA + context);
  for (let index = endA; index < tailEnd; index++) lines.push(` ${a[index]}`);
  const removed = lines.filter((line) => !line.startsWith("+")).length;
  const added = lines.filter((line) => !line.startsWith("-")).length;
  return [`--- ${path}`, `+++ ${path}`, `@@ -${from + 1},${removed} +${from + 1},${added} @@`, ...lines].join("\n");
}

function lcsOps(a: string[], b: string[]): string[] {
  if (a.length * b.length > 4_000_000) return [...a.map((line) => `-${line}`), ...b.map((line) => `+${line}`)];
  const table = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push(` ${a[i]}`);
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) ops.push(`-${a[i++]}`);
    else ops.push(`+${b[j++]}`);
  }
  while (i < a.length) ops.push(`-${a[i++]}`);
  while (j < b.length) ops.push(`+${b[j++]}`);
  return ops;
}
