import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createExecCapability } from "./exec.js";
import {
  bwrapArgs,
  checkOsSandbox,
  createPrivateTmp,
  type OsSandboxPolicy,
  type OsSandboxSettings,
  OsSandboxUnavailableError,
  probeBwrap,
  removePrivateTmps,
  resolveConfinement,
  resolveOsSandbox,
} from "./os-sandbox.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(prefix = "pincer-os-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  dirs.push(dir);
  return dir;
}
const unique = () => `${process.pid}-${Math.random().toString(36).slice(2)}`;

/** A capability the way the registry builds it for a plugin granted `spawn: ["bash"]` and write to `root`. */
function sandboxedExec(root: string, settings: OsSandboxSettings = {}, env: NodeJS.ProcessEnv = process.env) {
  const confinement = resolveConfinement(settings, { writeRoots: [root], readRoots: [root], env });
  return createExecCapability({ cwd: root, allowedCommands: ["bash"], confinement, env });
}

/** Processes on this host whose command line contains the marker (the sandbox's PID namespace is still visible from here). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

describe("private /tmp folders", () => {
  it("are removed at exit, empty or not", () => {
    const empty = createPrivateTmp();
    const used = createPrivateTmp();
    mkdirSync(join(used, "clone", ".git"), { recursive: true });
    writeFileSync(join(used, "clone", ".git", "HEAD"), "ref: refs/heads/main\n");
    removePrivateTmps();
    expect(existsSync(empty)).toBe(false);
    expect(existsSync(used)).toBe(false);
  });
});

describe("OS sandbox settings (no bwrap needed)", () => {
  it("builds parent-first mounts: private /tmp, the workspace over it, masks under grants, no network", () => {
    const policy: OsSandboxPolicy = {
      bwrap: "bwrap",
      network: false,
      writableRoots: ["/tmp/ws"],
      readableRoots: ["/tmp/ws", "/tmp/docs", "/home/u/.pincer/plugins/p"],
      hiddenPaths: ["/home/u/.pincer"],
    };
    const args = bwrapArgs(policy, { cwd: "/tmp/ws", privateTmp: "/tmp/pincer-tmp-1", argv: ["bash", "-c", "ls"] });
    const at = (...needle: string[]) => args.findIndex((_, i) => needle.every((word, j) => args[i + j] === word));
    expect(args.slice(0, 7)).toEqual(["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]);
    expect(at("--bind", "/tmp/pincer-tmp-1", "/tmp")).toBeLessThan(at("--bind", "/tmp/ws", "/tmp/ws"));
    expect(at("--tmpfs", "/home/u/.pincer")).toBeLessThan(
      at("--ro-bind", "/home/u/.pincer/plugins/p", "/home/u/.pincer/plugins/p"),
    );
    expect(at("--bind", "/tmp/pincer-tmp-1", "/tmp")).toBeLessThan(at("--ro-bind", "/tmp/docs", "/tmp/docs"));
    expect(at("--ro-bind", "/tmp/ws", "/tmp/ws")).toBe(-1);
    expect(args).toContain("--unshare-net");
    expect(args.slice(-5)).toEqual(["/tmp/ws", "--", "bash", "-c", "ls"]);
    expect(
      bwrapArgs({ ...policy, network: true }, { cwd: "/", privateTmp: "/t", argv: ["sh", "-c", "x"] }),
    ).not.toContain("--unshare-net");
  });

  it("lets an exact grant of a hidden path win, but keeps the mask under a broader one", () => {
    const base = { bwrap: "bwrap", network: false, readableRoots: [], hiddenPaths: ["/home/u/.ssh"] };
    const options = { cwd: "/home/u", privateTmp: "/t", argv: ["bash", "-c", "true"] };
    expect(bwrapArgs({ ...base, writableRoots: ["/home/u"] }, options)).toContain("/home/u/.ssh");
    expect(bwrapArgs({ ...base, writableRoots: ["/home/u/.ssh"] }, options)).not.toContain("--tmpfs");
  });

  it("pins the folders between a writable root and a mask, so a command cannot move the mask's folder away", () => {
    const policy: OsSandboxPolicy = {
      bwrap: "bwrap",
      network: false,
      writableRoots: ["/home/u"],
      readableRoots: ["/home/u"],
      hiddenPaths: ["/home/u/.config/gh", "/home/u/.ssh", "/opt/elsewhere/secret"],
    };
    const args = bwrapArgs(policy, { cwd: "/home/u", privateTmp: "/t", argv: ["true"] });
    const at = (...needle: string[]) => args.findIndex((_, i) => needle.every((word, j) => args[i + j] === word));
    expect(at("--bind", "/home/u", "/home/u")).toBeLessThan(at("--bind", "/home/u/.config", "/home/u/.config"));
    expect(at("--bind", "/home/u/.config", "/home/u/.config")).toBeLessThan(at("/home/u/.config/gh"));
    // Nothing to pin for a mask right under the root (it is a mount point itself) or outside every writable root.
    expect(args.filter((arg) => arg === "--bind")).toHaveLength(3);
  });

  it('"off" runs unconfined and says so in exactly one warning', async () => {
    const root = temp();
    const outside = temp();
    expect(resolveOsSandbox({ os: "off" }, { writeRoots: [root] })).toBeUndefined();
    const check = checkOsSandbox({ os: "off" });
    expect(check.sandboxed).toBe(false);
    expect(check.unconfined).toBe("run");
    expect(check.warning).toMatch(/OS sandbox is off .*your full file and network access/);
    const result = await sandboxedExec(root, { os: "off" }).run(`touch ${outside}/unconfined`);
    expect(result.exitCode).toBe(0);
    expect(existsSync(join(outside, "unconfined"))).toBe(true);
  });

  it("without bwrap, auto never runs a command unasked: it asks a person, refuses without one; bwrap-required refuses", async () => {
    const root = temp();
    const missing = { bwrapPath: join(root, "no-such-bwrap") };
    expect(probeBwrap(missing.bwrapPath)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not installed"),
    });
    const check = checkOsSandbox(missing);
    expect(check).toEqual({
      sandboxed: false,
      unconfined: "ask",
      warning: expect.stringContaining("OS sandbox unavailable"),
    });
    expect(check.warning).toContain("apt-get install bubblewrap");
    expect(check.warning).toContain('sandbox.os "off"');
    expect(check.warning).toContain("--dangerously-run-unconfined");
    expect(resolveOsSandbox(missing, { writeRoots: [root] })).toBeUndefined();
    const confinement = resolveConfinement(missing, { writeRoots: [root] });
    expect(confinement).toMatchObject({
      unconfined: "ask",
      reason: expect.stringContaining("apt-get install bubblewrap"),
    });

    const exec = sandboxedExec(root, missing);
    // Nobody to ask (no permission engine behind the call): refused, naming the fix.
    await expect(exec.run("touch nope")).rejects.toThrow(
      /spawning refused: no OS sandbox here .*apt-get install bubblewrap/,
    );
    expect(existsSync(join(root, "nope"))).toBe(false);
    // A person is asked, with the reason; a no stays a no, a yes runs it.
    const asked: Array<{ subject: string; mustAsk?: string }> = [];
    await expect(
      exec.run("touch nope", {
        authorize: async (request) => {
          asked.push(request);
          return "Permission denied by the user";
        },
      }),
    ).rejects.toThrow("Permission denied by the user");
    expect(asked).toEqual([{ subject: "touch nope", mustAsk: expect.stringContaining("no OS sandbox") }]);
    expect(existsSync(join(root, "nope"))).toBe(false);
    const yes = await exec.run("echo plain", { authorize: async () => undefined });
    expect(yes.output).toBe("plain\n");

    expect(() => checkOsSandbox({ ...missing, os: "bwrap" })).toThrow(OsSandboxUnavailableError);
    expect(() => resolveOsSandbox({ ...missing, os: "bwrap" }, { writeRoots: [root] })).toThrow(
      /OS sandbox required \(sandbox.os is "bwrap"\) but .*no-such-bwrap is not installed/,
    );
  });

  it("treats a bwrap that cannot create namespaces (a locked-down container) as unavailable", () => {
    const root = temp();
    const fake = join(root, "bwrap");
    writeFileSync(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
    chmodSync(fake, 0o755);
    const check = checkOsSandbox({ bwrapPath: fake });
    expect(check.sandboxed).toBe(false);
    expect(check.warning).toContain("No permissions to create new namespace");
  });

  it("names each widening once, in one warning", () => {
    if (!probeBwrap().ok) return; // the widening note exists only when there is a sandbox to widen
    expect(checkOsSandbox({})).toEqual({ sandboxed: true });
    const check = checkOsSandbox({ network: true, writable: ["~/.cache"] });
    expect(check.warning).toBe(
      "OS sandbox widened by your settings: network access allowed (sandbox.network); also writable: ~/.cache (sandbox.writable).",
    );
  });
});

const probe = probeBwrap();
if (!probe.ok) console.warn(`Skipping bwrap sandbox escape tests: ${probe.reason}. Install bubblewrap to run them.`);

describe.skipIf(!probe.ok)(`bwrap sandbox escapes${probe.ok ? "" : ` (skipped: ${probe.reason})`}`, () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_request, response) => response.end("reached"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("writes inside the workspace, nowhere else", async () => {
    const root = temp();
    const exec = sandboxedExec(root);
    const inside = await exec.run("mkdir -p src && echo hi > src/a.txt && cat src/a.txt");
    expect(inside).toMatchObject({ exitCode: 0, output: "hi\n" });
    expect(readFileSync(join(root, "src/a.txt"), "utf8")).toBe("hi\n");

    const name = `pincer-escape-${unique()}`;
    for (const target of [join(homedir(), name), `/etc/${name}`, `/usr/${name}`]) {
      const result = await exec.run(`touch '${target}'`);
      expect(result.exitCode, `touch ${target}: ${result.output}`).not.toBe(0);
      expect(result.output).toContain("Read-only file system");
      expect(existsSync(target)).toBe(false);
    }
    // Next to the workspace (here under /tmp) a write either fails or lands in the private /tmp:
    // either way nothing appears on the host.
    const sibling = temp();
    for (const target of [join(sibling, name), `${root}/../${name}`]) {
      await exec.run(`touch '${target}'`);
      expect(existsSync(target), target).toBe(false);
    }
  });

  it("gives commands a private /tmp that lasts across the plugin's commands", async () => {
    const root = temp();
    const exec = sandboxedExec(root);
    const name = `pincer-private-${unique()}`;
    expect((await exec.run(`echo secret > /tmp/${name} && echo "$TMPDIR"`)).output).toBe("/tmp\n");
    expect(existsSync(join("/tmp", name))).toBe(false);
    expect(existsSync(join(tmpdir(), name))).toBe(false);
    expect((await exec.run(`cat /tmp/${name}`)).output).toBe("secret\n");
    // Another plugin (another capability) does not see it.
    expect((await sandboxedExec(root).run(`cat /tmp/${name}`)).exitCode).not.toBe(0);
  });

  it("cuts the network unless sandbox.network widens it", async () => {
    const root = temp();
    const connect = `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3`;
    const denied = await sandboxedExec(root).run(connect);
    expect(denied.exitCode).not.toBe(0);
    expect(denied.output).not.toContain("reached");

    const allowed = await sandboxedExec(root, { network: true }).run(connect);
    expect(allowed.exitCode, allowed.output).toBe(0);
    expect(allowed.output).toContain("reached");
  });

  it("hides credentials and Pincer's home, but not what a grant names", async () => {
    const root = temp();
    const home = temp("pincer-home-");
    const pincerHome = join(home, ".pincer");
    mkdirSync(join(home, ".ssh"));
    writeFileSync(join(home, ".ssh/id_rsa"), "PRIVATE KEY");
    mkdirSync(join(pincerHome, "plugins/tool"), { recursive: true });
    writeFileSync(join(pincerHome, "config.json"), '{"secret":1}');
    writeFileSync(join(pincerHome, "plugins/tool/data.txt"), "plugin data");
    const env = { ...process.env, HOME: home, PINCER_HOME: pincerHome };
    const osSandbox = resolveOsSandbox(
      {},
      { writeRoots: [root], readRoots: [root, join(pincerHome, "plugins/tool")], env },
    );
    expect(osSandbox).toBeDefined();
    const exec = createExecCapability({ cwd: root, allowedCommands: ["bash"], ...(osSandbox ? { osSandbox } : {}) });
    const result = await exec.run(
      `cat ${home}/.ssh/id_rsa; cat ${pincerHome}/config.json; cat ${pincerHome}/plugins/tool/data.txt`,
    );
    expect(result.output).not.toContain("PRIVATE KEY");
    expect(result.output).not.toContain("secret");
    expect(result.output).toContain("plugin data");
  });

  it("with the workspace at ~ (writable), PINCER_HOME and credentials stay masked: unread, unchanged, unmoved", async () => {
    const home = temp("pincer-home-");
    const pincerHome = join(home, ".pincer");
    mkdirSync(join(home, ".ssh"));
    writeFileSync(join(home, ".ssh/id_rsa"), "PRIVATE KEY");
    mkdirSync(join(pincerHome, "hub"), { recursive: true });
    writeFileSync(join(pincerHome, "config.json"), '{"secret":1}');
    writeFileSync(join(pincerHome, "hub/token"), "hf_hubtoken");
    mkdirSync(join(home, ".config/gh"), { recursive: true });
    writeFileSync(join(home, ".config/gh/hosts.yml"), "oauth_token: gho_hosts");
    const env = { ...process.env, HOME: home, PINCER_HOME: pincerHome };
    const exec = sandboxedExec(home, { pincerHome }, env);
    const result = await exec.run(
      [
        "cat ~/.pincer/config.json ~/.pincer/hub/token ~/.ssh/id_rsa",
        `echo '{"sandbox":{"os":"off"}}' > ~/.pincer/config.json`,
        "echo planted > ~/.ssh/authorized_keys",
        "mv ~/.pincer ~/moved",
        "rm -rf ~/.pincer/hub",
        // Moving the folder that holds a mask would carry the credential out from under it.
        "mv ~/.config ~/c",
        "echo end",
      ].join("; "),
      { cwd: home },
    );
    expect(
      (await exec.run("cat ~/c/gh/hosts.yml ~/.config/gh/hosts.yml; echo x > ~/.config/made", { cwd: home })).output,
    ).not.toContain("gho_hosts");
    // The folder itself is still the workspace's: writable as before.
    expect(readFileSync(join(home, ".config/made"), "utf8")).toBe("x\n");
    expect(readFileSync(join(home, ".config/gh/hosts.yml"), "utf8")).toBe("oauth_token: gho_hosts");
    expect(result.output).toContain("end");
    for (const secret of ["secret", "hf_hubtoken", "PRIVATE KEY", "gho_hosts"])
      expect(result.output).not.toContain(secret);
    expect(readFileSync(join(pincerHome, "config.json"), "utf8")).toBe('{"secret":1}');
    expect(readFileSync(join(pincerHome, "hub/token"), "utf8")).toBe("hf_hubtoken");
    expect(readdirSync(join(home, ".ssh"))).toEqual(["id_rsa"]);
    expect(existsSync(join(home, "moved"))).toBe(false);
    expect(existsSync(join(home, "c"))).toBe(false);
  });

  it("shows a read-only grant under /tmp read-only, not shadowed by the private /tmp", async () => {
    const root = temp();
    const docs = temp();
    writeFileSync(join(docs, "guide.md"), "# guide");
    const osSandbox = resolveOsSandbox({}, { writeRoots: [root], readRoots: [root, docs] });
    const exec = createExecCapability({ cwd: root, allowedCommands: ["bash"], ...(osSandbox ? { osSandbox } : {}) });
    expect((await exec.run(`cat ${docs}/guide.md`)).output).toBe("# guide");
    expect((await exec.run(`echo x > ${docs}/guide.md`)).exitCode).not.toBe(0);
    expect(readFileSync(join(docs, "guide.md"), "utf8")).toBe("# guide");
  });

  it("kills the whole tree on abort, daemons that left the process group included", async () => {
    const root = temp();
    const marker = `1000.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const controller = new AbortController();
    const running = sandboxedExec(root).run(`setsid sleep ${marker} & sleep ${marker} & wait`, {
      signal: controller.signal,
    });
    await until(() => processesWith(`sleep\0${marker}`).length === 2, "both sleeps to start");
    controller.abort();
    const result = await running;
    expect(result.aborted).toBe(true);
    await until(() => processesWith(`sleep\0${marker}`).length === 0, "every sleep to die");
  });

  it("kills the tree on timeout too", async () => {
    const root = temp();
    const marker = `1001.${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
    const result = await sandboxedExec(root).run(`sleep ${marker} & wait`, { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    await until(() => processesWith(`sleep\0${marker}`).length === 0, "the sleep to die");
  });

  it("runs in the requested cwd and keeps the capability check in front", async () => {
    const root = temp();
    mkdirSync(join(root, "sub"));
    const osSandbox = resolveOsSandbox({}, { writeRoots: [root] });
    const exec = createExecCapability({ cwd: root, allowedCommands: ["git"], ...(osSandbox ? { osSandbox } : {}) });
    await expect(exec.run("curl http://example.com")).rejects.toThrow('spawning "curl" refused');
    const any = createExecCapability({ cwd: root, allowedCommands: ["bash"], ...(osSandbox ? { osSandbox } : {}) });
    expect((await any.run("pwd", { cwd: join(root, "sub") })).output).toBe(`${join(root, "sub")}\n`);
  });
});
