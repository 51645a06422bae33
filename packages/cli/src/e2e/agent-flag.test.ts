import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, sandbox, stderrWithoutSandboxNotice } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const openai = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
type Request = { messages: Array<{ role: string; content: unknown }>; tools?: Array<{ function: { name: string } }> };
const lastRequest = () => server.requests.at(-1)!.body as Request;
const systemText = (body: Request) => String(body.messages.find((message) => message.role === "system")?.content);
const toolNames = (body: Request) => (body.tools ?? []).map((tool) => tool.function.name).sort();

function put(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

describe("pincer --agent", () => {
  it("runs as the ML intern's research agent: its prompt after Pincer's, its read-only tools, plan mode", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "Found it." }, { finish: "stop" }]);
    const result = await box.run([
      "-p",
      "What learning rate does the paper use?",
      "--agent",
      "ml-research",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
    ]);
    expect(result.code).toBe(0);
    const system = systemText(lastRequest());
    expect(system.startsWith("You are Pincer")).toBe(true);
    expect(system).toContain("You research one question for the ML engineer who sent you");
    // No HF credentials and no local Hub, yet the Hugging Face tools are offered (read-only ones
    // only): the plugin's manifest activates them for this agent (activation.agents), against the
    // public Hub. Of the ML intern plugin's tools it gets the GitHub reference-code ones, never
    // the card or results writers (its tools list names github_* only).
    expect(toolNames(lastRequest())).toEqual([
      "github_read_file",
      "github_search_code",
      "github_search_repos",
      "glob",
      "grep",
      "hf_dataset_inspect",
      "hf_docs_browse",
      "hf_docs_fetch",
      "hf_docs_search",
      "hf_hub_search",
      "hf_list_refs",
      "hf_papers_citations",
      "hf_papers_details",
      "hf_papers_linked",
      "hf_papers_read",
      "hf_papers_search",
      "hf_papers_similar",
      "hf_papers_trending",
      "hf_read_file",
      "hf_repo_files",
      "ls",
      "read",
    ]);
    expect(stderrWithoutSandboxNotice(result.stderr)).not.toContain("not available here");
    const init = jsonLines(result.stdout)[0];
    expect(init).toMatchObject({ type: "system", subtype: "init", permissionMode: "plan" });
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "Found it." });
  });

  it("takes a project agent's tools and mode, and a flag's mode over the agent's", async () => {
    using box = sandbox(openai());
    put(
      join(box.cwd, ".pincer", "agents", "reviewer.md"),
      "---\nname: reviewer\ndescription: Reviews\ntools: read, grep\npermissionMode: plan\n---\nYou review diffs.",
    );
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    const asAgent = await box.run([
      "-p",
      "review",
      "--agent",
      "reviewer",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
    ]);
    expect(asAgent.code).toBe(0);
    expect(toolNames(lastRequest())).toEqual(["grep", "read"]);
    expect(systemText(lastRequest())).toContain("You review diffs.");
    expect(jsonLines(asAgent.stdout)[0]).toMatchObject({ permissionMode: "plan" });

    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    const flagged = await box.run([
      "-p",
      "review",
      "--agent",
      "reviewer",
      "--permission-mode",
      "acceptEdits",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
    ]);
    expect(flagged.code).toBe(0);
    expect(jsonLines(flagged.stdout)[0]).toMatchObject({ permissionMode: "acceptEdits" });
  });

  it.each(["ml-intern", "ml-research"])(
    "as %s, sends a prompt and tool schemas with no character past Latin-1, so each request body stays a one-byte string",
    async (agent) => {
      // One such character anywhere (a dash, an ellipsis in a tool's description) made every request
      // of the run a two-byte string: twice the bytes copied out of the provider's isolate, and
      // UTF-8 encoded on the slow path (bench/intern.js as ml-intern: 6.8 -> 6.0 ms an iteration).
      using box = sandbox(openai());
      server.enqueue([{ text: "Done." }, { finish: "stop" }]);
      const result = await box.run(["-p", "Go on.", "--agent", agent, "--model", "openai/gpt-5"]);
      expect(result.code).toBe(0);
      const body = JSON.stringify(lastRequest());
      expect((lastRequest().tools ?? []).length).toBeGreaterThan(10);
      const wide = [...body.matchAll(/[\u0100-\uffff]/g)].map((match) => body.slice(match.index - 40, match.index + 2));
      expect(wide).toEqual([]);
    },
  );

  it("exits 2 on an unknown agent, listing the available ones", async () => {
    using box = sandbox(openai());
    const before = server.requests.length;
    const result = await box.run(["-p", "hi", "--agent", "nobody", "--model", "openai/gpt-5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pincer: Unknown agent "nobody". Available agents: ml-intern, ml-research.');
    expect(server.requests.length).toBe(before);
  });
});
