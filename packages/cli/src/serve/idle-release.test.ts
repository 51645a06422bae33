import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { TurnResult } from "@pincer/kernel";
import { startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerEvent, ServerSession } from "./server-session.js";

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
let home: string;
beforeAll(async () => {
  model = await startOpenAIServer();
  home = mkdtempSync(join(tmpdir(), "pincer-serve-idle-"));
});
afterAll(async () => {
  await model.close();
  rmSync(home, { recursive: true, force: true });
});

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Resolves with the turn_end of the turn that follows event `after`. */
function turnEnd(session: ServerSession, after: number): Promise<TurnResult> {
  return new Promise((resolve, reject) => {
    const stop = session.subscribe((event: ServerEvent) => {
      if (event.type === "turn_end") {
        stop();
        resolve(event.result);
      } else if (event.type === "turn_error") reject(new Error(event.message));
    }, after);
  });
}

describe("an idle served session", () => {
  it("lets go of its kernel, plugins and lock, and loads again on its next prompt with its whole history", async () => {
    const env = { PATH: process.env.PATH, HOME: home, OPENAI_API_KEY: "sk-test-idle-0001", OPENAI_BASE_URL: model.url };
    const session = await ServerSession.open({ cwd: home, home, env, model: "openai/gpt-5" }, { idleReleaseMs: 100 });
    try {
      model.enqueue([{ text: "first answer" }, { finish: "stop" }]);
      const first = session.prompt("first question");
      expect((await turnEnd(session, first.after)).text).toBe("first answer");
      const lock = join(home, "sessions", `${session.id}.jsonl.lock`);
      expect(existsSync(lock)).toBe(true);

      await until(() => !session.loaded, "the idle session to be released");
      expect(existsSync(lock)).toBe(false);
      expect(session.describe()).toMatchObject({ id: session.id, loaded: false, busy: false });
      // A client asking for the events of before the release is told they are gone.
      const gap: ServerEvent[] = [];
      session.subscribe((event) => gap.push(event), 0)();
      expect(gap[0]).toMatchObject({ type: "replay_gap" });

      model.enqueue([{ text: "second answer" }, { finish: "stop" }]);
      const second = session.prompt("second question");
      expect((await turnEnd(session, second.after)).text).toBe("second answer");
      expect(session.loaded).toBe(true);
      const sent = model.requests.at(-1)!.body as {
        model: string;
        messages: Array<{ role: string; content: unknown }>;
      };
      expect(sent.model).toBe("gpt-5");
      expect(sent.messages.filter((message) => message.role === "user").map((message) => message.content)).toEqual([
        "first question",
        "second question",
      ]);
    } finally {
      await session.close();
    }
  });

  it("holds nothing of its kernel once released (an idle session costs what describes it)", async () => {
    const env = { PATH: process.env.PATH, HOME: home, OPENAI_API_KEY: "sk-test-idle-0002", OPENAI_BASE_URL: model.url };
    const session = await ServerSession.open({ cwd: home, home, env, model: "openai/gpt-5" }, { idleReleaseMs: 0 });
    try {
      model.enqueue([{ text: "an answer" }, { finish: "stop" }]);
      const { after } = session.prompt("a question");
      await turnEnd(session, after);
      await until(() => !session.busy, "the turn to be over");
      const kernel = new WeakRef((session as unknown as { prepared: { kernel: object } }).prepared.kernel);
      session.release();
      expect(session.loaded).toBe(false);
      await until(
        async () => {
          collectGarbage();
          await new Promise((resolve) => setImmediate(resolve));
          return kernel.deref() === undefined;
        },
        { message: "the released kernel to be collected" },
      );
    } finally {
      await session.close();
    }
  });
});
