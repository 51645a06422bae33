import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsCapability } from "./fs.js";
import { protectedPaths } from "./protected-paths.js";

// A plugin granted a folder above Pincer's home and the user's credentials (a workspace at ~, or
// `${home}`) tries to read and rewrite them: Pincer's config (to switch the OS sandbox off), its
// Hub token, the lockfile, an SSH key. Every road is refused — straight, through `..`, through a
// symlink into them, through a hard link, by moving the folder that holds them — while its own
// `${plugin}` folder inside PINCER_HOME, an explicit narrower grant, still works.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const CONFIG = '{"sandbox":{"os":"auto"}}';
const TOKEN = "hf_protectedHubToken0123456789";
const KEY = "-----BEGIN OPENSSH PRIVATE KEY----- e2e-protected-key";
const GH = "github.com:\n  oauth_token: gho_protected0123";

/** A fake home holding a PINCER_HOME with an installed plugin, an SSH key, gh's token, and a workspace. */
function fakeHome() {
  const home = realpathSync(mkdtempSync(join(tmpdir(), "pincer-protected-")));
  dirs.push(home);
  const pincerHome = join(home, ".pincer");
  const own = join(pincerHome, "plugins", "mine");
  mkdirSync(join(pincerHome, "hub"), { recursive: true });
  mkdirSync(own, { recursive: true });
  mkdirSync(join(home, ".ssh"));
  mkdirSync(join(home, ".config", "gh"), { recursive: true });
  mkdirSync(join(home, "proj"));
  writeFileSync(join(pincerHome, "config.json"), CONFIG);
  writeFileSync(join(pincerHome, "hub", "token"), TOKEN);
  writeFileSync(join(pincerHome, "plugins.lock.json"), "{}");
  writeFileSync(join(own, "state.json"), "mine");
  writeFileSync(join(home, ".ssh", "id_rsa"), KEY);
  writeFileSync(join(home, ".config", "gh", "hosts.yml"), GH);
  // The plugin's grants: the whole home (read and write), and its own folder (as `${plugin}` expands).
  const fs = createFsCapability({
    cwd: join(home, "proj"),
    readRoots: [home, own],
    writeRoots: [home, own],
    protectedPaths: protectedPaths({ pincerHome }, { HOME: home }),
  });
  return { home, pincerHome, own, fs };
}

/** Every protected file as it was. */
function unchanged(home: string) {
  expect(readFileSync(join(home, ".pincer", "config.json"), "utf8")).toBe(CONFIG);
  expect(readFileSync(join(home, ".pincer", "hub", "token"), "utf8")).toBe(TOKEN);
  expect(readFileSync(join(home, ".ssh", "id_rsa"), "utf8")).toBe(KEY);
  expect(readFileSync(join(home, ".config", "gh", "hosts.yml"), "utf8")).toBe(GH);
  expect(readdirSync(join(home, ".pincer")).sort()).toEqual(["config.json", "hub", "plugins", "plugins.lock.json"]);
  expect(readdirSync(join(home, ".ssh"))).toEqual(["id_rsa"]);
}

const PINCER = /is protected \(Pincer's own settings and secrets\)/;
const CREDENTIALS = /is protected \(credentials\)/;

/** The refusal, and that it shows nothing of what the file holds. */
async function refused(attempt: Promise<unknown>, why: RegExp): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (caught: Error) => caught,
  );
  expect(error, "the attempt succeeded").toBeInstanceOf(Error);
  expect(error!.message).toMatch(why);
  for (const secret of [CONFIG, TOKEN, KEY, "oauth_token"]) expect(error!.message).not.toContain(secret);
}

describe("fs capability: Pincer's home and credentials under a granted root", () => {
  it("refuses reads of them, straight and through `..`", async () => {
    const { home, fs } = fakeHome();
    await refused(fs.readFile(join(home, ".pincer/config.json")), PINCER);
    await refused(fs.readText("../.pincer/hub/token"), PINCER);
    await refused(fs.readFile("../.ssh/id_rsa", { offset: 0, length: 10 }), CREDENTIALS);
    await refused(fs.readText("../.config/gh/../gh/hosts.yml"), CREDENTIALS);
    await refused(fs.readdir("../.pincer"), PINCER);
    await refused(fs.readdir("../.ssh"), CREDENTIALS);
    await refused(fs.stat("../.pincer/plugins.lock.json"), PINCER);
    await refused(fs.resolve("../.ssh/id_rsa"), CREDENTIALS);
    // What is missing inside them is refused like what is there: nothing is learnt by probing.
    await refused(fs.stat("../.ssh/id_ed25519"), CREDENTIALS);
    // The rest of the home stays granted, and listing it names them (as `ls` would) without opening them.
    writeFileSync(join(home, "notes.txt"), "mine to read");
    expect(await fs.readText("../notes.txt")).toBe("mine to read");
    expect((await fs.readdir("..")).map((entry) => entry.name)).toContain(".pincer");
  });

  it("refuses writes to them: the sandbox switch in config.json, the lockfile, the Hub token, the keys", async () => {
    const { home, fs } = fakeHome();
    await refused(fs.writeFile("../.pincer/config.json", '{"sandbox":{"os":"off"}}'), PINCER);
    await refused(fs.appendFile("../.pincer/plugins.lock.json", "x"), PINCER);
    await refused(fs.writeFile("../.pincer/hub/token", "hf_mine"), PINCER);
    await refused(fs.remove("../.pincer/hub/token"), PINCER);
    await refused(fs.mkdir("../.pincer/plugins/planted"), PINCER);
    await refused(fs.writeFile("../.pincer/local-settings.json", "{}"), PINCER);
    await refused(fs.writeFile("../.ssh/authorized_keys", "ssh-ed25519 AAAA attacker"), CREDENTIALS);
    await refused(fs.rename("../.ssh/id_rsa", "stolen"), CREDENTIALS);
    writeFileSync(join(home, "proj", "evil.json"), "{}");
    await refused(fs.rename("evil.json", "../.pincer/config.json"), PINCER);
    // A protected path that does not exist yet cannot be made either.
    await refused(fs.writeFile("../.aws/credentials", "[default]"), CREDENTIALS);
    await refused(fs.mkdir("../.kube"), CREDENTIALS);
    unchanged(home);
    expect(existsSync(join(home, ".aws"))).toBe(false);
    expect(existsSync(join(home, ".kube"))).toBe(false);
    expect(readFileSync(join(home, "proj", "evil.json"), "utf8")).toBe("{}");
  });

  it("refuses them through a symlink in the workspace, both ways, file and folder", async () => {
    const { home, fs } = fakeHome();
    symlinkSync(join(home, ".pincer", "config.json"), join(home, "proj", "settings.json"));
    symlinkSync(join(home, ".pincer"), join(home, "proj", "cache"));
    symlinkSync("../.ssh/id_rsa", join(home, "proj", "key"));
    await refused(fs.readText("settings.json"), PINCER);
    await refused(fs.writeFile("settings.json", '{"sandbox":{"os":"off"}}'), PINCER);
    await refused(fs.appendFile("settings.json", " "), PINCER);
    await refused(fs.readText("cache/hub/token"), PINCER);
    await refused(fs.writeFile("cache/config.json", "{}"), PINCER);
    await refused(fs.readdir("cache"), PINCER);
    await refused(fs.readFile("key"), CREDENTIALS);
    await refused(fs.writeFile("key", "replaced"), CREDENTIALS);
    // A link is judged by where it leads, as for every write: not even moved or removed.
    await refused(fs.rename("key", "key2"), CREDENTIALS);
    await refused(fs.remove("settings.json"), PINCER);
    unchanged(home);
  });

  it("writes through a hard link only its own name, and never appends to the file behind it", async () => {
    const { home, fs } = fakeHome();
    linkSync(join(home, ".pincer", "config.json"), join(home, "proj", "config-link.json"));
    await expect(fs.appendFile("config-link.json", ',"os":"off"')).rejects.toThrow("has 2 hard links");
    await fs.writeFile("config-link.json", '{"sandbox":{"os":"off"}}');
    expect(readFileSync(join(home, "proj", "config-link.json"), "utf8")).toBe('{"sandbox":{"os":"off"}}');
    unchanged(home);
  });

  it("refuses moving a folder that holds one (it would carry the token out from under its name), or planting one", async () => {
    const { home, fs } = fakeHome();
    await refused(fs.rename("../.config", "../config-moved"), CREDENTIALS);
    // A workspace folder shaped like gh's config, moved to where gh would read it, is a credential planted.
    rmSync(join(home, ".config"), { recursive: true });
    mkdirSync(join(home, "proj", "fake", "gh"), { recursive: true });
    writeFileSync(join(home, "proj", "fake", "gh", "hosts.yml"), "oauth_token: attacker");
    await refused(fs.rename("fake", "../.config"), CREDENTIALS);
    expect(existsSync(join(home, ".config"))).toBe(false);
    // Folders that hold none move as before.
    mkdirSync(join(home, "proj", "plain"));
    await fs.rename("plain", "../plain-moved");
    expect(existsSync(join(home, "plain-moved"))).toBe(true);
  });

  it("keeps the plugin's own folder inside PINCER_HOME, an explicit narrower grant, readable and writable", async () => {
    const { own, fs } = fakeHome();
    expect(await fs.readText(join(own, "state.json"))).toBe("mine");
    await fs.writeFile(join(own, "state.json"), "updated");
    await fs.mkdir(join(own, "cache/deeper"));
    await fs.writeFile(join(own, "cache/deeper/entry"), "x");
    await fs.rename(join(own, "cache/deeper/entry"), join(own, "entry"));
    expect(readFileSync(join(own, "state.json"), "utf8")).toBe("updated");
    expect(readFileSync(join(own, "entry"), "utf8")).toBe("x");
    // A link from the workspace into its own folder leads inside a root: allowed like the folder itself.
    symlinkSync(join(own, "state.json"), join(own, "..", "..", "..", "proj", "own-state"));
    expect(await fs.readText("own-state")).toBe("updated");
    // Its own folder does not open the rest of PINCER_HOME: the sibling config is still out of reach from there.
    await refused(fs.readText(join(own, "..", "..", "config.json")), PINCER);
  });

  it("grants a protected path that a root names itself (an explicit `--add-dir ~/.ssh`)", async () => {
    const { home } = fakeHome();
    const fs = createFsCapability({
      cwd: home,
      readRoots: [join(home, ".ssh")],
      writeRoots: [],
      protectedPaths: protectedPaths({ pincerHome: join(home, ".pincer") }, { HOME: home }),
    });
    expect(await fs.readText(".ssh/id_rsa")).toBe(KEY);
    await expect(fs.readText(".pincer/config.json")).rejects.toThrow("outside the granted read roots");
  });

  it("protects PINCER_HOME where the environment puts it, and what sandbox.hide adds", async () => {
    const { home } = fakeHome();
    const elsewhere = join(home, "proj", "state");
    mkdirSync(join(elsewhere, "hub"), { recursive: true });
    writeFileSync(join(elsewhere, "hub", "token"), TOKEN);
    writeFileSync(join(home, "proj", "vault.txt"), "hidden by the user");
    const fs = createFsCapability({
      cwd: join(home, "proj"),
      readRoots: [home],
      writeRoots: [home],
      protectedPaths: protectedPaths({ hide: ["~/proj/vault.txt"] }, { HOME: home, PINCER_HOME: elsewhere }),
    });
    await refused(fs.readText("state/hub/token"), PINCER);
    await refused(fs.readText("vault.txt"), /is protected \(listed in sandbox.hide\)/);
    await refused(fs.readText("../.ssh/id_rsa"), CREDENTIALS);
  });
});
