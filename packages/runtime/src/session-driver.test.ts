import { createKernel, type Kernel, type PermissionMode } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { sessionDriverHost } from "./session-driver.js";
import type { PreparedSession, SessionOptions } from "./setup.js";

/**
 * prepareSession stand-in: the mode it would give is the flag's, else the agent's (as the agent
 * resolution does for a user's own agent), else the settings' ("default").
 */
function preparing(agentModes: Record<string, PermissionMode>) {
  const asked: SessionOptions[] = [];
  const kernels: Kernel[] = [];
  const prepare = async (options: SessionOptions): Promise<PreparedSession> => {
    asked.push(options);
    const agentMode = agentModes[options.agent ?? ""];
    const mode = (options.permissionMode as PermissionMode | undefined) ?? agentMode ?? "default";
    const kernel = createKernel({ model: "test/m", permissions: { mode } });
    kernels.push(kernel);
    return {
      kernel,
      session: kernel.session,
      mode,
      ...(agentMode ? { agentMode } : {}),
      dispose: () => {},
    } as unknown as PreparedSession;
  };
  return { prepare, asked, kernels };
}

const base: SessionOptions = { cwd: "/work", home: "/home/.pincer", env: {}, resume: "parent-session", continue: true };

describe("sessions a plugin drives never run in a wider mode than the user's", () => {
  it.each([
    ["no agent: the user's mode", "acceptEdits", undefined, "acceptEdits"],
    ["an inline agent narrows it", "acceptEdits", { mode: "plan" }, "plan"],
    ["an inline agent cannot widen it", "default", { mode: "bypassPermissions" }, "default"],
    ["a named agent cannot widen it", "default", "yolo", "default"],
    ["a named agent may narrow it", "bypassPermissions", "careful", "plan"],
  ] as const)("%s", async (_what, userMode, agent, expected) => {
    const { prepare, kernels } = preparing({ yolo: "bypassPermissions", careful: "plan" });
    const host = sessionDriverHost(base, () => userMode, prepare);
    const driven = await host.start(agent === undefined ? {} : { agent });
    expect(driven.id).toBe(kernels[0]?.session.id);
    expect(kernels[0]?.permissions.mode).toBe(expected);
  });

  it("starts a new session, not the one the user resumed, with the inline agent's prompt and tools", async () => {
    const { prepare, asked } = preparing({});
    const host = sessionDriverHost({ ...base, appendSystemPrompt: "user's own" }, () => "default", prepare);
    await host.start({ agent: { prompt: "be brief", tools: ["read"] }, maxTurns: 3, model: "openai/gpt-5" });
    expect(asked[0]).toMatchObject({
      continue: false,
      fork: false,
      onlyTools: ["read"],
      appendSystemPrompt: "user's own\n\nbe brief",
      maxTurns: 3,
      model: "openai/gpt-5",
      permissionMode: "default",
    });
    expect(asked[0]?.resume).toBeUndefined();
  });
});
