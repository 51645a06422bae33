import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { afterEach, describe, expect, it } from "vitest";
import { createEnvCapability } from "./env.js";
import { createExecCapability } from "./exec.js";
import { createFsCapability } from "./fs.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-cap-")));
  dirs.push(dir);
  return dir;
}

describe("fs capability", () => {
  it("reads and writes inside the granted roots", async () => {
    const root = temp();
    const fs = createFsCapability({ cwd: root, readRoots: [root], writeRoots: [root] });
    await fs.writeFile("a/b.txt", "hi");
    expect(await fs.readText("a/b.txt")).toBe("hi");
    expect(await fs.stat("a")).toMatchObject({ type: "directory" });
    expect(await fs.stat("missing")).toBeNull();
    expect((await fs.readdir(".")).map((entry) => entry.name)).toEqual(["a"]);
  });

  it("refuses /etc/passwd, ~/.ssh and ../ escapes", async () => {
    const root = temp();
    const fs = createFsCapability({ cwd: root, readRoots: [root], writeRoots: [root] });
    await expect(fs.readText("/etc/passwd")).rejects.toThrow(
      "read of /etc/passwd refused: outside the granted read roots",
    );
    await expect(fs.readText(join(process.env.HOME ?? "/root", ".ssh/id_rsa"))).rejects.toThrow("refused");
    await expect(fs.readText("../../../etc/passwd")).rejects.toThrow("refused");
    await expect(fs.writeFile(`${root}/../sibling.txt`, "x")).rejects.toThrow("refused");
  });

  it("refuses a symlink inside a root that points outside it, for reading and writing", async () => {
    const root = temp();
    const outside = temp();
    writeFileSync(join(outside, "secret.txt"), "secret");
    symlinkSync(outside, join(root, "link"));
    const fs = createFsCapability({ cwd: root, readRoots: [root], writeRoots: [root] });
    await expect(fs.readText("link/secret.txt")).rejects.toThrow(`(really ${outside}/secret.txt) refused`);
    await expect(fs.writeFile("link/new.txt", "x")).rejects.toThrow("refused");
    await expect(fs.readdir("link")).rejects.toThrow("refused");
  });

  it("keeps read-only roots read-only", async () => {
    const root = temp();
    const docs = temp();
    writeFileSync(join(docs, "guide.md"), "# guide");
    const fs = createFsCapability({ cwd: root, readRoots: [docs], writeRoots: [root] });
    expect(await fs.readText(join(docs, "guide.md"))).toBe("# guide");
    await expect(fs.writeFile(join(docs, "guide.md"), "defaced")).rejects.toThrow("write of");
  });

  it("does not confuse a root with a sibling sharing its prefix", async () => {
    const parent = temp();
    mkdirSync(join(parent, "work"));
    mkdirSync(join(parent, "work-secrets"));
    writeFileSync(join(parent, "work-secrets/key"), "k");
    const fs = createFsCapability({ cwd: join(parent, "work"), readRoots: [join(parent, "work")], writeRoots: [] });
    await expect(fs.readText("../work-secrets/key")).rejects.toThrow("refused");
  });
});

describe("exec capability", () => {
  it("runs anything when granted bash, and only listed programs otherwise", async () => {
    const root = temp();
    const any = createExecCapability({ cwd: root, allowedCommands: ["bash"] });
    expect((await any.run("echo hi")).output).toBe("hi\n");
    const narrow = createExecCapability({ cwd: root, allowedCommands: ["git"] });
    await expect(narrow.run("curl http://example.com")).rejects.toThrow(
      'spawning "curl" refused: the plugin may only run git',
    );
    await expect(narrow.run("FOO=1 rm -rf /")).rejects.toThrow("variable assignment");
    // A granted program cannot carry a second one along.
    await expect(narrow.run("git status; curl http://evil.example")).rejects.toThrow("more than the granted command");
    await expect(narrow.run("git log $(curl evil)")).rejects.toThrow("more than the granted command");
    const none = createExecCapability({ cwd: root, allowedCommands: [] });
    await expect(none.run("ls")).rejects.toThrow("may only run no commands");
  });

  it("runs a program granted by absolute path as that file only, never one of its name elsewhere on PATH", async () => {
    const root = temp();
    const byPath = createExecCapability({ cwd: root, allowedCommands: ["/bin/echo"] });
    expect((await byPath.run("/bin/echo hi")).output).toBe("hi\n");
    await expect(byPath.run("echo hi")).rejects.toThrow('spawning "echo" refused: the plugin may only run /bin/echo');
    await expect(byPath.run("/tmp/../bin/echo hi")).rejects.toThrow("may only run /bin/echo");
    const missing = createExecCapability({ cwd: root, allowedCommands: ["/nonexistent/python3"] });
    await expect(missing.run("/nonexistent/python3 -V")).rejects.toThrow("not found");
  });

  it("without an OS sandbox, abort kills the process group, background children included", async () => {
    const root = temp();
    const marker = `1002.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const sleeps = () =>
      readdirSync("/proc").filter((pid) => {
        try {
          return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`sleep\0${marker}`);
        } catch {
          return false;
        }
      }).length;
    const controller = new AbortController();
    const exec = createExecCapability({ cwd: root, allowedCommands: ["bash"] });
    const running = exec.run(`sleep ${marker} & sleep ${marker}`, { signal: controller.signal });
    await until(() => sleeps() >= 2, "both sleeps to start");
    controller.abort();
    expect(await running).toMatchObject({ aborted: true, signal: "SIGTERM" });
    await until(() => sleeps() === 0, { message: () => `every sleep to die (${sleeps()} left)` });
  });
});

describe("env capability", () => {
  it("reads only granted names", () => {
    const env = createEnvCapability({
      allowed: ["OPENAI_API_KEY"],
      env: { OPENAI_API_KEY: "sk-1", AWS_SECRET_ACCESS_KEY: "nope" },
    });
    expect(env.get("OPENAI_API_KEY")).toBe("sk-1");
    expect(env.get("AWS_SECRET_ACCESS_KEY")).toBeUndefined();
  });
});
