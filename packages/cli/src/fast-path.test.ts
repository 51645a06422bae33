import { describe, expect, it } from "vitest";
import { DECLINED_BY_FAST_PATHS } from "./fast-args.fixture.js";
import { tryFastHeadless } from "./fast-path.js";

// The fast path must hand every case it is not sure of to yargs (returning undefined) before it
// runs anything: these never reach a model, so no server is needed.
describe("tryFastHeadless leaves to the full CLI", () => {
  it.each(DECLINED_BY_FAST_PATHS)("%s", async (_, argv) => {
    expect(await tryFastHeadless(argv, {})).toBeUndefined();
  });
});
