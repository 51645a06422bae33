import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The README's "Claude Code compatibility" table and its full form, docs/compat.md: every row
 * is backed by a test that exists. A row's last cell names test files (`path/x.test.ts`, or the
 * tail of a path: any file ending so) and, after `›`, test names in quotes; a name may be cut
 * with `…` (each piece must then appear in the file). A row naming no test must say, in its
 * Pincer cell, that Pincer does not do it ("no…"/"not…"): the table claims nothing untested.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const trackedTests = execFileSync(
  "git",
  ["ls-files", "--cached", "--others", "--exclude-standard", "*.test.ts", "*.test.tsx", "*.test.mjs"],
  {
    cwd: root,
    encoding: "utf8",
  },
)
  .split("\n")
  .filter(Boolean);

interface Row {
  where: string;
  cells: string[];
}

/**
 * Every row (not the header or its rule) of the markdown text's feature tables: those whose last
 * column is "Test(s)". Other tables (the tool-name mapping) claim no behaviour of their own.
 */
function tableRows(text: string, where: string): Row[] {
  const rows: Row[] = [];
  let header = true;
  let feature = false;
  for (const [index, line] of text.split("\n").entries()) {
    if (!line.startsWith("|")) {
      header = true;
      continue;
    }
    if (header) {
      if (/^\|\s*-{3,}/.test(line)) header = false;
      else feature = /\|\s*tests?\s*\|\s*$/i.test(line);
      continue;
    }
    if (!feature) continue;
    const cells = line
      .replace(/\\\|/g, "\uE000")
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.replace(/\uE000/g, "|").trim());
    rows.push({ where: `${where}:${index + 1}`, cells });
  }
  return rows;
}

/** The test files and names a cell cites, in order: each name belongs to the file cited before it. */
function citations(cell: string): Array<{ file: string; names: string[] }> {
  const out: Array<{ file: string; names: string[] }> = [];
  for (const match of cell.matchAll(/`([^`\s]+\.test\.[cm]?[tj]sx?)`|›\s*"((?:[^"\\]|\\.)+)"/g)) {
    if (match[1]) out.push({ file: match[1], names: [] });
    else if (match[2] && out.length > 0) out.at(-1)!.names.push(match[2]);
  }
  return out;
}

function resolveTestFile(cited: string): string[] {
  if (trackedTests.includes(cited)) return [cited];
  return trackedTests.filter((path) => path.endsWith(`/${cited}`));
}

function problemsOf(rows: Row[]): string[] {
  const problems: string[] = [];
  for (const row of rows) {
    const testCell = row.cells.at(-1) ?? "";
    const pincer = row.cells.at(-2) ?? "";
    const cited = citations(testCell);
    if (cited.length === 0) {
      if (!/^(no|not)\b/i.test(pincer)) {
        problems.push(`${row.where}: names no test, yet its Pincer cell does not say "no"/"not": ${row.cells[0]}`);
      }
      continue;
    }
    for (const { file, names } of cited) {
      const files = resolveTestFile(file);
      if (files.length === 0) {
        problems.push(`${row.where}: ${file} is no test file in the repository`);
        continue;
      }
      const texts = files.map((path) => readFileSync(join(root, path), "utf8"));
      for (const name of names) {
        const pieces = name
          .replace(/\\"/g, '"')
          .split(/…|\.\.\./)
          .map((piece) => piece.trim())
          .filter(Boolean);
        if (!texts.some((text) => pieces.every((piece) => text.includes(piece)))) {
          problems.push(`${row.where}: ${file} has no test named "${name}"`);
        }
      }
    }
  }
  return problems;
}

const readme = readFileSync(join(root, "README.md"), "utf8");
const section = /\n## Claude Code compatibility\n([\s\S]*?)(?=\n## )/.exec(readme)?.[1] ?? "";
const full = readFileSync(join(root, "docs", "compat.md"), "utf8");

describe("the Claude Code compatibility table", () => {
  it("is in the README, links its full form, and every row of both names tests that exist (or says not done)", () => {
    expect(section, 'README.md has no "## Claude Code compatibility" section').not.toBe("");
    expect(section).toContain("(docs/compat.md)");
    const rows = [...tableRows(section, "README.md"), ...tableRows(full, "docs/compat.md")];
    expect(rows.length).toBeGreaterThan(40);
    expect(problemsOf(rows)).toEqual([]);
  });

  it("catches a row whose test is missing, renamed, or absent", () => {
    const rows = tableRows(
      [
        "| Feature | Claude Code | Pincer | Test |",
        "| --- | --- | --- | --- |",
        '| a | yes | yes | `scripts/compat-table.test.ts` › "catches a row whose test is missing, renamed, or absent" |',
        '| b | yes | yes | `compat-table.test.ts` › "catches a row … renamed, or absent" |',
        '| c | yes | yes | `scripts/nowhere.test.ts` › "x" |',
        '| d | yes | yes | `scripts/layering.test.ts` › "a test nobody wrote" |',
        "| e | yes | yes, trust me | n/a |",
        "| f | yes | not yet | — |",
        "",
        "| Claude Code | Pincer | Arguments |",
        "| --- | --- | --- |",
        "| `Bash` | `bash` | — |",
      ].join("\n"),
      "sample",
    );
    expect(problemsOf(rows)).toEqual([
      "sample:5: scripts/nowhere.test.ts is no test file in the repository",
      'sample:6: scripts/layering.test.ts has no test named "a test nobody wrote"',
      'sample:7: names no test, yet its Pincer cell does not say "no"/"not": e',
    ]);
  });
});
