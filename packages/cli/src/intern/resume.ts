import { UsageError } from "@pincer/runtime";
import { resolveInternHub } from "./hub.js";
import { fetchSessionFromHub } from "./resume-from-hub.js";
import { type InternRunOptions, runIntern } from "./run.js";

/** What a resumed engineer is told: the conversation so far is already in its context. */
export const RESUME_PROMPT =
  "Continue the task from where this session stopped. Check what is already done (workspace files, the todo list, jobs, what is on the Hub) before redoing anything, then carry on to the end.";

/**
 * `pincer intern resume <ref>`: a local session id continues here; `owner/name[:id]` or a Hub URL
 * first brings the uploaded session onto this machine (any machine), then continues it.
 */
export async function resumeIntern(ref: string, options: Omit<InternRunOptions, "task">): Promise<number> {
  if (!ref.includes("/")) {
    return (await runIntern({ ...options, resume: ref, task: RESUME_PROMPT })).code;
  }
  const hub = await resolveInternHub(options.env, options.home, { unconfined: options.unconfined === true });
  try {
    let fetched: Awaited<ReturnType<typeof fetchSessionFromHub>>;
    try {
      fetched = await fetchSessionFromHub({
        ref,
        endpoint: hub.endpoint,
        ...(hub.token ? { token: hub.token } : {}),
        home: options.home,
        cwd: options.cwd,
      });
    } catch (error) {
      throw new UsageError(`Cannot resume ${ref}: ${(error as Error).message}`);
    }
    const out = options.out ?? process.stdout;
    out.write(`Fetched session ${fetched.sessionId} from ${hub.endpoint} (${fetched.entries} entries).\n`);
    for (const warning of fetched.warnings) out.write(`! ${warning}\n`);
    return (await runIntern({ ...options, hub, resume: fetched.sessionId, task: RESUME_PROMPT })).code;
  } finally {
    await hub.close();
  }
}
