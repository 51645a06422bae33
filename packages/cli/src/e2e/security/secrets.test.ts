import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OS_SANDBOX, sandbox } from "../run-cli.js";
import { scriptedSession } from "../scripted-session.js";

const SECRETS = {
  OPENAI_API_KEY: "sk-test-e2e-key-123456",
  ANTHROPIC_API_KEY: "sk-ant-e2e-secret-0123456789abcdef",
  HF_TOKEN: "hf_e2eSecretToken0123456789abcdefghij",
  GITHUB_TOKEN: "ghp_e2eSecretToken0123456789abcdefghijkl",
  AWS_SECRET_ACCESS_KEY: "e2e-aws-secret-access-key-0123",
  MY_SERVICE_PASSWORD: "e2e-correct-horse-battery-staple",
};
const FILE_SECRETS = {
  ".npmrc": "//registry.npmjs.org/:_authToken=npm-e2e-file-secret-npmrc",
  ".config/gh/hosts.yml": "github.com:\n  oauth_token: gh-e2e-file-secret-hosts",
  ".ssh/id_ed25519": "e2e-file-secret-ssh-private-key",
  ".netrc": "machine example.com login ada password e2e-file-secret-netrc",
  ".git-credentials": "https://ada:e2e-file-secret-gitcred@github.com",
  ".aws/credentials": "[default]\naws_secret_access_key = e2e-file-secret-aws",
};

function everythingUnder(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
  return text;
}

// With bubblewrap where this machine has it; without it (simulated), with the explicit opt-in.
const modes = [
  ...(OS_SANDBOX ? [{ name: "in bubblewrap", confined: true }] : []),
  { name: "unconfined (no bubblewrap, --dangerously-run-unconfined)", confined: false },
];

describe.each(modes)("secrets stay out of commands and the transcript — $name", ({ confined }) => {
  it("a command sees no key or token; what it prints of one is redacted before the model and the session", async () => {
    using box = sandbox();
    for (const [file, content] of Object.entries(FILE_SECRETS)) {
      mkdirSync(join(box.home, file, ".."), { recursive: true });
      writeFileSync(join(box.home, file), content);
    }
    // A secret the user pasted into a workspace file: the command may print it, the model must not see it.
    writeFileSync(join(box.cwd, "notes.txt"), `my token is ${SECRETS.HF_TOKEN}\n`);
    const env = { ...SECRETS, ...(confined ? {} : { PINCER_BWRAP: join(box.home, "no-bwrap") }) };
    const { result, calls } = await scriptedSession(
      box,
      [
        () => ["bash", { command: 'printenv; echo "[$HF_TOKEN][$OPENAI_API_KEY][$GITHUB_TOKEN]"' }],
        () => ["bash", { command: "cat notes.txt" }],
        () => [
          "bash",
          {
            command: `for f in ${Object.keys(FILE_SECRETS)
              .map((f) => `~/${f}`)
              .join(" ")}; do cat "$f"; done; echo end`,
          },
        ],
        () => ["read", { path: "notes.txt" }],
      ],
      { flags: ["--permission-mode", "bypassPermissions", ...(confined ? [] : ["--dangerously-run-unconfined"])], env },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(calls.map((call) => call.isError)).toEqual([false, false, false, false]);
    const [printed, pasted, files, read] = calls.map((call) => call.text);
    expect(printed).toContain("[][][]");
    for (const value of Object.values(SECRETS)) expect(printed).not.toContain(value);
    for (const name of Object.keys(SECRETS)) expect(printed).not.toContain(`${name}=`);
    expect(pasted).toBe("my token is [REDACTED]\nexit code 0");
    expect(read).not.toContain(SECRETS.HF_TOKEN);
    if (confined) {
      // The usual credential files are masked inside the sandbox.
      for (const content of Object.values(FILE_SECRETS)) expect(files).not.toContain(content.split("\n").at(-1));
      expect(files).toContain("end");
    }
    // Nothing of them in the output or the session file.
    const written = everythingUnder(join(box.env.PINCER_HOME!, "sessions"));
    for (const value of Object.values(SECRETS)) {
      expect(result.stdout).not.toContain(value);
      expect(written).not.toContain(value);
    }
  });

  it("a variable the user grants in sandbox.env reaches commands", async () => {
    using box = sandbox();
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({ sandbox: { env: ["MY_BUILD_FLAVOR"], ...(confined ? {} : { os: "off" }) } }),
    );
    const { result, calls } = await scriptedSession(box, [() => ["bash", { command: "printenv MY_BUILD_FLAVOR" }]], {
      flags: ["--permission-mode", "bypassPermissions"],
      env: { MY_BUILD_FLAVOR: "release", ...(confined ? {} : { PINCER_BWRAP: join(box.home, "no-bwrap") }) },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(calls[0]?.text).toBe("release\nexit code 0");
  });
});
