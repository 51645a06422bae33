import { join } from "node:path";
import {
  type LoadedTheme,
  type PluginRegistry,
  SYNTAX_ROLES,
  THEME_COLOR_ROLES,
  THEME_OPTIONAL_COLOR_ROLES,
  THEME_SYMBOLS,
} from "@pincer/host";
import {
  BUILTIN_PLUGINS,
  configPath,
  createRegistry,
  pincerHome,
  projectSettingsPath,
  readSettings,
  UsageError,
  validateSettings,
  writeSettings,
} from "@pincer/runtime";
import type { StatusLineInfo, SyntaxRole } from "@pincer/sdk";
import type { Argv } from "yargs";
import { colorCode, colorEnabled } from "../output/style.js";

/** The theme the terminal UI draws with when no settings name one. Headless output keeps the terminal's colours. */
export const DEFAULT_THEME = "dark";

interface ThemeOptions {
  home: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** `pincer theme …`: list the themes plugins contribute, preview one, choose one. */
export function themeCommands(y: Argv, env: NodeJS.ProcessEnv): Argv {
  const options = (): ThemeOptions => ({ home: pincerHome(env), cwd: process.cwd(), env });
  return y
    .command(
      "list",
      "List the themes of built-in and installed plugins",
      (c) => c.option("json", { type: "boolean", default: false }),
      (args) => themeList({ ...options(), json: args.json }),
    )
    .command(
      "set <id>",
      'Use a theme: writes "theme" to your config, or with --project to this project\'s',
      (c) =>
        c.positional("id", { type: "string", demandOption: true }).option("project", {
          type: "boolean",
          default: false,
          description: "Write .pincer/settings.json in this directory instead of your config",
        }),
      (args) => themeSet(args.id, { ...options(), project: args.project }),
    )
    .command(
      "show [id]",
      "Preview a theme: its colours, a code sample, its symbols and status line",
      (c) => c.positional("id", { type: "string", description: "The theme (default: the one in use)" }),
      (args) => themeShow(args.id, options()),
    )
    .demandCommand(1, "Name a theme command: list, set or show.");
}

/** The theme the settings name (the project's wins), else the terminal UI's default. */
function currentTheme(options: ThemeOptions): { id: string; from: "project" | "user" | "default" } {
  const project = readSettings(projectSettingsPath(options.cwd)).theme;
  if (project) return { id: project, from: "project" };
  const user = readSettings(configPath(options.home)).theme;
  if (user) return { id: user, from: "user" };
  return { id: DEFAULT_THEME, from: "default" };
}

/** Runs `use` with a registry of the built-in and installed plugins; what goes wrong on the way is said on stderr. */
async function withRegistry<T>(options: ThemeOptions, use: (registry: PluginRegistry) => Promise<T>): Promise<T> {
  const warnings: string[] = [];
  const { sandbox } = readSettings(configPath(options.home));
  const registry = createRegistry(
    {
      home: options.home,
      cwd: options.cwd,
      env: options.env,
      cacheDir: join(options.home, "cache"),
      ...(sandbox ? { sandboxLimits: sandbox } : {}),
    },
    (plugin, error) => warnings.push(`Plugin ${plugin} was not loaded: ${error.message}`),
  );
  try {
    return await use(registry);
  } finally {
    registry.dispose();
    for (const warning of warnings) process.stderr.write(`! ${warning}\n`);
  }
}

function warn(theme: LoadedTheme): void {
  for (const warning of theme.warnings) process.stderr.write(`! ${warning}\n`);
}

interface ListedTheme {
  id: string;
  description?: string;
  appearance?: "dark" | "light";
  plugin: string;
  builtin: boolean;
  statusLine: boolean;
  current: boolean;
  /** Where the current theme is chosen: project settings, user config, or Pincer's default. */
  from?: "project" | "user" | "default";
  /** Why the theme could not be read (it is then unusable). */
  error?: string;
}

export async function themeList(options: ThemeOptions & { json?: boolean }): Promise<void> {
  const current = currentTheme(options);
  const listed = await withRegistry(options, async (registry) => {
    const rows: ListedTheme[] = [];
    const seen = new Map<string, string>();
    for (const { id, plugin } of registry.listThemes()) {
      const row: ListedTheme = {
        id,
        plugin,
        builtin: BUILTIN_PLUGINS.includes(plugin),
        statusLine: false,
        current: false,
      };
      const first = seen.get(id);
      if (first) {
        process.stderr.write(`! Theme ${id} of ${plugin} is hidden by the one of ${first}, which is used.\n`);
        continue;
      }
      seen.set(id, plugin);
      try {
        const theme = await registry.loadTheme(id);
        warn(theme);
        if (theme.description) row.description = theme.description;
        if (theme.appearance) row.appearance = theme.appearance;
        row.statusLine = theme.formatStatusLine !== undefined;
      } catch (error) {
        row.error = (error as Error).message;
      }
      if (id === current.id) Object.assign(row, { current: true, from: current.from });
      rows.push(row);
    }
    return rows;
  });
  if (!listed.some((row) => row.current) && current.from !== "default") {
    process.stderr.write(
      `! Your ${current.from === "project" ? "project settings name" : "config names"} the theme "${current.id}", which no plugin provides: the terminal's colours are used. Choose one with pincer theme set <id>.\n`,
    );
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return;
  }
  const paint = painter(process.stdout, options.env);
  const idWidth = Math.max(...listed.map((row) => row.id.length), 2);
  for (const row of listed) {
    const mark = row.current ? "*" : " ";
    const appearance = (row.appearance ?? "any").padEnd(5);
    const about = row.error ? `could not be read: ${row.error}` : (row.description ?? "");
    const origin = row.builtin ? "built-in" : row.plugin;
    process.stdout.write(`${mark} ${row.id.padEnd(idWidth)}  ${appearance}  ${about}  ${paint("2", origin, "22")}\n`);
  }
  if (current.from === "default") {
    process.stdout.write(
      `\nNo theme is set: the terminal UI uses ${DEFAULT_THEME}, headless output the terminal's own colours. Choose one with pincer theme set <id>.\n`,
    );
  }
}

export async function themeSet(id: string, options: ThemeOptions & { project?: boolean }): Promise<void> {
  const file = options.project ? projectSettingsPath(options.cwd) : configPath(options.home);
  const settings = readSettings(file);
  await withRegistry(options, async (registry) => {
    const known = [...new Set(registry.themeIds())];
    if (!known.includes(id)) {
      throw new UsageError(
        `No plugin provides the theme "${id}". Themes: ${known.join(", ") || "none"}. Install a theme plugin with pincer plugin install <name>.`,
      );
    }
    // Read it now, so a theme that cannot load is refused here rather than at the next start.
    try {
      warn(await registry.loadTheme(id));
    } catch (error) {
      throw new UsageError(`The theme "${id}" could not be read: ${(error as Error).message}`);
    }
  });
  // Validated before writing, so a bad value fails now and the file stays usable.
  writeSettings(file, validateSettings({ ...settings, theme: id }, file));
  process.stdout.write(`theme = ${id} (${file})\n`);
  const project = readSettings(projectSettingsPath(options.cwd)).theme;
  if (!options.project && project && project !== id) {
    process.stderr.write(
      `! ${projectSettingsPath(options.cwd)} sets the theme "${project}", which wins in this directory. Change it with pincer theme set <id> --project.\n`,
    );
  }
}

export async function themeShow(id: string | undefined, options: ThemeOptions): Promise<void> {
  const chosen = id ?? currentTheme(options).id;
  const { theme, statusLine } = await withRegistry(options, async (registry) => {
    if (!registry.themeIds().includes(chosen)) {
      throw new UsageError(
        `No plugin provides the theme "${chosen}". Themes: ${[...new Set(registry.themeIds())].join(", ") || "none"}.`,
      );
    }
    const theme = await registry.loadTheme(chosen);
    const statusLine = theme.formatStatusLine ? await theme.formatStatusLine(sampleStatus(options.cwd)) : undefined;
    return { theme, statusLine };
  });
  warn(theme);
  process.stdout.write(previewTheme(theme, statusLine, painter(process.stdout, options.env)));
}

/** SGR painting that is a no-op when colour is off (NO_COLOR, not a terminal, TERM=dumb). */
type Paint = (open: string | undefined, text: string, close?: string) => string;

function painter(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Paint {
  const enabled = colorEnabled(stream, env);
  return (open, text, close = "39") => (enabled && open ? `\x1b[${open}m${text}\x1b[${close}m` : text);
}

function sampleStatus(cwd: string): StatusLineInfo {
  return {
    model: "anthropic/claude-sonnet-5-5",
    sessionId: "preview",
    cwd,
    contextTokens: 23_456,
    contextWindow: 200_000,
    inputTokens: 18_200,
    outputTokens: 940,
    costUsd: 0.0421,
    busy: false,
    permissionMode: "default",
  };
}

/** A small program, split into the token kinds the highlighter colours (undefined: plain text). */
const SAMPLE: Array<Array<[SyntaxRole | undefined, string]>> = [
  [["comment", "// Count the words of a line"]],
  [
    ["keyword", "export function "],
    ["function", "words"],
    ["punctuation", "("],
    [undefined, "line"],
    ["punctuation", ": "],
    ["type", "string"],
    ["punctuation", "): "],
    ["type", "number"],
    ["punctuation", " {"],
  ],
  [
    [undefined, "  "],
    ["keyword", "const "],
    [undefined, "parts "],
    ["punctuation", "= "],
    [undefined, "line"],
    ["punctuation", "."],
    ["function", "split"],
    ["punctuation", "("],
    ["string", '" "'],
    ["punctuation", ")."],
    ["function", "filter"],
    ["punctuation", "("],
    ["constant", "Boolean"],
    ["punctuation", ");"],
  ],
  [
    [undefined, "  "],
    ["keyword", "return "],
    [undefined, "parts"],
    ["punctuation", "."],
    [undefined, "length "],
    ["punctuation", "+ "],
    ["number", "0"],
    ["punctuation", ";"],
  ],
  [["punctuation", "}"]],
];

/** The whole preview as text: roles, syntax palette, code sample, symbols, status line. */
export function previewTheme(theme: LoadedTheme, statusLine: string | undefined, paint: Paint): string {
  const out: string[] = [];
  const swatch = (color: string | undefined) => paint(colorCode(color), "██");
  const about = [theme.appearance ? `for ${theme.appearance} backgrounds` : "for any background", theme.plugin];
  out.push(`${paint("1", theme.id, "22")}${theme.description ? ` — ${theme.description}` : ""}`);
  out.push(paint("2", `  ${about.join(", ")}`, "22"), "");

  out.push(paint("1", "Colours", "22"));
  for (const role of [...THEME_COLOR_ROLES, ...THEME_OPTIONAL_COLOR_ROLES]) {
    const color = theme.colors[role];
    const name = role.padEnd(12);
    if (!color) {
      out.push(`  ${name}${"".padEnd(16)}${paint("2", "(not set: falls back)", "22")}`);
    } else if (role === "selection") {
      out.push(
        `  ${name}${swatch(color)} ${color.padEnd(13)}${paint(colorCode(color, "bg"), " selected text ", "49")}`,
      );
    } else {
      out.push(`  ${name}${swatch(color)} ${color.padEnd(13)}${paint(colorCode(color), sampleText(role))}`);
    }
  }
  out.push("");

  out.push(paint("1", "Syntax", "22"));
  for (const role of SYNTAX_ROLES) {
    const color = theme.syntax?.[role];
    out.push(`  ${role.padEnd(12)}${color ? `${swatch(color)} ${color}` : paint("2", "(not set: plain text)", "22")}`);
  }
  out.push("");
  const plain = colorCode(theme.colors.text);
  for (const line of SAMPLE) {
    out.push(`  ${line.map(([role, text]) => paint(colorCode(role && theme.syntax?.[role]) ?? plain, text)).join("")}`);
  }
  out.push("");

  out.push(paint("1", "Symbols", "22"));
  out.push(
    `  ${THEME_SYMBOLS.map((name) => `${name} ${theme.symbols?.[name] ?? paint("2", "(default)", "22")}`).join("   ")}`,
  );
  out.push("");

  out.push(paint("1", "Status line", "22"));
  if (!theme.formatStatusLine)
    out.push(paint("2", "  (the theme has no status line code: Pincer draws its own)", "22"));
  else if (statusLine === undefined) {
    out.push(paint("2", "  (the theme's status line code failed: Pincer draws its own)", "22"));
  } else out.push(`  ${paint(colorCode(theme.colors.muted), statusLine)}`);
  return `${out.join("\n")}\n`;
}

function sampleText(role: string): string {
  const samples: Record<string, string> = {
    accent: "pincer ▸ reading src/index.ts",
    success: "tests passed",
    warning: "3 files changed outside the session",
    error: "command failed with exit code 1",
    muted: "12.3k tokens · $0.04",
    text: "The assistant's answer",
    user: "Your message",
    border: "──────────────",
    heading: "## Heading",
    code: "inline `code`",
    link: "https://example.com",
    diffAdded: "+ an added line",
    diffRemoved: "- a removed line",
  };
  return samples[role] ?? role;
}
