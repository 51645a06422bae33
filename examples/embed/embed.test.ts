import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("examples/embed", () => {
  it("runs a tool turn and an aborted turn through the public API", () => {
    const output = execFileSync(process.execPath, ["--import", "tsx", "examples/embed/src/main.ts"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(output).toContain('[event] tool_start clock {"timeZone":"Asia/Tokyo"}');
    expect(output).toContain("[event] tool_end clock error=false");
    expect(output).toMatch(/\[turn 1\] end_turn: In Tokyo it is 24\/11\/2026, 21:00:00\./);
    expect(output).toContain("[turn 2] aborted");
    expect(output).toMatch(/\[session\] 6 messages, 51 tokens/);
  });
});
