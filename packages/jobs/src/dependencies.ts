// Checking a job's pip dependencies against the interpreter before the script starts, so a missing
// package is one clear sentence (with the command that installs it) instead of a traceback minutes
// into a run. Nothing is installed here: the machine may have no network.
import { execFile } from "node:child_process";

/** pip name → the module it provides, where they differ. */
const MODULES: Record<string, string> = {
  "scikit-learn": "sklearn",
  sklearn: "sklearn",
  "scikit-image": "skimage",
  pillow: "PIL",
  "opencv-python": "cv2",
  "opencv-python-headless": "cv2",
  "opencv-contrib-python": "cv2",
  beautifulsoup4: "bs4",
  pyyaml: "yaml",
  "python-dateutil": "dateutil",
  protobuf: "google.protobuf",
  "huggingface-hub": "huggingface_hub",
  "sentence-transformers": "sentence_transformers",
  "pytorch-lightning": "pytorch_lightning",
  lightning: "lightning",
  tensorflow: "tensorflow",
  "tensorflow-cpu": "tensorflow",
  "typing-extensions": "typing_extensions",
  "msgpack-python": "msgpack",
  pyzmq: "zmq",
  pycryptodome: "Crypto",
};

/** pip name → Debian package, where it is not `python3-<pip name>`. */
const DEBIAN: Record<string, string> = {
  torch: "python3-torch",
  "scikit-learn": "python3-sklearn",
  sklearn: "python3-sklearn",
  "scikit-image": "python3-skimage",
  pillow: "python3-pil",
  "opencv-python": "python3-opencv",
  "opencv-python-headless": "python3-opencv",
  beautifulsoup4: "python3-bs4",
  pyyaml: "python3-yaml",
  "python-dateutil": "python3-dateutil",
  "huggingface-hub": "python3-huggingface-hub",
  pyzmq: "python3-zmq",
  pycryptodome: "python3-pycryptodome",
};

/** `Scikit_Learn[extra]>=1.2` → `scikit-learn` (PEP 503 normalisation, no extras or version). */
export function pipName(requirement: string): string {
  const name = requirement.trim().split(/[\s[<>=!~;@]/, 1)[0] ?? "";
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The module a pip requirement provides: `scikit-learn` → `sklearn`, `pillow` → `PIL`. */
export function moduleFor(requirement: string): string {
  const name = pipName(requirement);
  return MODULES[name] ?? name.replace(/-/g, "_");
}

/** How to install a missing pip package on this machine. */
export function installHint(requirement: string): string {
  const name = pipName(requirement);
  return `apt-get install ${DEBIAN[name] ?? `python3-${name}`} (Debian) or pip install ${name}`;
}

// find_spec locates a module without importing it: `import torch` alone costs seconds, and the
// script imports it anyway. A dotted name imports its parents (google.protobuf imports google),
// so the current folder is dropped from the search path first: this runs outside the job's
// sandbox, and a `script.x` must not import the job's own script.py (or a repository's package).
const CHECK = [
  "import sys",
  "sys.path[:] = [p for p in sys.path if p not in ('', '.')]",
  "import importlib.util, json",
  "missing = []",
  "for name in sys.argv[1:]:",
  "    try:",
  "        found = importlib.util.find_spec(name) is not None",
  "    except Exception:",
  "        found = False",
  "    if not found: missing.append(name)",
  "print(json.dumps(missing))",
].join("\n");

/** The modules, of those given, that `python` cannot find. */
export function missingModules(python: string, modules: string[], timeoutMs = 30_000): Promise<string[]> {
  if (modules.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    execFile(python, ["-c", CHECK, ...modules], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        const reason =
          (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : stderr.trim() || error.message;
        reject(new Error(`Could not run the Python interpreter ${python} to check dependencies: ${reason}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as string[]);
      } catch {
        reject(new Error(`Unexpected output from ${python} while checking dependencies: ${stdout.trim()}`));
      }
    });
  });
}

/** A sentence naming each missing package and how to add it. */
export function missingMessage(python: string, requirements: string[]): string {
  const lines = requirements.map((req) => `  - ${pipName(req)} (module ${moduleFor(req)}): ${installHint(req)}`);
  return `Missing Python package${requirements.length > 1 ? "s" : ""} for ${python}; the script was not started:\n${lines.join("\n")}`;
}

/** Dependency checks against one interpreter; modules found once are not looked up again. */
export class DependencyChecker {
  #present = new Set<string>();

  constructor(private readonly python: string) {}

  /** The failure message for missing dependencies, or undefined when all are present. */
  async check(requirements: string[]): Promise<string | undefined> {
    const unknown = requirements.filter((req) => !this.#present.has(moduleFor(req)));
    if (unknown.length === 0) return undefined;
    let missing: string[];
    try {
      missing = await missingModules(this.python, [...new Set(unknown.map(moduleFor))]);
    } catch (error) {
      return (error as Error).message;
    }
    for (const req of unknown) if (!missing.includes(moduleFor(req))) this.#present.add(moduleFor(req));
    const absent = unknown.filter((req) => missing.includes(moduleFor(req)));
    return absent.length > 0 ? missingMessage(this.python, absent) : undefined;
  }
}
