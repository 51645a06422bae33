import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type AgentDefinition, loadDeclaredAgents, selectTools } from "@pincer/claude-code";
import { type AnyTool, createKernel, type ModelRequest, type Provider, type ProviderEvent } from "@pincer/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../home.js";
import { checkAgentExists } from "./check-agent.js";
import { gatherAgentContext } from "./context.js";
import { agentTools, resolveSessionAgent } from "./session-agent.js";
import { createTaskTool } from "./task-tool.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "pincer-plugin-agents-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const internDir = dirname(createRequire(import.meta.url).resolve("@pincer/plugin-ml-intern/pincer.plugin.json"));
const internAgents = ["ml-intern", "ml-research"].map((name) => ({
  plugin: "@pincer/plugin-ml-intern",
  name,
  file: join(internDir, "agents", `${name}.md`),
}));

const named = (name: string) => ({ name });
const agent = (fields: Partial<AgentDefinition>): AgentDefinition => ({
  name: "a",
  description: "d",
  prompt: "p",
  file: "/a.md",
  scope: "project",
  ...fields,
});

describe("agents contributed by Pincer plugins", () => {
  it("loads the ML intern's engineer and research agents from the plugin's package", () => {
    const warnings: string[] = [];
    const [engineer, research] = loadDeclaredAgents(internAgents, warnings);
    expect(warnings).toEqual([]);
    expect(engineer).toMatchObject({
      name: "ml-intern",
      scope: "project",
      maxTurns: 300,
      tools: ["read", "write", "edit", "bash", "grep", "glob", "ls", "todo", "task", "hf_*", "intern_*", "github_*"],
    });
    expect(engineer!.permissionMode).toBeUndefined();
    expect(engineer!.prompt).toContain("intern_model_card");
    expect(research).toMatchObject({ name: "ml-research", permissionMode: "plan", maxTurns: 40 });
    expect(research!.tools).toEqual([
      "read",
      "grep",
      "glob",
      "ls",
      "hf_hub_search",
      "hf_repo_files",
      "hf_read_file",
      "hf_list_refs",
      "hf_dataset_inspect",
      "hf_papers_*",
      "hf_docs_*",
      "github_*",
    ]);
  });

  it("warns about a declared agent whose file is missing, misnamed or has a bad maxTurns", () => {
    const root = tree({
      "agents/other.md": "---\nname: something-else\ndescription: d\n---\nbody",
      "agents/bad.md": "---\nname: bad\ndescription: d\nmaxTurns: lots\n---\nbody",
    });
    const warnings: string[] = [];
    const agents = loadDeclaredAgents(
      ["gone", "other", "bad"].map((name) => ({ plugin: "probe", name, file: join(root, "agents", `${name}.md`) })),
      warnings,
    );
    expect(agents).toEqual([]);
    expect(warnings[0]).toMatch(
      /^Plugin probe declares agent gone, but .*gone\.md does not exist; reinstall the plugin\.$/,
    );
    expect(warnings[1]).toMatch(/plugin probe declares it as "other" but the file names "something-else"/);
    expect(warnings[2]).toMatch(/bad\.md: maxTurns "lots" is not a positive integer/);
  });

  it("puts them after the project's and user's agents, which win a name clash", () => {
    const root = tree({ "project/.pincer/agents/mine.md": "---\nname: ml-research\ndescription: my own\n---\nMine." });
    const warnings: string[] = [];
    const context = gatherAgentContext({
      cwd: join(root, "project"),
      home: join(root, "home"),
      env: { HOME: root },
      warnings,
      pluginAgents: internAgents,
    });
    expect(context.agents.map((each) => `${each.name}:${each.description}`)).toEqual([
      "ml-research:my own",
      expect.stringMatching(/^ml-intern:An ML engineer/),
    ]);
  });
});

describe("selectTools", () => {
  const tools = ["read", "edit", "todo", "hf_hub_search", "hf_job_run", "intern_results"].map(named);

  it("matches names case-insensitively, Claude Code's aliases, and * patterns", () => {
    const missing: string[] = [];
    const picked = selectTools(tools, ["Read", "TodoWrite", "hf_*", "nope", "x_*"], missing);
    expect(picked.map((tool) => tool.name)).toEqual(["read", "todo", "hf_hub_search", "hf_job_run"]);
    expect(missing).toEqual(["nope", "x_*"]);
  });

  it("treats pattern characters other than * literally", () => {
    expect(selectTools([named("a.b"), named("axb")], ["a.b"], []).map((tool) => tool.name)).toEqual(["a.b"]);
  });
});

describe("--agent: the session runs as an agent", () => {
  it("refuses an unknown agent, listing the available ones", () => {
    const run = (agents: AgentDefinition[]) => () =>
      resolveSessionAgent({ name: "ghost", agents, settingsMode: "default", flagMode: undefined, warnings: [] });
    expect(run([agent({ name: "ml-intern" }), agent({ name: "ml-research" })])).toThrow(
      new UsageError('Unknown agent "ghost". Available agents: ml-intern, ml-research.'),
    );
    expect(run([])).toThrow(/no agents are defined\. Add one as \.pincer\/agents\/ghost\.md/);
  });

  it("checks the name before the terminal opens, knowing the built-in plugins' agents and the project's", () => {
    const root = tree({ "project/.pincer/agents/mine.md": "---\nname: mine\ndescription: d\n---\nMine." });
    const where = { cwd: join(root, "project"), home: join(root, "home"), env: { HOME: root } };
    expect(() => checkAgentExists({ ...where, agent: "ml-intern" })).not.toThrow();
    expect(() => checkAgentExists({ ...where, agent: "mine" })).not.toThrow();
    expect(() => checkAgentExists({ ...where, agent: "ghost" })).toThrow(
      new UsageError('Unknown agent "ghost". Available agents: mine, ml-intern, ml-research.'),
    );
  });

  it("applies the agent's mode: a plugin's or project's only narrows, a user's may widen, a flag wins", () => {
    const resolve = (fields: Partial<AgentDefinition>, flagMode?: "acceptEdits") => {
      const warnings: string[] = [];
      const session = resolveSessionAgent({
        name: "a",
        agents: [agent(fields)],
        settingsMode: "default",
        flagMode,
        warnings,
      });
      return { mode: session.mode, warnings };
    };
    expect(resolve({ permissionMode: "plan" })).toEqual({ mode: "plan", warnings: [] });
    const widened = resolve({ permissionMode: "bypassPermissions" });
    expect(widened.mode).toBe("default");
    expect(widened.warnings[0]).toMatch(/may only narrow "default".*Pass --permission-mode bypassPermissions/);
    expect(resolve({ permissionMode: "bypassPermissions", scope: "user" }).mode).toBe("bypassPermissions");
    expect(resolve({ permissionMode: "plan" }, "acceptEdits").mode).toBe("acceptEdits");
    expect(resolve({}).mode).toBe("default");
  });

  it("restricts the session's tools to the agent's list and warns about names it lacks", () => {
    const warnings: string[] = [];
    const session = resolveSessionAgent({
      name: "a",
      agents: [agent({ tools: ["read", "hf_*", "missing"] })],
      settingsMode: "default",
      flagMode: undefined,
      warnings,
    });
    const kept = agentTools(["read", "bash", "hf_job_logs", "mcp__x__y"].map(named), session, warnings);
    expect(kept.map((tool) => tool.name)).toEqual(["read", "hf_job_logs"]);
    expect(warnings).toEqual([
      "Agent a: missing is not available here (the plugin is not installed, or not active without its credentials).",
    ]);
    expect(session.keeps("hf_papers_search")).toBe(true);
    expect(session.keeps("mcp__x__y")).toBe(false);
    expect(session.systemPromptSection).toBe("p");
    const open = resolveSessionAgent({
      name: "a",
      agents: [agent({})],
      settingsMode: "default",
      flagMode: undefined,
      warnings,
    });
    expect(open.keeps("anything")).toBe(true);
  });
});

describe("the task tool with an agent's own turn budget", () => {
  it("stops the subagent at the maxTurns of its front matter", async () => {
    const loop: ProviderEvent[] = [
      { type: "toolcall_start", index: 0, id: "c", name: "read" },
      { type: "toolcall_delta", index: 0, argumentsDelta: "{}" },
      { type: "toolcall_end", index: 0 },
      { type: "stop", reason: "toolUse" },
    ];
    const requests: ModelRequest[] = [];
    let turn = 0;
    const provider: Provider = {
      id: "fake",
      async *stream(request) {
        requests.push(request);
        // Different text each time, so the loop guard has nothing to say.
        yield { type: "text_delta", text: `step ${++turn}` };
        yield* loop;
      },
    };
    const read: AnyTool = {
      name: "read",
      description: "read",
      kind: "read",
      parameters: { type: "object" },
      execute: async () => ({ content: `content ${turn}` }),
    };
    let parent = createKernel({ model: "fake/m", providers: [provider], tools: [read] });
    const task = createTaskTool({
      agents: [agent({ name: "short", maxTurns: 2 })],
      parent: () => parent,
      loadProvider: async () => ({ provider, models: [] }),
      maxTurns: 50,
    });
    parent = createKernel({ model: "fake/m", providers: [provider], tools: [read, task] });
    const result = await task.execute(
      { agent: "short", description: "x", prompt: "go" },
      { toolCallId: "t", cwd: "/", signal: new AbortController().signal, onUpdate: () => {} },
    );
    expect(result.isError).toBe(true);
    expect(result.details).toMatchObject({ stopReason: "max_turns", steps: 2 });
    expect(requests).toHaveLength(2);
  });
});
