import { isSecretEnvName } from "@pincer/kernel";

/**
 * The environment of every process Pincer starts (the bash tool, plugin spawns, hooks, MCP stdio
 * servers, local jobs): a minimal base taken from the user's environment, plus what was granted.
 * Provider keys and tokens never ride along by accident: a variable reaches a command only when
 * it is in the base (locale, terminal, paths, proxies — nothing secret), when the user granted it
 * (`sandbox.env`, or the plugin's own `env` grant), or when the caller sets it and it passes the
 * plugin allow-list below.
 */

/** Names copied from the user's environment into every child: nothing here is a secret. */
const BASE_NAMES = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TERM",
  "COLORTERM",
  "NO_COLOR",
  "TZ",
  "TMPDIR",
  // Where per-user files go (paths, not contents).
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "XDG_STATE_HOME",
  // Toolchains that are found through a variable rather than PATH.
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
  "CONDA_DEFAULT_ENV",
  "JAVA_HOME",
  "GOPATH",
  "GOROOT",
  "CARGO_HOME",
  "RUSTUP_HOME",
  "NVM_DIR",
  "PYENV_ROOT",
  "PNPM_HOME",
  // Proxies and certificate authorities: how this machine reaches the network at all.
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
]);

/**
 * The minimal base: the names above, and the locale's `LC_*`, as the user has them. Names first,
 * then only the kept values: each value read from `process.env` is a call into the C++ side (a
 * locked getenv and a new string), and every command reads it. With a 95-variable environment,
 * `Object.entries` took 117-120 µs of CPU a call, the names first 42-43 µs (20,000 calls each).
 */
export function baseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env)) {
    if (!BASE_NAMES.has(name) && !/^LC_[A-Z_]+$/.test(name)) continue;
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Variables a caller may never set for a child, whatever it was granted: each one changes what
 * runs (a shell's startup file, exported functions, the dynamic loader, an interpreter's start-up
 * code or module path, git's config, pager, editor or ssh command…), so a grant for `python3` or
 * `git` would become a grant for anything. Also the base's own names: the program is looked up on
 * the user's PATH, in the user's HOME, not the plugin's.
 */
const NEVER_SETTABLE: readonly RegExp[] = [
  /^(BASH_ENV|ENV|SHELLOPTS|BASHOPTS|PS[0-4]|PROMPT_COMMAND|IFS|CDPATH|GLOBIGNORE|HISTFILE|INPUTRC)$/,
  /^BASH_FUNC_/,
  /^(LD_|DYLD_|GCONV_PATH$|NLSPATH$|LOCPATH$|GLIBC_TUNABLES$|MALLOC_)/,
  /^(PYTHON|PIP_|UV_|CONDA)/,
  /^(NODE_|NPM_CONFIG_|npm_config_|YARN_|PNPM_|BUN_|DENO_)/,
  /^(PERL|RUBY|GEM_|BUNDLE_|LUA_|TCLLIBPATH$|R_PROFILE|R_ENVIRON|PHPRC$|PHP_INI_SCAN_DIR$)/,
  /^(JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|CLASSPATH|MAVEN_OPTS|GRADLE_OPTS)$/,
  /^(GIT_|SSH_|GNUPGHOME$|EDITOR$|VISUAL$|PAGER$|MANPAGER$|LESS|BROWSER$|SUDO_ASKPASS$)/,
  /^(CARGO_|RUSTC|RUSTFLAGS$|RUSTDOCFLAGS$|GOFLAGS$|GOPROXY$|GOTOOLCHAIN$|MAKEFLAGS$|MAKEFILES$)/,
  /^(CC|CXX|CPP|LD|AR|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS)$/,
  /^(XDG_|TERMINFO|KUBECONFIG$|DOCKER_)/,
];

/** Names a plugin may set for a child without declaring them: they only change how output looks. */
const ALWAYS_SETTABLE = new Set(["CI", "NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TZ", "LANG", "LC_ALL"]);

/**
 * Checks the variables a plugin asks to set for one command against the allow-list: a plain name
 * that either only changes how output looks (`CI`, `NO_COLOR`…) or is one of the plugin's own
 * `env` grants (what the user saw at install), and never one that changes what runs. Returns the
 * refusal, or undefined when every name may be set.
 */
export function refusedPluginEnv(env: Record<string, string>, grantedNames: readonly string[]): string | undefined {
  const granted = new Set(grantedNames);
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `"${name}" is not a variable name`;
    if (typeof value !== "string") return `the value of ${name} is not a string`;
    if (value.includes("\0")) return `the value of ${name} contains a NUL byte`;
    if (BASE_NAMES.has(name) && !ALWAYS_SETTABLE.has(name)) return `${name} is the user's own (it decides what runs)`;
    if (NEVER_SETTABLE.some((pattern) => pattern.test(name))) return `${name} changes what a command runs`;
    if (!ALWAYS_SETTABLE.has(name) && !granted.has(name)) {
      return `${name} is not in the plugin's env grant (a plugin may set only CI, NO_COLOR, FORCE_COLOR, COLUMNS, LINES, TZ, LANG, LC_ALL and the variables it was granted)`;
    }
  }
  return undefined;
}

/** Whether a variable's value is a secret by its name (`*_TOKEN`, `*_KEY`…): shown masked, redacted from output. */
export function looksSecret(name: string): boolean {
  return isSecretEnvName(name);
}

/**
 * A child's whole environment: the base, the granted names' values from the user's environment,
 * then the caller's own variables (already checked) on top.
 */
export function childEnv(
  userEnv: NodeJS.ProcessEnv,
  grantedNames: readonly string[],
  extra: Record<string, string> = {},
): Record<string, string> {
  const out = baseEnv(userEnv);
  for (const name of grantedNames) {
    const value = userEnv[name];
    if (value !== undefined) out[name] = value;
  }
  return { ...out, ...extra };
}
