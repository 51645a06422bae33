import { type Message, messageText, SessionStore } from "@pincer/kernel";
import { sessionsDir } from "@pincer/runtime";

export function listSessions(home: string, options: { json: boolean; cwd?: string }): void {
  const store = new SessionStore(sessionsDir(home));
  const sessions = store.list(options.cwd ? { cwd: options.cwd } : {});
  if (options.json) {
    process.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
    return;
  }
  if (sessions.length === 0) {
    // Sessions are listed by folder: say so when other folders have some.
    const elsewhere = options.cwd ? store.list({}).length : 0;
    process.stdout.write(
      elsewhere > 0
        ? `No sessions in ${options.cwd} yet; ${elsewhere} in other folders: pincer sessions list --all\n`
        : 'No sessions yet. Start one with: pincer -p "…"\n',
    );
    return;
  }
  for (const session of sessions) {
    process.stdout.write(
      `${session.id}  ${session.updatedAt.slice(0, 19).replace("T", " ")}  ${String(session.entryCount).padStart(5)} entries  ${session.title}\n`,
    );
  }
}

export function showSession(home: string, id: string, options: { json: boolean }): void {
  // Read only: another process may be writing it right now.
  const session = new SessionStore(sessionsDir(home)).read(id);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ header: session.header, entries: session.entries() }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`session ${session.id} · ${session.header.cwd} · ${session.header.createdAt}\n\n`);
  for (const entry of session.pathToLeaf()) {
    if (entry.type === "message") process.stdout.write(`${describe(entry.id, entry.message)}\n`);
    else if (entry.type === "compaction")
      process.stdout.write(`[${entry.id}] (compaction) ${entry.summary.slice(0, 200)}\n`);
    else if (entry.type === "model_change") process.stdout.write(`[${entry.id}] (model) ${entry.model}\n`);
    else if (entry.type === "thinking_change") process.stdout.write(`[${entry.id}] (thinking) ${entry.level}\n`);
    else if (entry.type === "permission_mode_change")
      process.stdout.write(`[${entry.id}] (permission mode) ${entry.mode}\n`);
  }
}

export function forkSession(home: string, id: string, entryId: string | undefined): void {
  const store = new SessionStore(sessionsDir(home));
  const source = store.read(id);
  const at = entryId ?? source.leafId;
  if (!at) throw new Error(`Session ${source.id} is empty; there is nothing to fork.`);
  const fork = store.fork(source.id, at);
  process.stdout.write(`${fork.id}\n`);
  process.stderr.write(`Forked ${source.id} at entry ${at}. Continue it with: pincer --resume ${fork.id} -p "…"\n`);
}

function describe(id: string, message: Message): string {
  if (message.role === "user") return `[${id}] user: ${messageText(message)}`;
  if (message.role === "toolResult") {
    const text = messageText(message).split("\n").slice(0, 4).join("\n    ");
    return `[${id}] ${message.toolName} ${message.isError ? "error" : "result"}:\n    ${text}`;
  }
  const parts = message.content.map((block) => {
    if (block.type === "text") return block.text;
    if (block.type === "thinking") return `(thinking) ${block.thinking.slice(0, 120)}`;
    return `→ ${block.name} ${JSON.stringify(block.arguments).slice(0, 160)}`;
  });
  return `[${id}] assistant (${message.model}): ${parts.join("\n    ")}`;
}
