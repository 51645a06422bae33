import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * What no plugin or command reaches through a grant above it: Pincer's own home and the user's
 * credentials. One list for both walls, so they cannot drift: the OS sandbox masks these paths for
 * spawned commands (os-sandbox.ts), and the fs capability refuses them to plugins and the built-in
 * file tools (fs-roots.ts). A grant of the path itself, or of a folder inside it, is an explicit,
 * narrower choice and wins (a plugin's own `${plugin}` folder in PINCER_HOME, a `--add-dir ~/.aws`).
 */

/**
 * Read access stays wide (toolchains live all over the disk), so hide what a command never
 * needs and a prompt injection would love to print into the transcript: credential stores and
 * tokens, browser profiles (cookies are credentials), shell histories (pasted secrets).
 */
export const HIDDEN_IN_HOME: readonly string[] = [
  ".ssh",
  ".gnupg",
  ".aws",
  ".azure",
  ".config/gcloud",
  ".config/gh",
  ".config/hub",
  ".config/git/credentials",
  ".git-credentials",
  ".netrc",
  ".npmrc",
  ".yarnrc",
  ".pypirc",
  ".cargo/credentials",
  ".cargo/credentials.toml",
  ".gem/credentials",
  ".docker",
  ".kube",
  ".terraform.d/credentials.tfrc.json",
  ".huggingface",
  ".cache/huggingface/token",
  ".cache/huggingface/stored_tokens",
  ".password-store",
  ".local/share/keyrings",
  ".config/google-chrome",
  ".config/chromium",
  ".mozilla",
  ".bash_history",
  ".zsh_history",
  ".python_history",
  ".node_repl_history",
];

/** Why a path is protected, in words a refusal can show (never its content). */
export type ProtectedReason =
  | "Pincer's own settings and secrets"
  | "credentials"
  | "the Docker socket"
  | "listed in sandbox.hide";

export interface ProtectedPath {
  /** Absolute, as configured (the fs capability locates it; the OS sandbox mounts over its real path). */
  path: string;
  why: ProtectedReason;
}

export interface ProtectedPathSettings {
  /** Pincer's home; default PINCER_HOME, else ~/.pincer. */
  pincerHome?: string;
  /** More paths the user hides (`sandbox.hide`), absolute or `~/…`. */
  hide?: string[];
}

/**
 * The protected paths of a session: PINCER_HOME, the credential files under the user's home
 * (HOME from `env`), the Docker socket, and `sandbox.hide`. Missing paths are listed too: a
 * plugin must not create ~/.ssh/authorized_keys where no ~/.ssh exists yet.
 */
export function protectedPaths(
  settings: ProtectedPathSettings = {},
  env: NodeJS.ProcessEnv = process.env,
): ProtectedPath[] {
  const home = env.HOME || homedir();
  const expand = (path: string) => (path === "~" || path.startsWith("~/") ? join(home, path.slice(1)) : resolve(path));
  return [
    {
      path: resolve(settings.pincerHome ?? (env.PINCER_HOME || join(home, ".pincer"))),
      why: "Pincer's own settings and secrets",
    },
    ...HIDDEN_IN_HOME.map((name) => ({ path: join(home, name), why: "credentials" as const })),
    { path: "/var/run/docker.sock", why: "the Docker socket" },
    { path: "/run/docker.sock", why: "the Docker socket" },
    ...(settings.hide ?? []).map((path) => ({ path: expand(path), why: "listed in sandbox.hide" as const })),
  ];
}
