import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import {
  type ClientContext,
  client,
  ndJsonStream,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SessionNotification,
  type SessionUpdate,
} from "@agentclientprotocol/sdk";
import { startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, OS_SANDBOX, type Sandbox, sandbox, stderrWithoutSandboxNotice } from "./run-cli.js";

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  model = await startOpenAIServer();
});
afterAll(() => model.close());

type PermissionHandler = (request: RequestPermissionRequest) => Promise<RequestPermissionResponse>;

/**
 * An editor as Zed is one: it spawns `pincer acp`, speaks ACP over the child's stdin/stdout
 * through the SDK's own client, answers permission questions and collects session updates.
 */
function editor(box: Sandbox, args: string[] = ["--model", "openai/gpt-5"], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, "acp", ...args], {
    cwd: box.cwd,
    env: { ...box.env, OPENAI_API_KEY: "sk-test-acp-0001", OPENAI_BASE_URL: model.url, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const notifications: SessionNotification[] = [];
  const permissions: RequestPermissionRequest[] = [];
  const state: { answer: PermissionHandler } = {
    answer: async () => ({ outcome: { outcome: "selected", optionId: "reject_once" } }),
  };
  const connection = client({ name: "test-editor" })
    .onRequest("session/request_permission", ({ params }) => {
      permissions.push(params);
      return state.answer(params);
    })
    .onNotification("session/update", ({ params }) => {
      notifications.push(params);
    })
    .connect(
      ndJsonStream(
        Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>,
        Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>,
      ),
    );
  const agent: ClientContext = connection.agent;
  return {
    agent,
    child,
    notifications,
    permissions,
    state,
    stdout: () => stdout,
    stderr: () => stderr,
    updates: (sessionId: string): SessionUpdate[] =>
      notifications.filter((n) => n.sessionId === sessionId).map((n) => n.update),
    async initialize() {
      return agent.request("initialize", {
        protocolVersion: 1,
        clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
        clientInfo: { name: "test-editor", version: "1.0.0" },
      });
    },
    async newSession() {
      return agent.request("session/new", { cwd: box.cwd, mcpServers: [] });
    },
    /** Closing stdin is how an editor ends the agent: it must exit by itself. */
    async close() {
      child.stdin!.end();
      const code = await exited;
      if (code !== 0) process.stderr.write(`pincer acp exited with ${code}; its stderr:\n${stderr}\n`);
      connection.close();
      return code;
    },
  };
}

/** Notification handlers run as messages arrive; let the ones already received finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function agentText(updates: SessionUpdate[]): string {
  return updates
    .map((update) =>
      update.sessionUpdate === "agent_message_chunk" && update.content.type === "text" ? update.content.text : "",
    )
    .join("");
}

describe("pincer acp", () => {
  it("initializes with protocol version 1 and Pincer's capabilities, refusing work before that", async () => {
    using box = sandbox();
    const ed = editor(box);
    try {
      await expect(ed.newSession()).rejects.toMatchObject({ code: -32600 });
      const init = await ed.initialize();
      expect(init.protocolVersion).toBe(1);
      expect(init.agentInfo).toMatchObject({ name: "pincer", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(init.agentCapabilities).toMatchObject({
        loadSession: true,
        promptCapabilities: { image: false, embeddedContext: true },
        sessionCapabilities: { list: {}, close: {} },
      });
      expect(init.authMethods).toEqual([]);
    } finally {
      expect(await ed.close()).toBe(0);
    }
  });

  it("runs a turn: a tool call the editor approves, its diff, text chunks, end_turn", async () => {
    using box = sandbox();
    const ed = editor(box);
    try {
      await ed.initialize();
      const { sessionId, modes } = await ed.newSession();
      expect(modes?.currentModeId).toBe("default");
      expect(modes?.availableModes.map((mode) => mode.id)).toEqual([
        "default",
        "acceptEdits",
        "plan",
        "bypassPermissions",
      ]);
      model.enqueue([
        { toolCalls: [{ id: "w1", name: "write", arguments: { path: "notes.txt", content: "from the editor\n" } }] },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "Wrote notes.txt " }, { text: "for you." }, { finish: "stop" }]);
      let announcedFirst = false;
      ed.state.answer = async () => {
        // The question never overtakes the tool_call it is about.
        announcedFirst = ed.updates(sessionId).some((u) => u.sessionUpdate === "tool_call" && u.toolCallId === "w1");
        return { outcome: { outcome: "selected", optionId: "allow_once" } };
      };

      const response = await ed.agent.request("session/prompt", {
        sessionId,
        prompt: [
          { type: "text", text: "Write notes.txt" },
          { type: "resource_link", uri: `file://${box.cwd}/spec.md`, name: "spec.md" },
          { type: "resource", resource: { uri: `file://${box.cwd}/todo.md`, text: "- ship acp" } },
        ],
      });
      await settle();
      expect(response.stopReason).toBe("end_turn");
      expect(readFileSync(join(box.cwd, "notes.txt"), "utf8")).toBe("from the editor\n");

      // The editor was asked, about this call, with the diff it will apply.
      expect(ed.permissions).toHaveLength(1);
      expect(announcedFirst).toBe(true);
      const asked = ed.permissions[0]!;
      expect(asked.sessionId).toBe(sessionId);
      expect(asked.toolCall).toMatchObject({
        toolCallId: "w1",
        title: "Write notes.txt",
        kind: "edit",
        content: [{ type: "diff", path: join(box.cwd, "notes.txt"), newText: "from the editor\n" }],
      });
      expect(asked.options.map((option) => option.kind)).toEqual(["allow_once", "allow_always", "reject_once"]);

      const updates = ed.updates(sessionId);
      const call = updates.filter(
        (update) =>
          (update.sessionUpdate === "tool_call" || update.sessionUpdate === "tool_call_update") &&
          update.toolCallId === "w1",
      );
      expect(call.map((update) => ("status" in update ? update.status : undefined))).toEqual([
        "pending",
        "in_progress",
        "completed",
      ]);
      expect(call[0]).toMatchObject({
        sessionUpdate: "tool_call",
        kind: "edit",
        rawInput: { path: "notes.txt", content: "from the editor\n" },
        locations: [{ path: join(box.cwd, "notes.txt") }],
      });
      expect(JSON.stringify(call[2])).toContain("Created");
      expect(agentText(updates)).toBe("Wrote notes.txt for you.");
      // Text streams after the tool call finished, in order.
      const lastCall = updates.lastIndexOf(call[2]!);
      expect(updates.findIndex((update) => update.sessionUpdate === "agent_message_chunk")).toBeGreaterThan(lastCall);

      // The attached file went to the model as context, the link as a reference.
      const sent = JSON.stringify((model.requests.at(-2)!.body as { messages: unknown[] }).messages);
      expect(sent).toContain("Write notes.txt");
      expect(sent).toContain(`@${box.cwd}/spec.md`);
      expect(sent).toContain(`<context ref=\\"file://${box.cwd}/todo.md\\">\\n- ship acp\\n</context>`);
    } finally {
      expect(await ed.close()).toBe(0);
    }
    // Nothing but protocol messages on stdout, and no noise on stderr.
    for (const line of ed.stdout().split("\n").filter(Boolean)) {
      expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
    }
    expect(stderrWithoutSandboxNotice(ed.stderr()).trim()).toBe("");
  });

  it("honours reject_once and allow_always; a mode switch skips the question", async () => {
    using box = sandbox();
    const ed = editor(box);
    try {
      await ed.initialize();
      const { sessionId } = await ed.newSession();
      const write = (id: string, path: string) => {
        model.enqueue([
          { toolCalls: [{ id, name: "write", arguments: { path, content: id } }] },
          { finish: "tool_calls" },
        ]);
        model.enqueue([{ text: "done" }, { finish: "stop" }]);
        return ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: `write ${path}` }] });
      };

      // Rejected: the tool does not run and the call shows as failed.
      ed.state.answer = async () => ({ outcome: { outcome: "selected", optionId: "reject_once" } });
      expect((await write("r1", "rejected.txt")).stopReason).toBe("end_turn");
      await settle();
      expect(existsSync(join(box.cwd, "rejected.txt"))).toBe(false);
      const rejected = ed
        .updates(sessionId)
        .filter((u) => u.sessionUpdate === "tool_call_update" && u.toolCallId === "r1");
      expect(rejected.at(-1)).toMatchObject({ status: "failed" });
      expect(JSON.stringify(rejected.at(-1))).toContain("Permission denied by the user");
      expect(JSON.stringify(model.requests.at(-1)!.body)).toContain("Permission denied by the user");

      // Always: the suggested rule is remembered, so the next write in that directory is not asked.
      ed.state.answer = async (request) => {
        const always = request.options.find((option) => option.kind === "allow_always")!;
        expect(always.name).toMatch(/^Always allow write\(/);
        return { outcome: { outcome: "selected", optionId: always.optionId } };
      };
      await write("a1", "notes/first.txt");
      expect(ed.permissions).toHaveLength(2);
      await write("a2", "notes/second.txt");
      expect(ed.permissions).toHaveLength(2);
      expect(readFileSync(join(box.cwd, "notes", "second.txt"), "utf8")).toBe("a2");

      // bypassPermissions: a command runs without a question.
      await ed.agent.request("session/set_mode", { sessionId, modeId: "bypassPermissions" });
      // (Where there is no OS sandbox, it is asked all the same, and allowed once here.)
      ed.state.answer = async () => ({ outcome: { outcome: "selected", optionId: "allow_once" } });
      model.enqueue([
        { toolCalls: [{ id: "b1", name: "bash", arguments: { command: "echo hi > bypass.txt" } }] },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "ran" }, { finish: "stop" }]);
      await ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "run it" }] });
      await settle();
      // Unless there is no OS sandbox here: then no mode answers for a person, and the command asks.
      expect(ed.permissions).toHaveLength(OS_SANDBOX ? 2 : 3);
      expect(ed.updates(sessionId).find((u) => u.sessionUpdate === "tool_call" && u.toolCallId === "b1")).toMatchObject(
        {
          kind: "execute",
          title: "Run echo hi > bypass.txt",
        },
      );
      expect(readFileSync(join(box.cwd, "bypass.txt"), "utf8")).toBe("hi\n");
      await expect(ed.agent.request("session/set_mode", { sessionId, modeId: "yolo" })).rejects.toMatchObject({
        code: -32602,
      });
    } finally {
      expect(await ed.close()).toBe(0);
    }
  });

  it("cancels a turn mid-stream and while a permission question is open: stopReason cancelled", async () => {
    using box = sandbox();
    // The model from PINCER_MODEL this time, as an editor's environment would set it.
    const ed = editor(box, [], { PINCER_MODEL: "openai/gpt-5" });
    try {
      await ed.initialize();
      const { sessionId } = await ed.newSession();

      model.enqueue([{ text: "Thinking about it" }, { hang: true }]);
      const streaming = ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "go" }] });
      await until(() => agentText(ed.updates(sessionId)).length > 0, "the first text chunk");
      await ed.agent.notify("session/cancel", { sessionId });
      expect((await streaming).stopReason).toBe("cancelled");

      // The editor holds the question; cancelling ends the turn without waiting for its answer.
      let asked!: () => void;
      const questionOpen = new Promise<void>((resolve) => (asked = resolve));
      ed.state.answer = () => {
        asked();
        return new Promise(() => {});
      };
      model.enqueue([
        { toolCalls: [{ id: "c1", name: "write", arguments: { path: "never.txt", content: "no" } }] },
        { finish: "tool_calls" },
      ]);
      const pending = ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "write" }] });
      await questionOpen;
      await ed.agent.notify("session/cancel", { sessionId });
      expect((await pending).stopReason).toBe("cancelled");
      await settle();
      expect(existsSync(join(box.cwd, "never.txt"))).toBe(false);
      expect(
        ed.updates(sessionId).find((u) => u.sessionUpdate === "tool_call_update" && u.status === "failed"),
      ).toMatchObject({
        toolCallId: "c1",
      });

      // The session still works after both cancellations.
      model.enqueue([{ text: "back" }, { finish: "stop" }]);
      const again = await ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "hi" }] });
      await settle();
      expect(again.stopReason).toBe("end_turn");
      expect(agentText(ed.updates(sessionId))).toBe("Thinking about itback");

      // The editor goes away mid-turn (stdin ends): the agent stops the turn and exits cleanly.
      model.enqueue([{ text: "never finished" }, { hang: true }]);
      const orphan = ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "long" }] });
      orphan.catch(() => {});
      await until(() => agentText(ed.updates(sessionId)).endsWith("never finished"), "the orphaned turn to stream");
    } finally {
      expect(await ed.close()).toBe(0);
    }
  });

  it("takes a prompt sent while a turn runs as steering: the first answers end_turn once the model has it", async () => {
    using box = sandbox();
    const ed = editor(box);
    try {
      await ed.initialize();
      const { sessionId } = await ed.newSession();
      model.enqueue([
        { toolCalls: [{ id: "w1", name: "write", arguments: { path: "notes.txt", content: "a\r\n" } }] },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "Rewriting with LF." }, { finish: "stop" }]);
      const sessionFile = join(box.env.PINCER_HOME!, "sessions", `${sessionId}.jsonl`);
      let second: Promise<{ stopReason: string }> | undefined;
      let firstAnswered = false;
      ed.state.answer = async () => {
        // The user types on while the editor asks: the editor sends the next prompt at once.
        second = ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "use LF endings" }] });
        void second.then(() => expect(firstAnswered).toBe(true));
        // Queued in the kernel (recorded in the session) before the question is answered.
        await until(() => readFileSync(sessionFile, "utf8").includes('"action":"queued"'), "the prompt to be queued");
        return { outcome: { outcome: "selected", optionId: "allow_once" } };
      };
      const first = await ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "write" }] });
      firstAnswered = true;
      expect(first.stopReason).toBe("end_turn");
      expect((await second!).stopReason).toBe("end_turn");
      await settle();
      expect(agentText(ed.updates(sessionId))).toContain("Rewriting with LF.");
      // The model read the steering after the tool's result, in the same turn.
      const sent = (model.requests.at(-1)!.body as { messages: Array<{ role: string; content: unknown }> }).messages;
      expect(sent.at(-2)).toMatchObject({ role: "tool" });
      expect(sent.at(-1)).toMatchObject({ role: "user", content: "use LF endings" });

      // Cancelled while queued: both requests answer cancelled.
      model.enqueue([{ text: "Slow" }, { hang: true }]);
      const slow = ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "slow" }] });
      await until(() => agentText(ed.updates(sessionId)).endsWith("Slow"), "the slow turn to stream");
      const queued = ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "hurry" }] });
      await until(
        () => readFileSync(sessionFile, "utf8").split('"action":"queued"').length === 3,
        "the second queued prompt",
      );
      await ed.agent.notify("session/cancel", { sessionId });
      expect((await slow).stopReason).toBe("cancelled");
      expect((await queued).stopReason).toBe("cancelled");
    } finally {
      expect(await ed.close()).toBe(0);
    }
  }, 20_000);

  it("answers an unknown method and a malformed line with errors, and keeps serving", async () => {
    using box = sandbox();
    const ed = editor(box);
    try {
      await ed.initialize();
      await expect(ed.agent.request("pincer/teleport", { where: "mars" })).rejects.toMatchObject({ code: -32601 });
      ed.child.stdin!.write("{this is not json\n");
      await until(() => ed.stdout().includes('"code":-32700'), "the parse error");
      await expect(
        ed.agent.request("session/prompt", { sessionId: "no-such-session", prompt: [{ type: "text", text: "x" }] }),
      ).rejects.toMatchObject({ code: -32002 });

      const { sessionId } = await ed.newSession();
      // A failed model call is an error response the editor shows, not a finished turn.
      model.enqueue([{ httpError: { status: 401 } }]);
      await expect(
        ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "x" }] }),
      ).rejects.toMatchObject({ code: -32603, message: expect.stringContaining("401") });
      model.enqueue([{ text: "still here" }, { finish: "stop" }]);
      const response = await ed.agent.request("session/prompt", {
        sessionId,
        prompt: [{ type: "text", text: "ping" }],
      });
      await settle();
      expect(response.stopReason).toBe("end_turn");
      expect(agentText(ed.updates(sessionId))).toBe("still here");
      expect(ed.child.exitCode).toBeNull();
    } finally {
      expect(await ed.close()).toBe(0);
    }
  });

  it("lists and loads a stored session, replaying it as updates, and goes on from there", async () => {
    using box = sandbox();
    const first = editor(box, ["--model", "openai/gpt-5", "--permission-mode", "bypassPermissions"]);
    let sessionId: string;
    try {
      await first.initialize();
      ({ sessionId } = await first.newSession());
      model.enqueue([
        { reasoning: "Plan first." },
        { toolCalls: [{ id: "t1", name: "todo", arguments: { todos: [{ content: "Say hi", status: "completed" }] } }] },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "Hello there." }, { finish: "stop" }]);
      await first.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "greet me" }] });
      await settle();
      expect(first.updates(sessionId)).toContainEqual({
        sessionUpdate: "plan",
        entries: [{ content: "Say hi", status: "completed", priority: "medium" }],
      });
      expect(first.updates(sessionId)).toContainEqual(
        expect.objectContaining({ sessionUpdate: "agent_thought_chunk" }),
      );
    } finally {
      expect(await first.close()).toBe(0);
    }

    const second = editor(box);
    try {
      await second.initialize();
      const listed = await second.agent.request("session/list", { cwd: box.cwd });
      expect(listed.sessions).toEqual([expect.objectContaining({ sessionId, cwd: box.cwd, title: "greet me" })]);

      await second.agent.request("session/load", { sessionId, cwd: box.cwd, mcpServers: [] });
      // Replayed before the load answered, in conversation order.
      const replayed = second.updates(sessionId).map((update) => update.sessionUpdate);
      expect(replayed).toEqual([
        "user_message_chunk",
        "agent_thought_chunk",
        "plan",
        "tool_call",
        "agent_message_chunk",
      ]);
      expect(second.updates(sessionId)[3]).toMatchObject({ toolCallId: "t1", status: "completed", kind: "think" });
      expect(agentText(second.updates(sessionId))).toBe("Hello there.");

      model.enqueue([{ text: "Welcome back." }, { finish: "stop" }]);
      const response = await second.agent.request("session/prompt", {
        sessionId,
        prompt: [{ type: "text", text: "again" }],
      });
      expect(response.stopReason).toBe("end_turn");
      // The model saw the earlier conversation.
      expect(JSON.stringify(model.requests.at(-1)!.body)).toContain("Hello there.");

      await expect(
        second.agent.request("session/load", { sessionId: "19990101-000000-abcdef", cwd: box.cwd, mcpServers: [] }),
      ).rejects.toMatchObject({ code: -32002 });
    } finally {
      expect(await second.close()).toBe(0);
    }
  });
});
