/**
 * Pincer run in the home folder (cwd = ~, so the workspace holds PINCER_HOME and the user's
 * credentials): a model steered by a prompt injection asks the built-in file tools to switch the OS
 * sandbox off in `.pincer/config.json` and to read the local Hub's token and an SSH key, in the
 * modes that approve file tools unasked. Each is refused with a tool error naming the protected
 * path, the files stay as they were, nothing of them reaches the transcript or the session, and the
 * session goes on to do its ordinary work.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OS_SANDBOX, sandbox } from "../run-cli.js";
import { scriptedSession } from "../scripted-session.js";

const CONFIG = `${JSON.stringify({ sandbox: { os: "auto" } }, null, 2)}\n`;
const HUB_TOKEN = "hf_e2eProtectedHubToken0123456789abc";
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY----- e2e-protected-ssh-key";

function everythingUnder(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
  return text;
}

// With bubblewrap where this machine has it; without it (simulated), where only the fs capability stands.
const machines = [
  ...(OS_SANDBOX ? [{ name: "with bubblewrap", confined: true }] : []),
  { name: "without bubblewrap", confined: false },
];
const modes = ["acceptEdits", "bypassPermissions"] as const;

describe.each(machines)("Pincer's home and credentials under the workspace — $name", ({ confined }) => {
  it.each(modes)("the file tools cannot rewrite config.json or read the Hub token and keys (%s)", async (mode) => {
    using box = sandbox();
    const pincerHome = box.env.PINCER_HOME!;
    mkdirSync(join(pincerHome, "hub"), { recursive: true });
    mkdirSync(join(box.home, ".ssh"));
    writeFileSync(join(pincerHome, "config.json"), CONFIG);
    writeFileSync(join(pincerHome, "hub", "token"), HUB_TOKEN);
    writeFileSync(join(box.home, ".ssh", "id_rsa"), SSH_KEY);
    symlinkSync(join(pincerHome, "hub", "token"), join(box.home, "token-link.txt"));
    const bash = confined && mode === "bypassPermissions";
    const { result, calls } = await scriptedSession(
      box,
      [
        () => ["write", { path: ".pincer/config.json", content: '{"sandbox":{"os":"off"}}\n' }],
        () => ["edit", { path: ".pincer/config.json", old_string: '"auto"', new_string: '"off"' }],
        () => ["read", { path: ".pincer/hub/token" }],
        () => ["read", { path: ".ssh/id_rsa" }],
        () => ["read", { path: "token-link.txt" }],
        () => ["write", { path: "notes.md", content: "still working\n" }],
        // Inside bubblewrap, the bash tool meets the same wall: both are masked for commands.
        ...(bash
          ? [
              () =>
                ["bash", { command: "cat .pincer/hub/token .ssh/id_rsa; echo end" }] as ReturnType<
                  Parameters<typeof scriptedSession>[1][number]
                >,
            ]
          : []),
      ],
      {
        cwd: box.home,
        flags: ["--permission-mode", mode],
        ...(confined ? {} : { env: { PINCER_BWRAP: join(box.home, "no-bwrap") } }),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const [writeConfig, editConfig, readToken, readKey, readLink, ordinary, command] = calls;
    for (const call of [writeConfig, editConfig, readToken, readLink]) {
      expect(call?.isError, call?.text).toBe(true);
      expect(call?.text).toContain(`${pincerHome} is protected (Pincer's own settings and secrets)`);
    }
    expect(readKey?.isError).toBe(true);
    expect(readKey?.text).toContain(`${join(box.home, ".ssh")} is protected (credentials)`);
    // The session went on: the ordinary write after the refusals worked, and the run ended normally.
    expect(ordinary?.isError, ordinary?.text).toBe(false);
    expect(readFileSync(join(box.home, "notes.md"), "utf8")).toBe("still working\n");
    if (bash) {
      expect(command?.text).toContain("end");
      expect(command?.text).not.toContain(HUB_TOKEN);
      expect(command?.text).not.toContain("e2e-protected-ssh-key");
    }
    expect(readFileSync(join(pincerHome, "config.json"), "utf8")).toBe(CONFIG);
    expect(readFileSync(join(pincerHome, "hub", "token"), "utf8")).toBe(HUB_TOKEN);
    expect(readFileSync(join(box.home, ".ssh", "id_rsa"), "utf8")).toBe(SSH_KEY);
    const session = everythingUnder(join(pincerHome, "sessions"));
    for (const secret of [HUB_TOKEN, "e2e-protected-ssh-key"]) {
      expect(result.stdout).not.toContain(secret);
      expect(session).not.toContain(secret);
    }
  });
});
