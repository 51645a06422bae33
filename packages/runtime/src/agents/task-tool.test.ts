import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentRoots, loadAgents } from "@pincer/claude-code";
import {
  type AnyTool,
  createKernel,
  type ModelRequest,
  type PermissionResolver,
  type Provider,
  type ProviderEvent,
} from "@pincer/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { createTaskTool } from "./task-tool.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Reply = ProviderEvent[];
const say = (text: string): Reply => [
  { type: "text_delta", text },
  { type: "usage", usage: { input: 10, output: 5 } },
  { type: "stop", reason: "stop" },
];
const call = (name: string, args: Record<string, unknown>): Reply => [
  { type: "toolcall_start", index: 0, id: `c-${name}`, name },
  { type: "toolcall_delta", index: 0, argumentsDelta: JSON.stringify(args) },
  { type: "toolcall_end", index: 0 },
  { type: "stop", reason: "toolUse" },
];

/** Replies in order and keeps every request, so a test can see what the subagent was sent. */
function scripted(id: string, replies: Reply[]): Provider & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    id,
    requests,
    async *stream(request, signal) {
      requests.push(request);
      const reply = replies.shift();
      if (!reply) throw new Error("no scripted reply left");
      for (const event of reply) {
        if (signal.aborted) return;
        yield event;
      }
    },
  };
}

const echo: AnyTool = {
  name: "echo",
  description: "echo",
  kind: "execute",
  parameters: { type: "object", properties: { text: { type: "string" } } },
  async execute(args) {
    return { content: `echo ${args.text}` };
  },
};
const look: AnyTool = { ...echo, name: "read", kind: "read", execute: async () => ({ content: "file text" }) };

function agentsDir(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "pincer-agents-"));
  dirs.push(root);
  const cwd = join(root, "project");
  const pincerHome = join(root, "home");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { cwd, pincerHome };
}

function parentWith(provider: Provider, tools: AnyTool[], mode: "default" | "plan" = "default") {
  return createKernel({ model: "fake/m", providers: [provider], tools, permissions: { mode } });
}

const ctx = (signal = new AbortController().signal) => ({
  toolCallId: "t",
  cwd: "/",
  signal,
  onUpdate: () => {},
});

describe("loadAgents", () => {
  it("reads agents from project and user folders and skips bad ones with a warning", () => {
    const where = agentsDir({
      "project/.pincer/agents/reviewer.md":
        "---\nname: reviewer\ndescription: Reviews code\ntools: Read, Grep\nmodel: inherit\npermissionMode: plan\n---\nYou review.",
      "project/.claude/agents/bad.md": "---\nname: bad\n---\nNo description",
      "home/agents/helper.md": "---\nname: helper\ndescription: Helps\npermissionMode: yolo\n---\n",
    });
    const warnings: string[] = [];
    const agents = loadAgents(agentRoots(where), warnings);
    expect(agents).toEqual([
      expect.objectContaining({
        name: "reviewer",
        tools: ["Read", "Grep"],
        permissionMode: "plan",
        prompt: "You review.",
        scope: "project",
      }),
    ]);
    expect(warnings.join("\n")).toMatch(/bad\.md: its front matter has no "description"/);
    expect(warnings.join("\n")).toMatch(/helper\.md: unknown permissionMode "yolo"/);
  });
});

describe("the task tool", () => {
  it("lists each agent with its description, a long one cut at a word before 100 characters", () => {
    const long = `Finds flaky tests - ${"reruns each suspect many times and reports ".repeat(4)}`;
    const where = agentsDir({
      "project/.pincer/agents/short.md": "---\nname: short\ndescription: Reviews code\n---\nYou review.",
      "project/.pincer/agents/long.md": `---\nname: long\ndescription: ${long}\n---\nYou hunt.`,
    });
    const task = createTaskTool({
      agents: loadAgents(agentRoots(where), []),
      parent: () => parentWith(scripted("fake", []), []),
      loadProvider: async () => ({ provider: scripted("fake", []), models: [] }),
    });
    expect(task.description.split("\n")).toContain("- short: Reviews code");
    const line = task.description.split("\n").find((each) => each.startsWith("- long: ")) as string;
    expect(line).toBe(
      "- long: Finds flaky tests - reruns each suspect many times and reports reruns each suspect many times and...",
    );
    expect(line.length).toBeLessThanOrEqual("- long: ".length + 101);
  });

  it("runs the agent with its prompt, only its tools and the parent's model, and returns its final text", async () => {
    const where = agentsDir({
      "project/.pincer/agents/reviewer.md":
        "---\nname: reviewer\ndescription: Reviews code\ntools: Read, Nope\n---\nYou review.",
    });
    const provider = scripted("fake", [call("read", { path: "a" }), say("Looks good.")]);
    let parent = parentWith(provider, [look, echo]);
    const task = createTaskTool({
      agents: loadAgents(agentRoots(where), []),
      parent: () => parent,
      loadProvider: async () => ({ provider, models: [] }),
      memory: "# Project instructions\nbe brief",
    });
    parent = parentWith(provider, [look, echo, task]);
    expect(task.description).toContain("- reviewer: Reviews code");
    const result = await task.execute({ agent: "reviewer", description: "review", prompt: "Review a" }, ctx());
    expect(result.content).toBe("Looks good.");
    expect(result.isError).toBeUndefined();
    const first = provider.requests[0]!;
    expect(first.systemPrompt.startsWith("You review.")).toBe(true);
    expect(first.systemPrompt).toContain("be brief");
    expect(first.tools.map((tool) => tool.name)).toEqual(["read"]);
    expect(first.model).toBe("m");
    expect(first.messages[0]).toMatchObject({ role: "user", content: "Review a" });
    expect(result.details).toMatchObject({
      agent: "reviewer",
      stopReason: "end_turn",
      steps: 2,
      usage: { input: 10, output: 5 },
      notes: ['tool "Nope" is not available here'],
    });
  });

  it("an agent file's model alias (model: haiku) runs the agent on the model it stands for", async () => {
    const where = agentsDir({
      "project/.claude/agents/quick.md": "---\nname: quick\ndescription: Quick looks\nmodel: haiku\n---\nBe quick.",
    });
    const parentProvider = scripted("fake", []);
    const anthropic = scripted("anthropic", [say("quick answer")]);
    const loaded: string[] = [];
    let parent = parentWith(parentProvider, []);
    const task = createTaskTool({
      agents: loadAgents(agentRoots(where), []),
      parent: () => parent,
      loadProvider: async (id) => {
        loaded.push(id);
        return { provider: anthropic, models: [] };
      },
    });
    parent = parentWith(parentProvider, [task]);
    const result = await task.execute({ agent: "quick", description: "x", prompt: "go" }, ctx());
    expect(result.content).toBe("quick answer");
    expect(loaded).toEqual(["anthropic"]);
    expect(anthropic.requests[0]!.model).toBe("claude-haiku-4-5");
  });

  it("defaults to a general agent with the parent's tools minus task, and reports unknown agents", async () => {
    const provider = scripted("fake", [say("done")]);
    let parent = parentWith(provider, []);
    const task = createTaskTool({
      agents: [],
      parent: () => parent,
      loadProvider: async () => ({ provider, models: [] }),
    });
    parent = parentWith(provider, [echo, task]);
    expect((await task.execute({ description: "x", prompt: "go" }, ctx())).content).toBe("done");
    expect(provider.requests[0]!.tools.map((tool) => tool.name)).toEqual(["echo"]);
    expect(provider.requests[0]!.systemPrompt).toContain("subagent");
    const unknown = await task.execute({ agent: "ghost", description: "x", prompt: "go" }, ctx());
    expect(unknown).toMatchObject({ isError: true, content: expect.stringContaining("general-purpose") });
  });

  it("thinks as hard as its parent: the parent's level, changed mid-session, reaches the subagent's request", async () => {
    const provider = scripted("fake", [say("first"), say("second")]);
    const task = createTaskTool({
      agents: [],
      parent: () => parent,
      loadProvider: async () => ({ provider, models: [] }),
    });
    const parent = createKernel({ model: "fake/m", providers: [provider], tools: [task], thinking: "high" });
    await task.execute({ description: "x", prompt: "go" }, ctx());
    parent.setThinking("off");
    await task.execute({ description: "y", prompt: "go again" }, ctx());
    expect(provider.requests.map((request) => request.reasoning)).toEqual(["high", undefined]);
  });

  it("asks the parent's resolver about its tool calls, and a project agent cannot widen the mode", async () => {
    const where = agentsDir({
      "project/.pincer/agents/yolo.md":
        "---\nname: yolo\ndescription: Wants all\npermissionMode: bypassPermissions\n---\nGo.",
    });
    const provider = scripted("fake", [call("echo", { text: "hi" }), say("refused")]);
    const asked: string[] = [];
    const resolver: PermissionResolver = async (request) => {
      asked.push(request.toolName);
      return { allow: false, message: "no" };
    };
    let parent = parentWith(provider, []);
    const task = createTaskTool({
      agents: loadAgents(agentRoots(where), []),
      parent: () => parent,
      loadProvider: async () => ({ provider, models: [] }),
      resolver,
    });
    parent = parentWith(provider, [echo, task]);
    const result = await task.execute({ agent: "yolo", description: "x", prompt: "go" }, ctx());
    expect(asked).toEqual(["echo"]);
    expect(result.content).toBe("refused");
    expect((result.details as { notes: string[] }).notes[0]).toMatch(/may only narrow/);
  });

  it("spends from the parent's budget, and its model cost joins the parent's usage", async () => {
    // $0.10 per input token: each text answer (10 tokens) costs $1, a tool call nothing.
    const models = [
      {
        id: "fake/m",
        contextWindow: 1000,
        maxOutputTokens: 100,
        price: { input: 100_000, output: 0, cacheRead: 0, cacheWrite: 0 },
      },
    ];
    const ran: string[] = [];
    const gpu: AnyTool = {
      ...echo,
      name: "gpu",
      estimateCost: () => ({ usd: 3, summary: "a10g-small at $1.00/h × up to 3 h ≈ $3.00" }),
      async execute() {
        ran.push("gpu");
        return { content: "trained" };
      },
    };
    // The parent hands off; the subagent runs the paid tool and reports; the parent answers.
    const provider = scripted("fake", [
      call("task", { description: "train", prompt: "train it" }),
      call("gpu", {}),
      say("trained it"),
      say("done"),
    ]);
    let parent = parentWith(provider, []);
    const task = createTaskTool({
      agents: [],
      parent: () => parent,
      loadProvider: async () => ({ provider, models }),
    });
    // Headless (no resolver): only the budget can approve the subagent's $3 call.
    parent = createKernel({
      model: "fake/m",
      providers: [provider],
      models,
      tools: [gpu, task],
      permissions: { budget: { capUsd: 4 } },
    });
    const result = await parent.prompt("go");
    expect(ran).toEqual(["gpu"]);
    expect(result.text).toBe("done");
    // The subagent's $1 answer and the parent's own $1: the run's reported cost has both.
    expect(result.usage.cost.total).toBeCloseTo(2);
    expect(result.usage.input).toBe(20);
    expect(parent.spending.toolSpendUsd).toBe(3);
    expect(parent.spending.spentUsd).toBeCloseTo(5);
  });

  it("stops when the parent's signal aborts", async () => {
    const controller = new AbortController();
    const hanging: Provider = {
      id: "fake",
      async *stream(_request, signal) {
        setTimeout(() => controller.abort(), 10);
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      },
    };
    let parent = parentWith(hanging, []);
    const task = createTaskTool({
      agents: [],
      parent: () => parent,
      loadProvider: async () => ({ provider: hanging, models: [] }),
    });
    parent = parentWith(hanging, [task]);
    const result = await task.execute({ description: "x", prompt: "go" }, ctx(controller.signal));
    expect(result.isError).toBe(true);
    expect(result.details).toMatchObject({ stopReason: "aborted" });
  });
});
