import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readManifest, rehearseWarmUp } from "@pincer/host";
import { describe, expect, it } from "vitest";
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

async function rehearse(name: string) {
  const plugin = builtinPlugins().find((candidate) => candidate.name === name);
  if (!plugin) throw new Error(`${name} is not a built-in`);
  const bundle = readFileSync(join(plugin.dir, readManifest(plugin.dir).main), "utf8");
  return rehearseWarmUp(bundle, name);
}

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
});
