import { startOpenAIServer } from "@pincer/testing";
import { afterEach, beforeEach } from "vitest";
import type { sandbox } from "./run-cli.js";
import { Terminal } from "./terminal.js";

type ModelServer = Awaited<ReturnType<typeof startOpenAIServer>>;

export interface LaunchOptions {
  /** After `--model openai/gpt-5`. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
}

/**
 * What every test of the interactive terminal sets up, registered in the file that calls it: a
 * loopback OpenAI-compatible model per test (a script one test leaves unplayed must not answer
 * the next), and `launch`, the CLI in a pseudo-terminal against it, killed when the test ends.
 * `key` is the fake API key the CLI gets; `env` is added to every launch.
 */
export function terminalSession(options: { key: string; env?: NodeJS.ProcessEnv }) {
  let server: ModelServer | undefined;
  const open: Terminal[] = [];
  beforeEach(async () => {
    server = await startOpenAIServer();
  });
  afterEach(async () => {
    for (const terminal of open.splice(0)) terminal.kill();
    await server?.close();
    server = undefined;
  });
  const model = (): ModelServer => {
    if (!server) throw new Error("the loopback model runs only inside a test");
    return server;
  };
  return {
    /** This test's model: enqueue its answers, read the requests it got. */
    get model(): ModelServer {
      return model();
    },
    launch(box: ReturnType<typeof sandbox>, launchOptions: LaunchOptions = {}): Terminal {
      const terminal = new Terminal({
        args: ["--model", "openai/gpt-5", ...(launchOptions.args ?? [])],
        cwd: box.cwd,
        env: {
          ...box.env,
          ...options.env,
          OPENAI_API_KEY: options.key,
          OPENAI_BASE_URL: model().url,
          ...launchOptions.env,
        },
        ...(launchOptions.cols ? { cols: launchOptions.cols } : {}),
        ...(launchOptions.rows ? { rows: launchOptions.rows } : {}),
      });
      open.push(terminal);
      return terminal;
    },
    /** A terminal this file starts its own way, killed with the others when the test ends. */
    track(terminal: Terminal): Terminal {
      open.push(terminal);
      return terminal;
    },
  };
}
