import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { text, workspace } from "./context.fixture.js";
import { edit } from "./edit.js";
import { read } from "./read.js";
import { write } from "./write.js";

describe("read", () => {
  it("numbers lines and pages with offset/limit", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "a.txt"), Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n"));
    const all = await read.execute({ path: "a.txt" }, ws.ctx);
    expect(text(all)).toMatch(/^ 1\tline 1\n 2\tline 2/);
    const page = await read.execute({ path: "a.txt", offset: 10, limit: 5 }, ws.ctx);
    expect(text(page)).toContain("10\tline 10");
    expect(text(page)).toContain("14\tline 14");
    expect(text(page)).not.toContain("line 15");
    expect(text(page)).toContain("(showing lines 10-14 of 30; use offset to read more)");
  });

  it("caps huge files and very long lines", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "big.txt"), `${"x".repeat(5000)}\n${"y\n".repeat(5000)}`);
    const result = await read.execute({ path: "big.txt" }, ws.ctx);
    expect(text(result)).toContain("[line cut at 2000 characters]");
    expect(text(result)).toContain("(showing lines 1-2000 of 5001");
  });

  it("describes binary files instead of dumping them", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "blob.bin"), Buffer.from([0x89, 0x50, 0x00, 0x01, 0x02]));
    const result = await read.execute({ path: "blob.bin" }, ws.ctx);
    expect(text(result)).toBe(`${ws.dir}/blob.bin is a binary file (5 bytes); it cannot be shown as text.`);
  });

  it("errors clearly on missing files (with suggestions), directories and offsets past the end", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "config.json"), "{}\n");
    mkdirSync(join(ws.dir, "src"));
    const missing = await read.execute({ path: "config.yaml" }, ws.ctx);
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain("Did you mean: config.json?");
    expect(text(await read.execute({ path: "src" }, ws.ctx))).toContain("is a directory; use ls");
    const past = await read.execute({ path: "config.json", offset: 9 }, ws.ctx);
    expect(past.isError).toBe(true);
  });

  it("cannot read outside the workspace, even through a symlink", async () => {
    using ws = workspace();
    symlinkSync("/etc", join(ws.dir, "etc-link"));
    await expect(read.execute({ path: "/etc/passwd" }, ws.ctx)).rejects.toThrow(
      /refused: outside the granted read roots/,
    );
    await expect(read.execute({ path: "etc-link/passwd" }, ws.ctx)).rejects.toThrow(/really \/etc\/passwd/);
    await expect(read.execute({ path: "../../etc/passwd" }, ws.ctx)).rejects.toThrow(/refused/);
  });
});

describe("write", () => {
  it("creates parent directories and reports created vs overwritten", async () => {
    using ws = workspace();
    const created = await write.execute({ path: "deep/dir/f.txt", content: "héllo" }, ws.ctx);
    expect(text(created)).toBe(`Created ${ws.dir}/deep/dir/f.txt (6 bytes).`);
    const again = await write.execute({ path: "deep/dir/f.txt", content: "bye" }, ws.ctx);
    expect(text(again)).toContain("Overwrote");
    expect(readFileSync(join(ws.dir, "deep/dir/f.txt"), "utf8")).toBe("bye");
  });

  it("refuses to write outside the workspace", async () => {
    using ws = workspace();
    await expect(write.execute({ path: "../escape.txt", content: "x" }, ws.ctx)).rejects.toThrow(
      /escape.txt refused: outside the granted/,
    );
  });
});

describe("edit", () => {
  const source = "function add(a, b) {\n  return a - b;\n}\n\nfunction sub(a, b) {\n  return a - b;\n}\n";

  it("replaces a unique match and returns a diff in details", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "m.js"), source);
    const result = await edit.execute(
      {
        path: "m.js",
        old_string: "function add(a, b) {\n  return a - b;",
        new_string: "function add(a, b) {\n  return a + b;",
      },
      ws.ctx,
    );
    expect(result.isError).toBeFalsy();
    expect(readFileSync(join(ws.dir, "m.js"), "utf8")).toContain("return a + b;");
    const diff = (result.details as { diff: string }).diff;
    expect(diff).toContain("-  return a - b;");
    expect(diff).toContain("+  return a + b;");
    expect(diff).toMatch(/^--- .*m\.js\n\+\+\+ .*m\.js\n@@ -1,/);
  });

  it("refuses an ambiguous match, naming the lines, unless replace_all", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "m.js"), source);
    const ambiguous = await edit.execute(
      { path: "m.js", old_string: "return a - b;", new_string: "return 0;" },
      ws.ctx,
    );
    expect(ambiguous.isError).toBe(true);
    expect(text(ambiguous)).toContain("matches 2 times");
    expect(text(ambiguous)).toContain("lines 2, 6");
    const all = await edit.execute(
      { path: "m.js", old_string: "return a - b;", new_string: "return 0;", replace_all: true },
      ws.ctx,
    );
    expect(text(all)).toContain("2 replacements");
    expect(readFileSync(join(ws.dir, "m.js"), "utf8").match(/return 0;/g)).toHaveLength(2);
  });

  it("explains a missing match with the closest line", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "m.js"), source);
    const result = await edit.execute({ path: "m.js", old_string: "return a-b;", new_string: "x" }, ws.ctx);
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("old_string was not found");
    expect(text(result)).toContain("closest line is 2");
  });

  it("rejects no-op edits and missing files", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "m.js"), source);
    expect((await edit.execute({ path: "m.js", old_string: "add", new_string: "add" }, ws.ctx)).isError).toBe(true);
    expect(text(await edit.execute({ path: "nope.js", old_string: "a", new_string: "b" }, ws.ctx))).toContain(
      "use write to create it",
    );
  });

  it("treats $ in the replacement literally", async () => {
    using ws = workspace();
    writeFileSync(join(ws.dir, "p.txt"), "price: X\n");
    await edit.execute({ path: "p.txt", old_string: "X", new_string: "$& $1 $$" }, ws.ctx);
    expect(readFileSync(join(ws.dir, "p.txt"), "utf8")).toBe("price: $& $1 $$\n");
  });
});
