import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type AnthropicScript,
  hugeText,
  type OpenAIScript,
  scaledTimeout,
  startAnthropicServer,
  startOpenAIServer,
} from "@pincer/testing";

/**
 * The fault matrix's rows and columns: what a model server can do wrong, the providers it is done
 * to, and what the user must see. A fault is played on a call's first attempt only; every later
 * attempt gets the whole answer, so a transient fault must end in that answer and a permanent one
 * in an error — and no run may ever report success with anything but the whole answer.
 */
export const ANSWER = "The complete answer, every word of it, and nothing else.";
export const HUGE_BYTES = 1_000_000;
/**
 * What a healthy stream may be silent for before it is given up (set in each run's config). The
 * fault servers share the test's process: on a loaded machine (three suites on two cores) their
 * healthy answers were once late by more than 1.5 s, so it is 3 s, scaled like every deadline.
 */
export const IDLE_MS = scaledTimeout(3_000);

export interface Fault {
  name: string;
  /** A transient fault is retried into the whole answer; a permanent one is an error. */
  transient: boolean;
  openai: OpenAIScript;
  anthropic: AnthropicScript;
  /** The answer a success must carry (default ANSWER). */
  answer?: string;
}

const half = ANSWER.slice(0, 20);

export const FAULTS: Fault[] = [
  {
    name: "cut mid-stream",
    transient: true,
    openai: [{ text: half }, { disconnect: true }],
    anthropic: [{ text: half }, { disconnect: true }],
  },
  {
    name: "body ended early",
    transient: true,
    openai: [{ text: half }, { endEarly: true }],
    anthropic: [{ text: half }, { endEarly: true }],
  },
  {
    name: "stall",
    transient: true,
    openai: [{ text: half }, { hang: true }],
    anthropic: [{ text: half }, { hang: true }],
  },
  {
    name: "429 with retry-after",
    transient: true,
    openai: [{ httpError: { status: 429, headers: { "retry-after": "0" } } }],
    anthropic: [{ httpError: { status: 429, headers: { "retry-after": "0" } } }],
  },
  {
    name: "500",
    transient: true,
    openai: [{ httpError: { status: 500 } }],
    anthropic: [{ httpError: { status: 500 } }],
  },
  {
    name: "trickle",
    transient: true,
    openai: [{ trickle: { text: ANSWER, everyMs: 5, pieceChars: 4 } }, { finish: "stop" }],
    anthropic: [{ trickle: { text: ANSWER, everyMs: 5, pieceChars: 4 } }],
  },
  {
    name: "huge answer",
    transient: true,
    openai: [{ huge: { bytes: HUGE_BYTES } }, { finish: "stop" }],
    anthropic: [{ huge: { bytes: HUGE_BYTES } }],
    answer: hugeText(HUGE_BYTES),
  },
  {
    name: "HTML page with 200",
    transient: false,
    openai: [{ html: {} }],
    anthropic: [{ html: {} }],
  },
  {
    name: "malformed event",
    transient: false,
    openai: [{ text: half }, { malformed: true }],
    anthropic: [{ text: half }, { malformed: true }],
  },
  {
    name: "400",
    transient: false,
    openai: [{ httpError: { status: 400 } }],
    anthropic: [{ httpError: { status: 400 } }],
  },
];

export type ProviderName = "openai" | "openai-responses" | "anthropic" | "hf";
export const PROVIDERS: ProviderName[] = ["openai", "openai-responses", "anthropic", "hf"];

export const MODEL: Record<ProviderName, string> = {
  openai: "openai/gpt-5",
  "openai-responses": "openai/gpt-5",
  anthropic: "anthropic/claude-sonnet-4-5",
  hf: "hf/Qwen/Qwen3-Coder-480B-A35B-Instruct",
};

/**
 * The two loopback servers, answering by prompt: a prompt names its fault (`fault=<index>`) and
 * a run key, and only the first request of each key gets the fault. Runs can go in parallel.
 */
export async function startFaultServers() {
  const openai = await startOpenAIServer();
  const anthropic = await startAnthropicServer();
  const seen = new Set<string>();
  const pick = <T>(prompt: string, fault: (f: Fault) => T, whole: T): T => {
    const match = /fault=(\d+) key=(\S+)/.exec(prompt);
    if (!match) return whole;
    const first = !seen.has(match[2]!);
    seen.add(match[2]!);
    return first ? fault(FAULTS[Number(match[1])]!) : whole;
  };
  openai.respond((body) => {
    const fault = FAULTS[Number(/fault=(\d+)/.exec(lastPrompt(body))?.[1])];
    const whole: OpenAIScript = fault?.answer ? fault.openai : [{ text: ANSWER }, { finish: "stop" }];
    return pick(lastPrompt(body), (f) => f.openai, whole);
  });
  anthropic.respond((body) => {
    const fault = FAULTS[Number(/fault=(\d+)/.exec(lastPrompt(body))?.[1])];
    const whole: AnthropicScript = fault?.answer ? fault.anthropic : [{ text: ANSWER }];
    return pick(lastPrompt(body), (f) => f.anthropic, whole);
  });
  return {
    openai,
    anthropic,
    close: async () => {
      await openai.close();
      await anthropic.close();
    },
  };
}

/** The env and config a run against `provider` needs, written into its PINCER_HOME. */
export function providerSetup(
  provider: ProviderName,
  home: string,
  servers: Awaited<ReturnType<typeof startFaultServers>>,
): NodeJS.ProcessEnv {
  mkdirSync(home, { recursive: true });
  const config: Record<string, unknown> = { streamIdleTimeoutMs: IDLE_MS };
  if (provider === "openai-responses") config.providers = { openai: { api: "responses" } };
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  if (provider === "anthropic")
    return { ANTHROPIC_API_KEY: "sk-ant-fault-0001", ANTHROPIC_BASE_URL: servers.anthropic.url };
  if (provider === "hf") return { HF_TOKEN: "hf_fault_token_0001", HF_ROUTER_BASE_URL: servers.openai.url };
  return { OPENAI_API_KEY: "sk-fault-key-000001", OPENAI_BASE_URL: servers.openai.url };
}

/** The text of the last user message of a chat, Responses or Messages request body. */
function lastPrompt(body: unknown): string {
  const request = body as {
    messages?: Array<{ role: string; content: unknown }>;
    input?: Array<{ role?: string; content?: unknown }>;
  };
  const messages = request.messages ?? request.input ?? [];
  const user = messages.filter((message) => message.role === "user").at(-1);
  const content = user?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((block: { text?: string }) => block.text ?? "").join("");
  return "";
}

/** Runs `tasks` with at most `limit` at once. */
export async function inParallel<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!();
      }
    }),
  );
  return results;
}

/** How many times the whole matrix runs: PINCER_FAULT_ROUNDS (the full form), else once (CI). */
export function faultRounds(env: NodeJS.ProcessEnv = process.env): number {
  const rounds = Number(env.PINCER_FAULT_ROUNDS);
  return Number.isInteger(rounds) && rounds > 0 ? rounds : 1;
}
