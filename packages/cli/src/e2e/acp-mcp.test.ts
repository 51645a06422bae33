import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import {
  type AvailableCommand,
  type CreateElicitationRequest,
  client,
  ndJsonStream,
  type RequestPermissionRequest,
  type SessionNotification,
} from "@agentclientprotocol/sdk";
import { everythingServer, serveMcpHttp, startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, sandbox } from "./run-cli.js";

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
let http: Awaited<ReturnType<typeof serveMcpHttp>>;
beforeAll(async () => {
  model = await startOpenAIServer();
  http = await serveMcpHttp();
});
afterAll(async () => {
  await model.close();
  await http.close();
});

/** An editor (the official ACP client SDK) that shows forms and allows every tool call once. */
function editor(cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI, "acp", "--model", "openai/gpt-5"], {
    cwd,
    env: { ...env, OPENAI_API_KEY: "sk-test-acp-mcp-01", OPENAI_BASE_URL: model.url },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const notifications: SessionNotification[] = [];
  const forms: CreateElicitationRequest[] = [];
  const questions: RequestPermissionRequest[] = [];
  const connection = client({ name: "test-editor" })
    .onRequest("session/request_permission", ({ params }) => {
      questions.push(params);
      return { outcome: { outcome: "selected", optionId: "allow_once" } };
    })
    .onRequest("elicitation/create", ({ params }) => {
      forms.push(params);
      return { action: "accept", content: { name: "Ada Lovelace", check: true } };
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
  const commands = (): AvailableCommand[] => {
    const updates = notifications.map((n) => n.update).filter((u) => u.sessionUpdate === "available_commands_update");
    const last = updates.at(-1);
    return last?.sessionUpdate === "available_commands_update" ? last.availableCommands : [];
  };
  return {
    agent: connection.agent,
    forms,
    questions,
    notifications,
    commands,
    stderr: () => stderr,
    async close() {
      child.stdin!.end();
      const code = await exited;
      connection.close();
      return code;
    },
  };
}

describe("pincer acp with the editor's MCP servers", () => {
  it("starts the editor's stdio and HTTP servers, lists the session's commands and shows a server's form in the editor", async () => {
    using box = sandbox();
    mkdirSync(join(box.cwd, ".claude", "commands"), { recursive: true });
    writeFileSync(
      join(box.cwd, ".claude", "commands", "hello.md"),
      "---\ndescription: Say hello\n---\nSay hello to $ARGUMENTS.\n",
    );
    const ed = editor(box.cwd, box.env);
    try {
      const init = await ed.agent.request("initialize", {
        protocolVersion: 1,
        clientCapabilities: {
          fs: { readTextFile: false, writeTextFile: false },
          terminal: false,
          elicitation: { form: {} },
        },
      });
      expect(init.agentCapabilities?.mcpCapabilities).toEqual({ http: true, sse: true });
      const everything = everythingServer();
      const { sessionId } = await ed.agent.request("session/new", {
        cwd: box.cwd,
        mcpServers: [
          {
            name: "Everything Server",
            command: everything.command,
            args: everything.args,
            env: [{ name: "MARK", value: "${NOT_EXPANDED}" }],
          },
          { type: "http", name: "web", url: http.url, headers: [] },
        ],
      });

      // The commands: Pincer's own, the project's markdown ones, then the servers' prompts.
      await until(() => ed.commands().some((command) => command.name === "mcp__Everything_Server__simple-prompt"), {
        message: () => `commands: ${JSON.stringify(ed.commands().map((c) => c.name))}\n${ed.stderr()}`,
      });
      const names = ed.commands().map((command) => command.name);
      expect(names).toEqual(
        expect.arrayContaining(["compact", "hello", "mcp__Everything_Server__args-prompt", "mcp__web__greet"]),
      );
      expect(ed.commands().find((command) => command.name === "hello")).toMatchObject({ description: "Say hello" });

      // A markdown command typed in the editor becomes its prompt.
      model.enqueue([{ text: "Hello, Ada!" }, { finish: "stop" }]);
      await ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "/hello Ada" }] });
      expect(JSON.stringify(model.requests.at(-1)!.body)).toContain("Say hello to Ada.");

      // The server's tools, from both transports; an editor value stays as the editor gave it.
      model.enqueue([
        {
          toolCalls: [
            { id: "e1", name: "mcp__Everything_Server__trigger-elicitation-request", arguments: {} },
            { id: "e2", name: "mcp__Everything_Server__get-env", arguments: {} },
            { id: "e3", name: "mcp__web__echo", arguments: { text: "over http" } },
          ],
        },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "done" }, { finish: "stop" }]);
      const from = model.requests.length;
      const response = await ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "go" }] });
      expect(response.stopReason).toBe("end_turn");
      const results = JSON.stringify(model.requests.slice(from).at(-1)!.body);
      expect(results).toContain("Ada Lovelace");
      expect(results).toContain("${NOT_EXPANDED}");
      expect(results).toContain("echo: over http");
      // The form went to the editor, tied to the call, naming the server.
      expect(ed.forms).toHaveLength(1);
      expect(ed.forms[0]).toMatchObject({
        sessionId,
        toolCallId: "e1",
        mode: "form",
        message: 'The MCP server "Everything_Server" asks: Please provide inputs for the following fields:',
      });

      // A server's sampling request is asked in the editor, tied to the running call, and once
      // allowed the session's model answers it.
      model.enqueue([
        {
          toolCalls: [
            { id: "s1", name: "mcp__Everything_Server__trigger-sampling-request", arguments: { prompt: "2+2?" } },
          ],
        },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "four" }, { finish: "stop" }]);
      model.enqueue([{ text: "done" }, { finish: "stop" }]);
      const before = model.requests.length;
      await ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "sample" }] });
      const sampling = ed.questions.find((question) => (question.toolCall.rawInput as { server?: string })?.server);
      expect(sampling?.toolCall).toMatchObject({
        toolCallId: "s1",
        title: 'The MCP server "Everything_Server" asks to use your model (up to 100 tokens)',
      });
      expect(JSON.stringify(sampling?.toolCall.content)).toContain("2+2?");
      expect(sampling?.options.map((option) => option.name)).toContain(
        "Always allow mcp_sampling(Everything_Server) in this session",
      );
      const sent = model.requests.slice(before);
      expect(sent).toHaveLength(3);
      expect(JSON.stringify(sent[1]!.body)).toContain("You are a helpful test server.");
      expect(JSON.stringify(sent[2]!.body)).toContain("four");

      // A server's progress notifications reach the editor as the running call's live output.
      model.enqueue([
        {
          toolCalls: [
            {
              id: "p1",
              name: "mcp__Everything_Server__trigger-long-running-operation",
              arguments: { duration: 0.3, steps: 3 },
            },
          ],
        },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "done" }, { finish: "stop" }]);
      await ed.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "wait" }] });
      const live = ed.notifications
        .map((notification) => notification.update)
        .filter(
          (update) => update.sessionUpdate === "tool_call_update" && update.toolCallId === "p1" && !update.status,
        );
      expect(JSON.stringify(live[0])).toContain("[progress 1/3]");
    } finally {
      expect(await ed.close()).toBe(0);
    }
  }, 60_000);

  it("starts the servers an editor passes when it loads a saved session", async () => {
    using box = sandbox();
    const init = {
      protocolVersion: 1,
      clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
    };
    const first = editor(box.cwd, box.env);
    let sessionId: string;
    try {
      await first.agent.request("initialize", init);
      ({ sessionId } = await first.agent.request("session/new", { cwd: box.cwd, mcpServers: [] }));
      model.enqueue([{ text: "Hi." }, { finish: "stop" }]);
      await first.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "hello" }] });
    } finally {
      expect(await first.close()).toBe(0);
    }
    const second = editor(box.cwd, box.env);
    try {
      await second.agent.request("initialize", init);
      await second.agent.request("session/load", {
        sessionId,
        cwd: box.cwd,
        mcpServers: [{ type: "http", name: "web", url: http.url, headers: [] }],
      });
      model.enqueue([
        { toolCalls: [{ id: "l1", name: "mcp__web__echo", arguments: { text: "after load" } }] },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "done" }, { finish: "stop" }]);
      const from = model.requests.length;
      await second.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "echo" }] });
      const sent = model.requests.slice(from);
      expect(JSON.stringify(sent[0]!.body)).toContain("mcp__web__echo");
      expect(JSON.stringify(sent.at(-1)!.body)).toContain("echo: after load");
    } finally {
      expect(await second.close()).toBe(0);
    }
  }, 60_000);
});
