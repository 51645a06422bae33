import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { text, workspace } from "./context.fixture.js";
import { glob } from "./glob.js";
import { grep } from "./grep.js";
import { ls } from "./ls.js";
import { todo } from "./todo.js";
import { globToRegExp } from "./walk.js";

function tree(dir: string) {
  for (const [path, content] of Object.entries({
    "src/a.ts": "export const alpha = 1;\n// TODO: beta\n",
    "src/lib/b.ts": "export const Beta = 2;\n",
    "src/c.js": "const gamma = 3;\n",
    "README.md": "# title\nbeta notes\n",
    "node_modules/pkg/index.ts": "export const beta = 'dependency';\n",
    ".git/config": "beta = true\n",
    "bin/blob.dat": "beta\u0000binary",
  })) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

describe("grep", () => {
  it("finds matches as file:line: text, skipping node_modules, .git and binaries", async () => {
    using ws = workspace();
    tree(ws.dir);
    const result = await grep.execute({ pattern: "beta", ignore_case: true }, ws.ctx);
    expect(text(result).split("\n").sort()).toEqual([
      "README.md:2: beta notes",
      "src/a.ts:2: // TODO: beta",
      "src/lib/b.ts:1: export const Beta = 2;",
    ]);
  });

  it("filters by glob and path, caps results, and reports bad regexes", async () => {
    using ws = workspace();
    tree(ws.dir);
    expect(text(await grep.execute({ pattern: "const", glob: "**/*.ts" }, ws.ctx))).not.toContain("c.js");
    expect(text(await grep.execute({ pattern: "const", path: "src/lib" }, ws.ctx))).toBe(
      "src/lib/b.ts:1: export const Beta = 2;",
    );
    const capped = await grep.execute({ pattern: "const", max_results: 1 }, ws.ctx);
    expect(text(capped)).toContain("[stopped at 1 matches");
    expect((await grep.execute({ pattern: "(" }, ws.ctx)).isError).toBe(true);
    expect(text(await grep.execute({ pattern: "zzz" }, ws.ctx))).toMatch(/^No matches/);
  });
});

describe("glob", () => {
  it("matches ** and {a,b}, sorted, skipping node_modules", async () => {
    using ws = workspace();
    tree(ws.dir);
    expect(text(await glob.execute({ pattern: "**/*.ts" }, ws.ctx)).split("\n")).toEqual(["src/a.ts", "src/lib/b.ts"]);
    expect(text(await glob.execute({ pattern: "src/*.{js,ts}" }, ws.ctx)).split("\n")).toEqual([
      "src/a.ts",
      "src/c.js",
    ]);
    expect(text(await glob.execute({ pattern: "*.py" }, ws.ctx))).toMatch(/^No files match/);
  });

  it("compiles globs the way shells read them", () => {
    expect(globToRegExp("**/*.ts").test("a/b/c.ts")).toBe(true);
    expect(globToRegExp("**/*.ts").test("c.ts")).toBe(true);
    expect(globToRegExp("*.ts").test("a/c.ts")).toBe(false);
    expect(globToRegExp("file?.md").test("file1.md")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });
});

describe("ls", () => {
  it("lists directories first with a slash", async () => {
    using ws = workspace();
    tree(ws.dir);
    expect(text(await ls.execute({}, ws.ctx)).split("\n")).toEqual([
      ".git/",
      "bin/",
      "node_modules/",
      "src/",
      "README.md",
    ]);
    expect((await ls.execute({ path: "README.md" }, ws.ctx)).isError).toBe(true);
    expect((await ls.execute({ path: "missing" }, ws.ctx)).isError).toBe(true);
  });
});

describe("todo", () => {
  it("keeps the list in session state and renders it", async () => {
    using ws = workspace();
    const result = await todo.execute(
      {
        todos: [
          { content: "write test", status: "completed" },
          { content: "fix bug", status: "in_progress" },
          { content: "ship", status: "pending" },
        ],
      },
      ws.ctx,
    );
    expect(text(result)).toBe("[x] write test\n[>] fix bug\n[ ] ship\n(1/3 done)");
    expect(ws.ctx.state.get("todos")).toHaveLength(3);
  });
});
