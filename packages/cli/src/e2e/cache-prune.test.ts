import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const DAY = 24 * 60 * 60 * 1000;

/** Plants an entry in PINCER_HOME/cache/<folder> last used `daysAgo` days ago. */
function plant(cache: string, folder: string, name: string, daysAgo: number): string {
  mkdirSync(join(cache, folder), { recursive: true });
  const file = join(cache, folder, name);
  writeFileSync(file, "x".repeat(1000));
  const when = new Date(Date.now() - daysAgo * DAY);
  utimesSync(file, when, when);
  return file;
}

describe("pincer -p keeps PINCER_HOME/cache bounded", () => {
  it("drops entries no start used for a month, keeps what it uses, and prunes once a day", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
    const cache = join(box.env.PINCER_HOME!, "cache");
    const dead = [
      plant(cache, "snapshots", `${"d".repeat(40)}.bin`, 90),
      plant(cache, "snapshots", `${"d".repeat(40)}.sum`, 90),
      plant(cache, "front-matter", `${"e".repeat(40)}.json`, 45),
      plant(cache, "manifests", "f".repeat(40), 31),
      plant(cache, "tools", `v3-${"a".repeat(40)}.json.1234.tmp`, 1),
    ];
    const recent = plant(cache, "front-matter", `${"b".repeat(40)}.json`, 2);
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    const first = await box.run(["-p", "Say ok", "--model", "openai/gpt-5"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("ok\n");
    // The pruning ran beside the start and was done before the process ended.
    for (const file of dead) expect(existsSync(file), file).toBe(false);
    expect(existsSync(recent)).toBe(true);
    // What this run made or used is there for the next one.
    expect(readdirSync(join(cache, "manifests")).length).toBeGreaterThan(0);
    expect(readdirSync(join(cache, "snapshots")).some((name) => name.endsWith(".sum"))).toBe(true);

    // The next start, the same day, does not prune again: one stat of the stamp.
    const planted = plant(cache, "front-matter", `${"c".repeat(40)}.json`, 90);
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    expect((await box.run(["-p", "Say ok", "--model", "openai/gpt-5"])).code).toBe(0);
    expect(existsSync(planted)).toBe(true);
  });
});
