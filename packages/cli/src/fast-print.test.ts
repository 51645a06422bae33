import { describe, expect, it } from "vitest";
import { DECLINED_BY_FAST_PATHS } from "./fast-args.fixture.js";
import { tryFastPrint } from "./fast-print.js";

// The print bundle's entry runs only a prompt given with -p: every other case goes to the full CLI
// (undefined) before anything runs, so no server is needed.
describe("tryFastPrint leaves to the full CLI", () => {
  it.each(DECLINED_BY_FAST_PATHS)("%s", async (_, argv) => {
    expect(await tryFastPrint(argv, {})).toBeUndefined();
  });
});
