import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { rulesFromConfig } from "./permissions/engine.js";
import type { AnyTool } from "./tool.js";

const tool = (name: string, kind: AnyTool["kind"]): AnyTool => ({
  name,
  description: name,
  kind,
  parameters: { type: "object", properties: { value: { type: "string" } }, additionalProperties: false },
  permissionSubject: (args) => ({ kind: "command", value: String(args.value ?? "") }),
  async execute(args) {
    return { content: `${name} ran ${String(args.value)}`, details: { exitCode: 0 } };
  },
});

describe("what a front end runs with the kernel for a command", () => {
  it("runTool runs one call through the permission engine, refused headless unless a rule allows it", async () => {
    const kernel = createKernel({ model: "test/m", providers: [scriptedProvider([])], tools: [tool("sh", "execute")] });
    const refused = await kernel.runTool("sh", { value: "ls" });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain("Permission denied");
    const [rule] = rulesFromConfig({ allow: ["sh(ls)"] }, "session");
    kernel.permissions.addRule(rule!);
    const allowed = await kernel.runTool("sh", { value: "ls" });
    expect(allowed).toMatchObject({ isError: false, details: { exitCode: 0 } });
    kernel.permissions.removeRule(rule!);
    expect((await kernel.runTool("sh", { value: "ls" })).isError).toBe(true);
    // Nothing of it is written to the session (which holds only the model it started with).
    expect(kernel.session.entries().map((entry) => entry.type)).toEqual(["model_change"]);
  });

  it("prompt's tools option narrows the tools offered and callable for that prompt only", async () => {
    const provider = scriptedProvider([toolCalls({ name: "write", args: { value: "x" } }), text("ok"), text("again")]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [tool("read", "read"), tool("write", "read")],
    });
    await kernel.prompt("go", { tools: (name) => name === "read" });
    expect(provider.requests[0]!.tools?.map((spec) => spec.name)).toEqual(["read"]);
    const result = JSON.stringify(
      kernel.session.buildContext().messages.filter((message) => message.role === "toolResult"),
    );
    expect(result).toContain('Unknown tool \\"write\\"');
    await kernel.prompt("next");
    expect(provider.requests[2]!.tools?.map((spec) => spec.name)).toEqual(["read", "write"]);
  });
});

describe("a tool's own schema", () => {
  const withSchema = (name: string, parameters: unknown): AnyTool => ({
    ...tool(name, "read"),
    parameters: parameters as AnyTool["parameters"],
  });

  it("is checked against draft-07 before it is used: a malformed one is the tool's bug, said to the model, and others still run", async () => {
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([])],
      tools: [
        withSchema("broken", { type: "object", properties: { value: { type: 12 } } }),
        withSchema("unknown-draft", { $schema: "https://example.com/no-such-meta-schema", type: "object" }),
        withSchema("fine", { $schema: "http://json-schema.org/draft-07/schema#", type: "object", required: ["value"] }),
      ],
    });
    for (const rule of rulesFromConfig({ allow: ["broken", "unknown-draft", "fine"] }, "session")) {
      kernel.permissions.addRule(rule);
    }
    const broken = await kernel.runTool("broken", { value: "x" });
    expect(broken.isError).toBe(true);
    expect(JSON.stringify(broken.content)).toMatch(
      /own schema is invalid \(schema is invalid: data\/properties\/value\/type must be/,
    );
    const unknown = await kernel.runTool("unknown-draft", { value: "x" });
    expect(JSON.stringify(unknown.content)).toMatch(/own schema is invalid \(no schema with key or ref/);
    const refused = await kernel.runTool("fine", {});
    expect(JSON.stringify(refused.content)).toContain("must have required property 'value'");
    const ran = await kernel.runTool("fine", { value: "x" });
    expect(ran.isError).toBe(false);
    expect(JSON.stringify(ran.content)).toContain("fine ran x");
  });

  it("with an enum, a type list or unique items is checked by the generated validator and used (its equality helper loads in every loader)", async () => {
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([])],
      tools: [
        withSchema("choices", {
          type: "object",
          properties: {
            value: { type: "string", enum: ["cpu-basic", "cpu-xl"] },
            count: { type: ["integer", "null"] },
            tags: { type: "array", items: { type: "string" }, uniqueItems: true },
          },
          required: ["value"],
        }),
        withSchema("repeated", { type: "object", properties: { value: { enum: ["a", "a"] } } }),
      ],
    });
    for (const rule of rulesFromConfig({ allow: ["choices", "repeated"] }, "session")) kernel.permissions.addRule(rule);
    const ran = await kernel.runTool("choices", { value: "cpu-xl", count: null, tags: ["x"] });
    expect(ran.isError).toBe(false);
    const wrong = await kernel.runTool("choices", { value: "gpu" });
    expect(JSON.stringify(wrong.content)).toContain("must be equal to one of the allowed values");
    const repeated = await kernel.runTool("repeated", { value: "a" });
    expect(JSON.stringify(repeated.content)).toMatch(
      /own schema is invalid \(schema is invalid: data\/properties\/value\/enum must NOT have duplicate items/,
    );
  });
});
