import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FrontMatterError, keepFrontMatterIn, parseFrontMatter } from "./front-matter.js";

const dirs: string[] = [];
afterEach(() => {
  keepFrontMatterIn(undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const kept = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-front-matter-"));
  dirs.push(dir);
  keepFrontMatterIn(join(dir, "front-matter"));
  return join(dir, "front-matter");
}

const AGENT =
  "---\nname: reviewer\ndescription: Use when: the user asks\ntools: [Read, Grep]\nmaxTurns: 3\n---\nYou review.";

describe("front matter kept between starts", () => {
  it("parses a file once and reads the same data back from the cache, the body from the file", () => {
    const dir = cacheDir();
    const first = parseFrontMatter(AGENT);
    expect(readdirSync(dir)).toHaveLength(1);
    const [file] = readdirSync(dir);
    // What the next start finds is what it uses: the kept data, not a second parse.
    const entry = JSON.parse(readFileSync(join(dir, file!), "utf8")) as { text: string; data: object };
    expect(entry.text).toBe("name: reviewer\ndescription: Use when: the user asks\ntools: [Read, Grep]\nmaxTurns: 3");
    writeFileSync(join(dir, file!), JSON.stringify({ ...entry, data: { ...entry.data, name: "from-cache" } }));
    const again = parseFrontMatter(AGENT.replace("You review.", "Another body."));
    expect(again.data).toEqual({ ...first.data, name: "from-cache" });
    expect(again.body).toBe("Another body.");
    expect(first.data).toEqual({
      name: "reviewer",
      description: "Use when: the user asks",
      tools: ["Read", "Grep"],
      maxTurns: "3",
    });
  });

  it("a changed file is parsed afresh, and a kept file that is not a map is ignored", () => {
    const dir = cacheDir();
    parseFrontMatter(AGENT);
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), "[1, 2]");
    expect(parseFrontMatter(AGENT).data.name).toBe("reviewer");
    const entry = JSON.parse(readFileSync(join(dir, file!), "utf8")) as { text: string; data: object };
    writeFileSync(join(dir, file!), JSON.stringify({ ...entry, data: [1, 2] }));
    expect(parseFrontMatter(AGENT).data.name).toBe("reviewer");
    expect(parseFrontMatter(AGENT.replace("reviewer", "checker")).data.name).toBe("checker");
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it("an entry is used only for the text it holds: another text under its name is parsed afresh", () => {
    const dir = cacheDir();
    parseFrontMatter(AGENT);
    const [file] = readdirSync(dir);
    // Names are short sums, not hashes: an entry kept for another text (a collision, or a file
    // someone put there) must not stand in for this one.
    const entry = JSON.parse(readFileSync(join(dir, file!), "utf8")) as { text: string; data: object };
    writeFileSync(
      join(dir, file!),
      JSON.stringify({ text: entry.text.replace("reviewer", "impostor"), data: { ...entry.data, name: "impostor" } }),
    );
    expect(parseFrontMatter(AGENT).data.name).toBe("reviewer");
    // And the entry is this text's again.
    expect(JSON.parse(readFileSync(join(dir, file!), "utf8")).text).toBe(entry.text);
  });

  it("keeps neither failures nor what JSON cannot give back exactly", () => {
    const dir = cacheDir();
    expect(() => parseFrontMatter("---\nname: [unclosed\n---\n")).toThrow(FrontMatterError);
    expect(parseFrontMatter("---\nname: x\nlimit: .inf\n---\n").data.limit).toBe(Number.POSITIVE_INFINITY);
    expect(kept(dir)).toEqual([]);
    // And without a cache directory nothing is written anywhere.
    keepFrontMatterIn(undefined);
    parseFrontMatter(AGENT);
    expect(kept(dir)).toEqual([]);
  });

  it("parses afresh, without blocking, when the entry is a FIFO, a link, a folder or larger than a definition", () => {
    const dir = cacheDir();
    parseFrontMatter(AGENT);
    const [file] = readdirSync(dir);
    const entry = join(dir, file!);
    const outside = join(dir, "..", "elsewhere.json");
    const text = (JSON.parse(readFileSync(entry, "utf8")) as { text: string }).text;
    writeFileSync(outside, JSON.stringify({ text, data: { name: "from-a-link" } }));
    const places: Array<() => void> = [
      () => execFileSync("mkfifo", [entry]),
      () => symlinkSync(outside, entry),
      () => mkdirSync(entry),
      () => writeFileSync(entry, `{"data": {"name": "huge"}, "pad": "${"x".repeat(4 * 1024 * 1024)}"}`),
    ];
    for (const place of places) {
      rmSync(entry, { recursive: true, force: true });
      place();
      expect(parseFrontMatter(AGENT).data.name).toBe("reviewer");
    }
  });
});
