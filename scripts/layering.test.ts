import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { layeringViolations } from "./layering.js";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("the layering (DESIGN.md: dependencies point down)", () => {
  it("holds across every package, plugin, theme and example, tests included", async () => {
    expect(await layeringViolations(root)).toEqual([]);
  });
});

describe("the layering check", () => {
  const fake = mkdtempSync(join(tmpdir(), "pincer-layering-"));
  afterAll(() => rmSync(fake, { recursive: true, force: true }));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(fake, path)), { recursive: true });
    writeFileSync(join(fake, path), text);
  };
  const pkg = (dir: string, name: string, dependencies: Record<string, string> = {}, devDependencies = {}) =>
    put(`${dir}/package.json`, JSON.stringify({ name, dependencies, devDependencies }));

  it("finds every kind of edge that points the wrong way", async () => {
    for (const group of ["packages", "plugins", "themes", "examples"])
      mkdirSync(join(fake, group), { recursive: true });
    pkg("packages/kernel", "@pincer/kernel");
    put(
      "packages/kernel/src/index.ts",
      'import { PluginRegistry } from "@pincer/host";\nexport const x = PluginRegistry;\n',
    );
    pkg("packages/sdk", "@pincer/sdk", { "@pincer/kernel": "*" });
    put(
      "packages/sdk/src/index.ts",
      'import type { Tool } from "@pincer/kernel";\nimport { createKernel } from "@pincer/kernel";\nexport type T = Tool;\nexport const k = createKernel;\n',
    );
    pkg("packages/host", "@pincer/host", { "@pincer/kernel": "*", "@pincer/testing": "*" });
    put("packages/host/src/index.ts", 'export const load = () => import("@pincer/runtime");\n');
    pkg("packages/testing", "@pincer/testing");
    put("packages/testing/src/index.ts", "export const t = 1;\n");
    pkg("plugins/tool", "@pincer/plugin-tool", { "@pincer/sdk": "*" });
    put(
      "plugins/tool/src/index.ts",
      'import { definePlugin } from "@pincer/sdk";\nimport { readText } from "../../../packages/host/src/fs.js";\nexport default definePlugin({});\nexport { readText };\n',
    );
    put(
      "plugins/tool/src/tool.test.ts",
      'import { loadPlugin } from "@pincer/testing";\nimport { PluginRegistry } from "@pincer/host";\nexport { loadPlugin, PluginRegistry };\n',
    );
    pkg("themes/dusk", "@pincer/theme-dusk", { "@pincer/sdk": "*" });
    put(
      "themes/dusk/src/view.tsx",
      'import type { LoadedTheme } from "@pincer/host";\nexport const v = (t: LoadedTheme) => <b>{String(t)}</b>;\n',
    );

    expect((await layeringViolations(fake)).sort()).toEqual(
      [
        "packages/host/package.json: @pincer/testing is a runtime dependency (only ever a devDependency)",
        "packages/host/src/index.ts: imports @pincer/runtime, which host may not use (allowed: @pincer/kernel, @pincer/sdk)",
        "packages/kernel/src/index.ts: imports @pincer/host, which kernel may not use (allowed: nothing of Pincer)",
        "packages/sdk/src/index.ts: imports a value from @pincer/kernel; the sdk links to the kernel by types only",
        "plugins/tool/src/index.ts: imports ../../../packages/host/src/fs.js, a file of another package (import it by name)",
        "plugins/tool/src/tool.test.ts: imports @pincer/host, which a test of plugin may not use (allowed: @pincer/sdk, @pincer/testing)",
        "themes/dusk/src/view.tsx: imports @pincer/host, which plugin may not use (allowed: @pincer/sdk)",
      ].sort(),
    );
  });
});
