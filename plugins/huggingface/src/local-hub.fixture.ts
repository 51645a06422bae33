import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type LoadedPlugin,
  type LocalHub,
  type LocalHubOptions,
  loadPlugin,
  startLocalHub,
  unconfinedLauncher,
} from "@pincer/testing";
import { afterAll, beforeAll } from "vitest";

/**
 * What the plugin's tests share: a local Hub (user `ada`, with `token`) in a temp folder and this
 * plugin loaded against it, as a session with HF_ENDPOINT and HF_TOKEN would load it; started once
 * per file and stopped after. `seed` fills the Hub's folder before it starts (papers, docs);
 * `ready` runs once the plugin is loaded (repos to work on).
 */
export function localHubPlugin(options: {
  token: string;
  /** Names the temp folder, to tell the files' Hubs apart. */
  name: string;
  hub?: Omit<LocalHubOptions, "dir" | "token" | "user">;
  seed?: (dir: string) => void;
  ready?: (plugin: LoadedPlugin) => Promise<void>;
}) {
  let dir: string | undefined;
  let hub: LocalHub | undefined;
  let plugin: LoadedPlugin | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `pincer-hf-${options.name}-`));
    options.seed?.(dir);
    hub = await startLocalHub({
      dir,
      token: options.token,
      user: "ada",
      // The plugin's side of jobs; how the Hub confines them is the host's (and the CLI e2e tests').
      jobs: { launcher: unconfinedLauncher({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }) },
      ...options.hub,
    });
    plugin = await loadPlugin(new URL("..", import.meta.url), {
      env: { HF_ENDPOINT: hub.url, HF_TOKEN: options.token },
      // As sessions load it: it ships with Pincer, so its tools' declared kinds stand.
      shipsWithPincer: true,
    });
    await options.ready?.(plugin);
  });
  afterAll(async () => {
    plugin?.dispose();
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("localHubPlugin: used outside a test (before beforeAll ran)");
    return value;
  };
  return {
    get dir() {
      return started(dir);
    },
    get hub() {
      return started(hub);
    },
    get plugin() {
      return started(plugin);
    },
  };
}

/** A tool result's text. */
export const text = (result: { content: unknown }): string => String(result.content);
