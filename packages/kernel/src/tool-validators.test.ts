import { describe, expect, it } from "vitest";
import { scriptedProvider } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { rulesFromConfig } from "./permissions/engine.js";
import type { AnyTool } from "./tool.js";
import { type PrecompiledToolValidators, useToolValidators } from "./tool-validators.js";

const known = { type: "object", properties: { value: { type: "string" } }, required: ["value"] };

const tool = (name: string, parameters: object): AnyTool => ({
  name,
  description: name,
  kind: "read",
  parameters: parameters as AnyTool["parameters"],
  async execute(args) {
    return { content: `${name} ran ${String(args.value)}` };
  },
});

/** A kernel allowed to run the given tools headless. */
function kernelWith(tools: AnyTool[]) {
  const kernel = createKernel({ model: "test/m", providers: [scriptedProvider([])], tools });
  for (const rule of rulesFromConfig({ allow: tools.map((each) => each.name) }, "session")) {
    kernel.permissions.addRule(rule);
  }
  return kernel;
}

describe("validators compiled ahead of time", () => {
  it("validate a tool whose schema has exactly the JSON text of one of theirs; any other schema is compiled", async () => {
    // A stand-in that refuses everything, so the test sees which validator ran.
    const refuseAll = Object.assign(
      (_data: unknown) => {
        refuseAll.errors = [{ instancePath: "", keyword: "x", params: {}, schemaPath: "#", message: "ahead of time" }];
        return false;
      },
      { errors: null as unknown },
    );
    let loads = 0;
    useToolValidators(async () => {
      loads++;
      return new Map([[JSON.stringify(known), refuseAll]]) as PrecompiledToolValidators;
    });
    const kernel = kernelWith([
      tool("same", JSON.parse(JSON.stringify(known))),
      tool("reordered", { required: ["value"], type: "object", properties: { value: { type: "string" } } }),
    ]);
    const same = await kernel.runTool("same", { value: "x" });
    expect(JSON.stringify(same.content)).toContain("ahead of time");
    // Same keywords in another order is another text: compiled by Ajv, which accepts the call.
    const reordered = await kernel.runTool("reordered", { value: "x" });
    expect(reordered).toMatchObject({ isError: false, content: [{ type: "text", text: "reordered ran x" }] });
    expect(JSON.stringify((await kernel.runTool("reordered", {})).content)).toContain(
      "must have required property 'value'",
    );
    expect(loads).toBe(1);
  });

  it("a table that fails to load is as good as none: every schema is compiled and checked as before", async () => {
    useToolValidators(() => Promise.reject(new Error("no such chunk")));
    const kernel = kernelWith([
      tool("fine", known),
      tool("broken", { type: "object", properties: { value: { type: 1 } } }),
    ]);
    expect(await kernel.runTool("fine", { value: "x" })).toMatchObject({ isError: false });
    expect(JSON.stringify((await kernel.runTool("fine", { value: 1 })).content)).toContain("value must be string");
    expect(JSON.stringify((await kernel.runTool("broken", { value: "x" })).content)).toContain("own schema is invalid");
  });
});
