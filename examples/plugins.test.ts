import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
const EXAMPLES = fileURLToPath(new URL(".", import.meta.url));

/** One example per plugin kind: exactly what `pincer plugin new` writes, and its tests pass. */
const KINDS = [
  { name: "word-count", kind: "tool" },
  { name: "compat-provider", kind: "provider" },
  { name: "dusk-theme", kind: "theme" },
  { name: "veto-hook", kind: "hook" },
  { name: "three-turn-driver", kind: "driver" },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => !/(^|\/)(dist|node_modules)(\/|$)|\.tgz$/.test(file))
    .filter((file) => file.includes(".") || file === ".gitignore")
    .sort();
}

describe.each(KINDS)("examples/$name ($kind plugin)", ({ name, kind }) => {
  it("is what pincer plugin new writes", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "pincer-example-"));
    try {
      await run(process.execPath, [CLI, "plugin", "new", name, "--kind", kind, "--dir", scratch]);
      const fresh = join(scratch, name);
      const example = join(EXAMPLES, name);
      expect(sourceFiles(example)).toEqual(sourceFiles(fresh));
      for (const file of sourceFiles(fresh)) {
        expect(readFileSync(join(example, file), "utf8"), file).toBe(readFileSync(join(fresh, file), "utf8"));
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("passes its own tests in the real sandbox (pincer plugin test)", async () => {
    const { stdout } = await run(process.execPath, [CLI, "plugin", "test", join(EXAMPLES, name)]);
    expect(stdout).toMatch(/\bpass [1-9]/);
    expect(stdout).toMatch(/\bfail 0\b/);
  }, 60_000);
});
