/**
 * What an allow rule must spell out to cover a command. A prefix rule such as `bash(find:*)` is
 * read by people as "let it look for files", so it must not also cover the words that make a
 * command write files or run other code: output redirection into a file (`> ~/.bashrc`), flags
 * like `find -delete`/`-exec`, `sed -i`, `git -c`, `tar --to-command`, and the command a runner
 * such as `timeout`, `xargs` or `sh -c` starts. Such words are "risky": an allow pattern covers a
 * command only if its literal text (before any `*`) reaches past every risky word.
 */

import { awkProgramRisky, sedScriptRisky } from "./sed-script.js";
import { type ShellWord, shellWords } from "./shell-syntax.js";

export interface RiskyWord {
  /** Index into the words. */
  index: number;
  /** Why a rule must name it, for the user and the model: `-delete deletes files`. */
  why: string;
}

/** How a wrapper's options are read: which take a value, how many positionals precede the command. */
export interface WrapperSpec {
  valueOptions: readonly string[];
  positionals?: number;
  /** Takes `VAR=value` words before the command (`env`). */
  assignments?: boolean;
}

const list = (text: string): string[] => text.split(" ").filter(Boolean);

/** Programs that run the command after their own options. */
export const WRAPPERS: Readonly<Record<string, WrapperSpec>> = {
  timeout: { valueOptions: list("-s --signal -k --kill-after"), positionals: 1 },
  time: { valueOptions: list("-f --format -o --output") },
  nice: { valueOptions: list("-n --adjustment") },
  nohup: { valueOptions: [] },
  stdbuf: { valueOptions: list("-i -o -e --input --output --error") },
  env: { valueOptions: list("-u --unset -C --chdir -S --split-string"), assignments: true },
  sudo: { valueOptions: list("-u -g -C -D -h -p -r -t -U -T --user --group") },
  doas: { valueOptions: list("-u -C") },
  command: { valueOptions: [] },
  builtin: { valueOptions: [] },
  exec: { valueOptions: list("-a") },
  xargs: { valueOptions: list("-I -n -P -L -s -d -E -a --max-args --max-procs --delimiter --arg-file") },
};

export const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "zsh", "dash", "ksh", "fish"]);

/** Programs that run code their arguments name, read in ways not worth modelling: a rule names every word. */
const OPAQUE_RUNNERS = new Set([
  ...list("eval source . watch parallel su runuser chroot unshare nsenter setsid ionice taskset chrt prlimit"),
  ...list("flock strace ltrace firejail script busybox systemd-run pkexec fakeroot valgrind entr"),
]);

const SAFE_TARGETS = new Set(["/dev/null", "/dev/stdout", "/dev/stderr"]);

/** `/usr/bin/rm` → `rm`. */
export function programName(word: ShellWord): string {
  return word.value.slice(word.value.lastIndexOf("/") + 1);
}

/** The text of a raw word outside its quotes, escaped characters dropped: what the shell still expands. */
function unquoted(raw: string): string {
  let out = "";
  let quote: "'" | '"' | "$'" | undefined;
  for (let index = 0; index < raw.length; index++) {
    const char = raw[index]!;
    if (quote === "'" || quote === "$'") {
      if (char === "\\" && quote === "$'") index++;
      else if (char === "'") quote = undefined;
    } else if (char === "\\") index++;
    else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === "$") out += char;
    } else if (char === "$" && raw[index + 1] === "'") {
      quote = "$'";
      index++;
    } else if (char === "'" || char === '"') quote = char;
    else out += char;
  }
  return out;
}

/** The raw text of a word with the quoting-sensitive positions of unquoted `<` and `>` (-1 when none). */
function firstUnquotedAngle(raw: string): number {
  let quote: "'" | '"' | "$'" | undefined;
  for (let index = 0; index < raw.length; index++) {
    const char = raw[index]!;
    if (quote === "'" || quote === "$'") {
      if (char === "\\" && quote === "$'") index++;
      else if (char === "'") quote = undefined;
    } else if (char === "\\") index++;
    else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === "$" && raw[index + 1] === "'") {
      quote = "$'";
      index++;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === "<" || char === ">") return index;
  }
  return -1;
}

/**
 * Redirections that open a file for writing (`>`, `>>`, `>|`, `&>`, `<>`, `2>file`), as risky
 * words: the operator's word and its target. Duplicating a descriptor (`2>&1`) or writing to
 * `/dev/null` writes no file.
 */
export function fileRedirections(words: readonly ShellWord[]): RiskyWord[] {
  const risky: RiskyWord[] = [];
  words.forEach((word, index) => {
    const at = firstUnquotedAngle(word.raw);
    if (at === -1) return;
    const raw = word.raw;
    let end = at + 1;
    const readWrite = raw[at] === "<" && raw[end] === ">";
    if (raw[at] === "<" && !readWrite) return; // input: reads, writes nothing
    if (readWrite) end++;
    while (raw[end] === ">" || raw[end] === "|") end++;
    const duplicates = raw[end] === "&";
    if (duplicates) end++;
    const rest = raw.slice(end);
    const targetIndex = rest ? index : index + 1;
    const target = rest ? (shellWords(rest)[0]?.value ?? "") : (words[index + 1]?.value ?? "");
    if (duplicates && /^(\d+|-)$/.test(target)) return;
    // A second redirection in the same word, or a target that expands, is never harmless.
    const plain = rest ? firstUnquotedAngle(rest) === -1 && !/[$*?[{`]/.test(unquoted(rest)) : true;
    if (plain && !readWrite && SAFE_TARGETS.has(target)) return;
    const why = `"${raw.slice(0, end)}" writes to a file`;
    risky.push({ index, why });
    if (targetIndex !== index && targetIndex < words.length) risky.push({ index: targetIndex, why });
  });
  return risky;
}

/** An unquoted `*`, `?`, `[`, brace expansion or `$`: the shell may turn the word into other words, even flags. */
function expands(word: ShellWord): boolean {
  const text = unquoted(word.raw);
  return /[*?[$]/.test(text) || /\{[^}]*(,|\.\.)[^}]*\}/.test(text);
}

/** A flag that makes a command write files or run code; `value` when its argument follows as the next word. */
interface RiskyOption {
  names: readonly string[];
  why: string;
  /** The option takes the next word as its value (unless written `--name=value`). */
  value?: boolean;
  /** Everything from the option to the end of the command belongs to it (`fd -x cmd args`). */
  toEnd?: boolean;
  /** Single letters that are risky anywhere in a cluster of short options (`-xI zstd`). */
  letters?: string;
}

const option = (names: string, why: string, extra: Partial<RiskyOption> = {}): RiskyOption => ({
  names: list(names),
  why,
  ...extra,
});

const RUNS = "runs another command";
const WRITES = "writes files";

/** Flags of everyday read-only programs that turn them into writers or runners. */
const RISKY_OPTIONS: Readonly<Record<string, readonly RiskyOption[]>> = {
  find: [
    option("-delete", "deletes files"),
    option("-fprint -fprint0 -fls", WRITES, { value: true }),
    option("-fprintf", WRITES, { value: true }),
  ],
  fd: [option("-x --exec -X --exec-batch", RUNS, { toEnd: true })],
  fdfind: [option("-x --exec -X --exec-batch", RUNS, { toEnd: true })],
  rg: [option("--pre --hostname-bin", RUNS, { value: true })],
  sed: [option("-i --in-place", "edits files in place", { letters: "i" })],
  gsed: [option("-i --in-place", "edits files in place", { letters: "i" })],
  tar: [
    option(
      "--to-command --checkpoint-action --use-compress-program --info-script --new-volume-script --rsh-command --rmt-command",
      RUNS,
      { value: true, letters: "IF" },
    ),
  ],
  sort: [option("-o --output", WRITES, { value: true, letters: "o" }), option("--compress-program", RUNS)],
  shuf: [option("-o --output", WRITES, { value: true, letters: "o" })],
  tree: [option("-o", WRITES, { value: true })],
  man: [option("-P --pager -H --html", RUNS, { letters: "PH" })],
  less: [option("-k --lesskey-file --lesskey-src", "reads key bindings that can run commands", { value: true })],
  rsync: [option("-e --rsh --rsync-path", RUNS, { value: true, letters: "e" })],
  ssh: [option("-o -F", "sets options that can run local commands", { value: true, letters: "oF" })],
  scp: [option("-o -F -S", "sets options that can run local commands", { value: true, letters: "oFS" })],
  zip: [option("-TT --unzip-command", RUNS, { value: true })],
  yq: [option("-i --inplace", "edits files in place", { letters: "i" })],
  curl: [
    option(
      "-o --output -O --remote-name --remote-name-all -K --config -c --cookie-jar -D --dump-header --trace --trace-ascii --libcurl --etag-save --output-dir",
      WRITES,
      { value: true, letters: "oOKcD" },
    ),
  ],
  vim: [option("-c -S --cmd", RUNS, { value: true })],
  vi: [option("-c -S --cmd", RUNS, { value: true })],
  nvim: [option("-c -S --cmd -l", RUNS, { value: true })],
};

/** git's options before the subcommand that change which config, hooks or programs it uses. */
const GIT_GLOBAL = option("-c --config-env --exec-path --git-dir --work-tree -C", "changes git's config or repository");
/** git options after the subcommand that run a program or write a file. */
const GIT_ANYWHERE = [
  option("--output --output-directory", WRITES, { value: true }),
  option("--upload-pack --receive-pack --exec --extcmd --open-files-in-pager", RUNS, { value: true }),
];
const GIT_BY_SUBCOMMAND: Readonly<Record<string, readonly RiskyOption[]>> = {
  rebase: [option("-x", RUNS, { value: true, letters: "x" })],
  difftool: [option("-x", RUNS, { value: true, letters: "x" })],
  grep: [option("-O", RUNS, { letters: "O" })],
  "format-patch": [option("-o", WRITES, { value: true, letters: "o" })],
};
/** git subcommands that run code or rewrite configuration whatever their flags. */
const GIT_RISKY_SUBCOMMANDS: Readonly<Record<string, string>> = {
  config: "changes git's configuration (pagers and hooks run commands)",
  "filter-branch": RUNS,
  submodule: "may run a command in every submodule",
  bisect: "may run a command at every step",
};

/** Whether a word is one of the option's names (`--pre`, `--pre=cat`, `-ifoo` for letters `i`). */
function optionMatch(value: string, risky: RiskyOption): "separate" | "attached" | undefined {
  for (const name of risky.names) {
    if (value === name) return "separate";
    if (name.startsWith("--") && value.startsWith(`${name}=`)) return "attached";
  }
  if (risky.letters && /^-[A-Za-z0-9]/.test(value) && !value.startsWith("--")) {
    const letters = value.slice(1);
    const at = [...letters].findIndex((letter) => risky.letters!.includes(letter));
    if (at !== -1) return at === letters.length - 1 ? "separate" : "attached";
  }
  return undefined;
}

function optionRisks(words: readonly ShellWord[], from: number, options: readonly RiskyOption[]): RiskyWord[] {
  const risky: RiskyWord[] = [];
  for (let index = from; index < words.length; index++) {
    const value = words[index]!.value;
    if (value === "--") break;
    for (const candidate of options) {
      const match = optionMatch(value, candidate);
      if (!match) continue;
      const why = `"${value}" ${candidate.why}`;
      const last = candidate.toEnd
        ? words.length - 1
        : match === "separate" && candidate.value
          ? Math.min(index + 1, words.length - 1)
          : index;
      for (let at = index; at <= last; at++) risky.push({ index: at, why });
    }
  }
  return risky;
}

/** The index of the command a wrapper runs, after its options, positionals and assignments. */
export function wrappedCommandIndex(words: readonly ShellWord[], at: number, spec: WrapperSpec): number {
  let index = at + 1;
  while (index < words.length) {
    const value = words[index]!.value;
    if (value === "--") {
      index++;
      break;
    }
    if (!value.startsWith("-") || value === "-") break;
    index += spec.valueOptions.includes(value) ? 2 : 1;
  }
  index += spec.positionals ?? 0;
  while (spec.assignments && index < words.length && /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(words[index]!.raw)) index++;
  return index;
}

const range = (from: number, to: number, why: string): RiskyWord[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, offset) => ({ index: from + offset, why }));

/** Risky words of the command whose program is `words[at]` (and of any command it runs). */
export function programRisks(words: readonly ShellWord[], at: number): RiskyWord[] {
  const first = words[at];
  if (!first) return [];
  const name = programName(first);
  const last = words.length - 1;
  if (Object.hasOwn(WRAPPERS, name)) {
    const inner = wrappedCommandIndex(words, at, WRAPPERS[name]!);
    // Options but no command (`env -S 'rm -rf x'` hides it in one): every word is the rule's to name.
    if (inner > last) return range(at + 1, last, `"${name}" runs another command`);
    return [...range(at + 1, inner, `"${name}" runs another command`), ...programRisks(words, inner)];
  }
  if (SHELLS.has(name)) {
    // `bash -c 'script'`, `bash -o posix script.sh`: the script is the command; a rule must name it.
    let script = at + 1;
    while (script < words.length && /^[-+]/.test(words[script]!.value)) {
      const flag = words[script]!.value;
      script += /^([-+][oO]|--rcfile|--init-file)$/.test(flag) ? 2 : 1;
    }
    return range(at + 1, Math.min(script, last), `"${name}" runs a script`);
  }
  if (OPAQUE_RUNNERS.has(name)) return range(at + 1, last, `"${name}" runs another command`);

  const risky: RiskyWord[] = [];
  if (name === "find") {
    // `-exec cmd {} ;`: the command up to its terminator is part of what the rule must name.
    words.forEach((word, index) => {
      if (index <= at || !/^-(exec|execdir|ok|okdir)$/.test(word.value)) return;
      const end = words.findIndex((w, i) => i > index && (w.value === ";" || w.value === "+"));
      risky.push(...range(index, end === -1 ? last : end, `"${word.value}" runs another command`));
    });
  }
  if (name === "sed" || name === "gsed") risky.push(...sedRisks(words, at));
  if (/^(g|m|n)?awk$/.test(name)) risky.push(...awkRisks(words, at));
  if (name === "git") risky.push(...gitRisks(words, at));
  if (name === "uniq" || name === "xxd") {
    // `uniq in out`, `xxd in out`: the second operand is a file they write.
    const operands = words
      .map((word, index) => ({ word, index }))
      .filter((w) => w.index > at && !/^-/.test(w.word.value));
    if (operands[1]) risky.push({ index: operands[1].index, why: `"${name}" writes its second operand` });
  }
  const table = RISKY_OPTIONS[name];
  if (table) risky.push(...optionRisks(words, at + 1, table));
  if (table || name === "find" || name === "git" || name === "sed" || /awk$/.test(name)) {
    // A glob or variable can expand into any of those flags (a file named `-delete`).
    words.forEach((word, index) => {
      if (index > at && expands(word)) risky.push({ index, why: `"${word.raw}" may expand into flags of ${name}` });
    });
  }
  return risky;
}

function sedRisks(words: readonly ShellWord[], at: number): RiskyWord[] {
  const risky: RiskyWord[] = [];
  let scriptGiven = false;
  const script = (text: string | undefined, index: number) => {
    scriptGiven = true;
    if (text === undefined || sedScriptRisky(text))
      risky.push({ index, why: "the sed script can run commands or write files" });
  };
  for (let index = at + 1; index < words.length; index++) {
    const value = words[index]!.value;
    if (value === "--expression") script(words[index + 1]?.value, ++index);
    else if (value.startsWith("--expression=")) script(value.slice(13), index);
    else if (value === "--file" || value.startsWith("--file=")) {
      risky.push({ index, why: "a sed script file can run commands or write files" });
      scriptGiven = true;
    } else if (/^-[^-]/.test(value)) {
      // A cluster of short options: `-ne 's/x/y/'`, `-es/x/y/`, `-i.bak`, `-l 80`.
      for (let letter = 1; letter < value.length; letter++) {
        const char = value[letter];
        const rest = value.slice(letter + 1);
        if (char === "e") {
          if (rest) script(rest, index);
          else script(words[index + 1]?.value, ++index);
          break;
        }
        if (char === "f") {
          risky.push({ index, why: "a sed script file can run commands or write files" });
          scriptGiven = true;
          break;
        }
        if (char === "i") break; // the in-place suffix (the -i flag itself is in RISKY_OPTIONS)
        if (char === "l") {
          if (!rest) index++;
          break;
        }
      }
    } else if (!value.startsWith("-") && !scriptGiven) script(value, index);
  }
  return risky;
}

function awkRisks(words: readonly ShellWord[], at: number): RiskyWord[] {
  const risky = (index: number) => [{ index, why: "the awk program can run commands or write files" }];
  for (let index = at + 1; index < words.length; index++) {
    const value = words[index]!.value;
    if (/^(-f|--file|-i|--include|-l|--load|-E|--exec)$/.test(value) || /^--(file|include|load|exec)=/.test(value)) {
      return [{ index, why: `"${value}" loads awk code from a file` }];
    }
    if (value === "-e" || value === "--source") {
      const program = words[++index]?.value;
      if (program === undefined || awkProgramRisky(program)) return risky(index);
      continue;
    }
    if (value.startsWith("--source=") && awkProgramRisky(value.slice(9))) return risky(index);
    if (value === "-v" || value === "-F" || value === "--assign" || value === "--field-separator") {
      index++;
      continue;
    }
    if (value.startsWith("-")) continue;
    return awkProgramRisky(value) ? risky(index) : [];
  }
  return [];
}

function gitRisks(words: readonly ShellWord[], at: number): RiskyWord[] {
  const risky: RiskyWord[] = [];
  let index = at + 1;
  // Global options come before the subcommand.
  for (; index < words.length && words[index]!.value.startsWith("-"); index++) {
    const value = words[index]!.value;
    const match = optionMatch(value, GIT_GLOBAL) ?? (/^-(c|C)./.test(value) ? "attached" : undefined);
    if (match) {
      risky.push({ index, why: `"${value}" ${GIT_GLOBAL.why}` });
      if (match === "separate" && index + 1 < words.length) risky.push({ index: ++index, why: GIT_GLOBAL.why });
    } else if (/^--(namespace|super-prefix|list-cmds|attr-source)$/.test(value)) index++;
  }
  const subcommand = words[index]?.value;
  if (subcommand === undefined) return risky;
  const whole = GIT_RISKY_SUBCOMMANDS[subcommand];
  if (whole) risky.push({ index, why: `"git ${subcommand}" ${whole}` });
  risky.push(...optionRisks(words, index + 1, [...GIT_ANYWHERE, ...(GIT_BY_SUBCOMMAND[subcommand] ?? [])]));
  return risky;
}
