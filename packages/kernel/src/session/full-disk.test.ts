import { closeSync, existsSync, openSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { appendLines } from "./session-file.js";

describe("a full disk", () => {
  it.runIf(existsSync("/dev/full"))("says which file could not be written and what was kept", () => {
    // /dev/full fails every write with ENOSPC, as a full disk does.
    const fd = openSync("/dev/full", "a");
    expect(() => appendLines({ path: "/dev/full", fd }, "{}\n", 0)).toThrow(
      /^Cannot write the session to \/dev\/full: no space left on the device \(ENOSPC\)\. Everything up to the last saved entry is kept; the entry being written was not saved\. Free some space, then resume the session\.$/,
    );
    closeSync(fd);
  });
});
