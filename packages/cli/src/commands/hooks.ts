import { resolve } from "node:path";
import {
  approveHooks,
  type ClaudeHookCommand,
  hookApprovalStatus,
  loadClaudePlugins,
  readClaudeSettings,
} from "@pincer/claude-code";
import { displayExact, displayLine } from "@pincer/host";
import { pincerHome } from "@pincer/runtime";
import type { Argv } from "yargs";

/**
 * `pincer hooks list|approve`: Claude Code hooks, where they come from and whether they run. A
 * project's `.claude/settings.json` and `.claude/settings.local.json` hooks run only once approved
 * here (as `.mcp.json` servers with `pincer mcp approve`); an approval covers the file's hooks as
 * they are now, and any change to them asks again.
 */
export function hooksCommands(y: Argv, env: NodeJS.ProcessEnv): Argv {
  const home = () => pincerHome(env);
  const cwd = (args: Record<string, unknown>) => resolve(typeof args.cwd === "string" ? args.cwd : process.cwd());
  return y
    .command(
      "list",
      "List Claude Code hooks (settings files and installed plugins) and whether each runs here",
      (c) => c.option("json", { type: "boolean", default: false }),
      (args) => listHooks(home(), cwd(args), env, args.json),
    )
    .command(
      "approve",
      "Approve the hooks of this project's .claude/settings.json and .claude/settings.local.json, as they are now",
      () => {},
      (args) => approveProjectHooks(home(), cwd(args), env),
    )
    .demandCommand(1, "Name a hooks command: list or approve.");
}

interface ListedHook {
  source: string;
  status: "runs" | "not approved" | "changed since approved" | "off (disableAllHooks)";
  event: string;
  matcher?: string;
  if?: string;
  command: string;
}

function listHooks(home: string, cwd: string, env: NodeJS.ProcessEnv, json: boolean): void {
  const warnings: string[] = [];
  const listed: ListedHook[] = [];
  const files = readClaudeSettings(cwd, env, warnings);
  // disableAllHooks in any of them turns every Claude Code hook off, plugins' included.
  const off = files.some((file) => file.disableAllHooks);
  const add = (source: string, status: ListedHook["status"], hooks: readonly ClaudeHookCommand[]) => {
    for (const hook of hooks) {
      listed.push({
        source,
        status: off ? "off (disableAllHooks)" : status,
        event: hook.event,
        ...(hook.matcher ? { matcher: hook.matcher } : {}),
        ...(hook.if ? { if: hook.if } : {}),
        command: [hook.command, ...(hook.args ?? [])].join(" "),
      });
    }
  };
  for (const file of files) {
    if (file.scope === "user" || !file.hooks.length) {
      add(file.file, "runs", file.hooks);
      continue;
    }
    const status = hookApprovalStatus(home, cwd, file.file, file.hooksFingerprint!);
    add(
      file.file,
      status === "approved" ? "runs" : status === "changed" ? "changed since approved" : "not approved",
      file.hooks,
    );
  }
  for (const plugin of loadClaudePlugins(home, warnings)) add(`plugin ${plugin.name}`, "runs", plugin.hooks);
  if (json) {
    process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return;
  }
  for (const warning of warnings) process.stderr.write(`! ${displayLine(warning, 600)}\n`);
  if (!listed.length) {
    process.stdout.write("No Claude Code hooks here.\n");
    return;
  }
  for (const hook of listed) {
    const on = [hook.matcher ? `on ${hook.matcher}` : "", hook.if ? `if ${hook.if}` : ""].filter(Boolean).join(" ");
    process.stdout.write(
      `${displayLine(hook.source, 400)}  ${hook.event}${on ? ` ${displayLine(on, 200)}` : ""}  [${hook.status}]\n    ${displayExact(hook.command)}\n`,
    );
  }
}

function approveProjectHooks(home: string, cwd: string, env: NodeJS.ProcessEnv): void {
  const warnings: string[] = [];
  const files = readClaudeSettings(cwd, env, warnings).filter((file) => file.scope !== "user" && file.hooks.length);
  for (const warning of warnings) process.stderr.write(`! ${displayLine(warning, 600)}\n`);
  if (!files.length) {
    process.stdout.write("This project's Claude Code settings have no hooks to approve.\n");
    return;
  }
  for (const file of files) {
    // What is approved is shown whole first: every command exactly, control characters visible.
    process.stdout.write(
      `${displayLine(file.file, 400)}: these commands will run as your processes (in the OS sandbox where there is one):\n`,
    );
    for (const hook of file.hooks) {
      const on = [
        hook.matcher ? ` on ${displayLine(hook.matcher, 200)}` : "",
        hook.if ? ` if ${displayLine(hook.if, 200)}` : "",
      ].join("");
      process.stdout.write(`  ${hook.event}${on}: ${displayExact([hook.command, ...(hook.args ?? [])].join(" "))}\n`);
    }
    approveHooks(home, cwd, file.file, file.hooksFingerprint!);
    process.stdout.write(`Approved ${file.hooks.length} hook(s) of ${displayLine(file.file, 400)}.\n`);
  }
}
