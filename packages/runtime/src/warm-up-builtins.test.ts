import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeWarmedSnapshot, readManifest, rehearseWarmUp } from "@pincer/host";
import { afterAll, describe, expect, it } from "vitest";
import { builtinPlugins } from "./plugins.js";

/**
 * The built-ins' snapshots are warmed (see @pincer/host's warm-up.ts): the warm-up must reach the
 * paths a real first call takes in each, through the real SDKs, or their first calls compile it all
 * again. The replay provider reads a cassette from disk, which the warm-up's fake host does not lend.
 */
const MODEL_CALLS = {
  text: ["text_delta", "text_delta", "usage", "stop"],
  toolCall: ["toolcall_start", "toolcall_delta", "toolcall_delta", "usage", "toolcall_end", "stop"],
  afterTool: ["text_delta", "text_delta", "usage", "stop"],
};

function bundleOf(name: string): string {
  const plugin = builtinPlugins().find((candidate) => candidate.name === name);
  if (!plugin) throw new Error(`${name} is not a built-in`);
  return readFileSync(join(plugin.dir, readManifest(plugin.dir).main), "utf8");
}

const rehearse = (name: string) => rehearseWarmUp(bundleOf(name), name);

const scratch = mkdtempSync(join(tmpdir(), "pincer-warm-builtins-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the snapshot warm-up over the built-ins", () => {
  it.each([
    ["@pincer/provider-openai", ["openai", "openrouter", "openai-compatible"]],
    ["@pincer/provider-hf", ["hf"]],
  ])("streams text and tool calls through %s's OpenAI SDK", async (name, providers) => {
    const report = await rehearse(name);
    expect(report.failed).toEqual([]);
    expect(report.steps).toEqual(
      providers.flatMap((id) =>
        Object.entries(MODEL_CALLS).map(([kind, events]) => ({ name: `stream ${id} ${kind}`, events })),
      ),
    );
  });

  it("streams text and tool calls through the Anthropic SDK", async () => {
    const report = await rehearse("@pincer/provider-anthropic");
    expect(report.failed).toEqual([]);
    const kinds = report.steps.map((step) => [step.name, step.events?.filter((type) => type !== "usage")]);
    expect(kinds).toEqual(
      Object.entries(MODEL_CALLS).map(([kind, events]) => [
        `stream anthropic ${kind}`,
        events.filter((type) => type !== "usage"),
      ]),
    );
  });

  it("runs the bash and read tools of the core tools", async () => {
    const report = await rehearse("@pincer/plugin-core-tools");
    expect(report.failed).toEqual([]);
    expect(report.steps.map((step) => step.name).sort()).toEqual(["run bash", "run read"]);
    expect(JSON.stringify(report.steps)).toContain("exit code 0");
    expect(JSON.stringify(report.steps)).toContain("1\\tfirst line");
  });

  it("fetches a page through web_fetch and converts it to Markdown", async () => {
    const report = await rehearse("@pincer/plugin-web");
    expect(report.failed).toEqual([]);
    expect(report.steps.map((step) => step.name)).toEqual(["run web_fetch"]);
    expect(JSON.stringify(report.steps)).toContain("A **page** with _text_");
  });

  // What the warm-up leaves in the snapshot creator's heap must be serializable (web_fetch's linkedom
  // makes an Intl.NumberFormat, which a snapshot cannot hold): each warmed snapshot is made, warm, and starts.
  it.each(["@pincer/provider-openai", "@pincer/provider-anthropic", "@pincer/plugin-core-tools", "@pincer/plugin-web"])(
    "makes %s's warmed snapshot, and an isolate starts from it",
    (name) => {
      const made = makeWarmedSnapshot(bundleOf(name), name, join(scratch, name.replace("/", "+")));
      expect(made.starts).toBe(true);
      // Larger than the cold one: it holds the code the warm-up compiled (it did not fall back).
      expect(made.warmBytes).toBeGreaterThan(made.coldBytes);
    },
  );
});
