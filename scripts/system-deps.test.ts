import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, run by `pnpm demo` and `pnpm test` before anything is built
import { ensurePythonStack, missingModules, PYTHON } from "./system-deps.mjs";

describe("the quick start's Python check", () => {
  it("names exactly the modules /usr/bin/python3 cannot import", () => {
    expect(missingModules({ modules: ["json", "pincer_no_such_module"] })).toEqual(["pincer_no_such_module"]);
  });

  it("counts every module missing when there is no such interpreter", () => {
    expect(missingModules({ python: "/nonexistent/python3", modules: ["json", "os"] })).toEqual(["json", "os"]);
  });

  it("says what to install, and installs nothing, when installing is turned off", () => {
    const lines: string[] = [];
    const ready = ensurePythonStack({
      modules: ["json", "pincer_no_such_module"],
      env: { PINCER_NO_SYSTEM_INSTALL: "1" },
      log: (line: string) => lines.push(line),
    });
    expect(ready).toBe(false);
    expect(lines).toEqual([
      `note: ${PYTHON} lacks pincer_no_such_module, which the ML intern's local training uses. On Debian or Ubuntu: sudo apt-get install -y python3-torch python3-sklearn python3-pandas python3-numpy`,
    ]);
  });

  it("is silent when everything is there", () => {
    const lines: string[] = [];
    expect(ensurePythonStack({ modules: ["json"], log: (line: string) => lines.push(line) })).toBe(true);
    expect(lines).toEqual([]);
  });
});
