import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dereference, validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import openapiTS, { astToString } from "openapi-typescript";
import { describe, expect, it } from "vitest";
import { OPENAPI } from "./openapi.js";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));

describe("serve's OpenAPI document", () => {
  it("passes a strict OpenAPI 3.1 validator", async () => {
    const result = await validate(structuredClone(OPENAPI) as never);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("names every path parameter and documents errors for every operation", () => {
    for (const [path, item] of Object.entries(OPENAPI.paths)) {
      const named = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = ("parameters" in item ? item.parameters : []).map((parameter) => parameter.name);
      expect(declared, path).toEqual(named);
      for (const [method, operation] of Object.entries(item).filter(([key]) => key !== "parameters")) {
        const codes = Object.keys((operation as { responses: object }).responses);
        expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(["401", "500"]));
        expect(
          codes.some((code) => code.startsWith("2")),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
  });

  it("generates a typed client that compiles, and whose types refuse a wrong call", async () => {
    const types = astToString(await openapiTS(structuredClone(OPENAPI) as never));
    // Under the package, so `openapi-fetch` resolves from its node_modules.
    mkdirSync(join(packageDir, "node_modules", ".cache"), { recursive: true });
    const dir = mkdtempSync(join(packageDir, "node_modules", ".cache", "openapi-client-"));
    try {
      writeFileSync(join(dir, "schema.d.ts"), types);
      writeFileSync(
        join(dir, "client.ts"),
        `import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

export async function use(baseUrl: string, token: string): Promise<string[]> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${token}\` } });
  const created = await client.POST("/sessions", { body: { model: "openai/gpt-5", permissionMode: "plan", thinking: "low" } });
  if (!created.data) throw new Error(created.error?.error ?? "no session");
  const id: string = created.data.id;
  const mode: components["schemas"]["PermissionMode"] = created.data.mode;
  const sent = await client.POST("/sessions/{id}/prompt", { params: { path: { id } }, body: { text: "hi", delivery: "followUp" } });
  const after: number | undefined = sent.data?.after;
  await client.GET("/sessions/{id}/events", { params: { path: { id }, query: { after: after ?? 0 } }, parseAs: "stream" });
  await client.POST("/sessions/{id}/permissions/{requestId}", { params: { path: { id, requestId: "r" } }, body: { allow: true } });
  await client.POST("/sessions/{id}/elicitations/{requestId}", {
    params: { path: { id, requestId: "f" } },
    body: { action: "accept", content: { name: "Ada", count: 3, ok: true, tags: ["a"] } },
  });
  await client.POST("/sessions/{id}/abort", { params: { path: { id } } });
  await client.DELETE("/sessions/{id}", { params: { path: { id } } });
  const listed = await client.GET("/sessions");
  const event: components["schemas"]["ServerEvent"] = { type: "warning", message: "m" };
  // @ts-expect-error: a prompt needs its text
  await client.POST("/sessions/{id}/prompt", { params: { path: { id } }, body: { delivery: "steer" } });
  // @ts-expect-error: the path needs the session's id
  await client.POST("/sessions/{id}/abort", { params: { path: {} } });
  return [mode, event.type, ...(listed.data ?? []).map((session) => session.cwd)];
}
`,
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: "es2022",
            module: "nodenext",
            moduleResolution: "nodenext",
            skipLibCheck: true,
            types: [],
            lib: ["es2022", "dom"],
          },
          files: ["schema.d.ts", "client.ts"],
        }),
      );
      // The workspace's own compiler (the root's TypeScript), as `pnpm build` runs it.
      const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
      const compiled = spawnSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
      expect(compiled.stdout + compiled.stderr).toBe("");
      expect(compiled.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("describes every event the server sends (the union is checked at compile time; here, each sample fits)", async () => {
    const document = (await dereference(structuredClone(OPENAPI) as never)) as unknown as {
      components: { schemas: Record<string, object> };
    };
    const ajv = new Ajv2020({ strict: false });
    const check = ajv.compile(document.components.schemas.ServerEvent!);
    const samples = [
      { type: "warning", message: "m" },
      { type: "tool_update", toolCallId: "c", partial: "[progress 1/2]\n" },
      {
        type: "elicitation_request",
        requestId: "r",
        server: "everything",
        message: "Your name?",
        fields: [{ name: "name", title: "Name", type: "string", required: true }],
      },
      {
        type: "permission_request",
        requestId: "p",
        toolName: "mcp_sampling",
        reason: "asks",
        subject: { kind: "text", value: "everything" },
      },
    ];
    for (const sample of samples) expect(check(sample), JSON.stringify(check.errors)).toBe(true);
    expect(check({ type: "warning" })).toBe(false);
    expect(check({ type: "no_such_event" })).toBe(false);
  });
});
