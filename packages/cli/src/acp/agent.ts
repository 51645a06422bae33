import { type AgentApp, agent, type McpServer, PROTOCOL_VERSION, RequestError } from "@agentclientprotocol/sdk";
import { SessionStore, type ThinkingLevel } from "@pincer/kernel";
import { sessionsDir } from "@pincer/runtime";
import { VERSION } from "../version.js";
import { editorServers } from "./mcp-servers.js";
import { AcpSession } from "./session.js";

export interface PincerAgentOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  /** `--model`; otherwise project settings, config, PINCER_MODEL, the session's own, the keyed provider's default. */
  model?: string;
  /** `--thinking`; otherwise the loaded session's level, settings, off. */
  thinking?: ThinkingLevel;
  /** Diagnostics; stdout belongs to the protocol, so this is stderr in the CLI. */
  log: (line: string) => void;
}

/** Sessions listed per `session/list` page; the editor asks for the next with `nextCursor`. */
const PAGE = 100;

/**
 * Pincer as an ACP agent: the handlers an editor calls, each session a kernel of its own. The
 * SDK validates params against the ACP schema, answers unknown methods with "method not found"
 * and refuses everything before `initialize`; what is left here is the mapping to Pincer.
 */
export function createPincerAgent(options: PincerAgentOptions): { app: AgentApp; close(): Promise<void> } {
  const sessions = new Map<string, AcpSession>();
  const find = (sessionId: string) => {
    const session = sessions.get(sessionId);
    if (!session) throw RequestError.sessionNotFound(sessionId);
    return session;
  };
  const store = () => new SessionStore(sessionsDir(options.home));
  // What the editor said it can do at initialize: forms (MCP elicitation) go to it only then.
  let elicitation = false;
  const open = async (
    client: Parameters<typeof AcpSession.open>[0]["client"],
    cwd: string,
    mcpServers: McpServer[],
    resume?: string,
  ) => {
    if (resume) {
      let found: string;
      try {
        found = store().resolveId(resume);
      } catch (error) {
        // -32002 with the id: what ACP expects for a session that does not exist.
        throw new RequestError(-32002, (error as Error).message, { sessionId: resume });
      }
      // Updates carry the full id; a prefix would leave the editor listening for another one.
      if (found !== resume)
        throw new RequestError(-32002, `No session ${resume}; did you mean ${found}?`, { sessionId: resume });
    }
    try {
      const session = await AcpSession.open({
        cwd,
        home: options.home,
        env: options.env,
        client,
        log: options.log,
        ...(mcpServers.length > 0 ? { mcpServers: editorServers(mcpServers, options.log) } : {}),
        elicitation,
        ...(options.model ? { model: options.model } : {}),
        ...(options.thinking ? { thinking: options.thinking } : {}),
        ...(resume ? { resume } : {}),
      });
      sessions.set(session.id, session);
      // After the answer that names the session: the editor learns its slash commands.
      setImmediate(() => session.announceCommands());
      return session;
    } catch (error) {
      // Bad settings or an unknown provider: the editor shows the message, which says what to fix.
      throw new RequestError(-32603, (error as Error).message);
    }
  };

  const app = agent({ name: "pincer" })
    .onRequest("initialize", ({ params }) => {
      elicitation = Boolean(params.clientCapabilities?.elicitation?.form);
      return {
        // Only ACP v1 exists for this agent; a client asking for a later one decides whether to go on.
        protocolVersion: PROTOCOL_VERSION,
        agentInfo: { name: "pincer", title: "Pincer", version: VERSION },
        agentCapabilities: {
          loadSession: true,
          // Kernel prompts are text: attached files arrive as text, images are not accepted yet.
          promptCapabilities: { image: false, audio: false, embeddedContext: true },
          // The editor's MCP servers (session/new, session/load) start for that session: stdio, HTTP, SSE.
          mcpCapabilities: { http: true, sse: true },
          sessionCapabilities: { list: {}, close: {} },
        },
        // Providers take their keys from the environment and config (OPENAI_API_KEY…), not from the editor.
        authMethods: [],
      };
    })
    .onRequest("authenticate", () => ({}))
    .onRequest("session/new", async ({ params, client }) => {
      const session = await open(client, params.cwd, params.mcpServers);
      return { sessionId: session.id, modes: session.modes() };
    })
    .onRequest("session/load", async ({ params, client }) => {
      const session =
        sessions.get(params.sessionId) ?? (await open(client, params.cwd, params.mcpServers, params.sessionId));
      await session.replay();
      return { modes: session.modes() };
    })
    .onRequest("session/list", ({ params }) => {
      const all = store().list(params.cwd ? { cwd: params.cwd } : {});
      const start = params.cursor ? Math.max(0, Number.parseInt(params.cursor, 10) || 0) : 0;
      const page = all.slice(start, start + PAGE);
      return {
        sessions: page.map((info) => ({
          sessionId: info.id,
          cwd: info.cwd,
          title: info.title || null,
          updatedAt: info.updatedAt,
        })),
        ...(start + PAGE < all.length ? { nextCursor: String(start + PAGE) } : {}),
      };
    })
    .onRequest("session/close", async ({ params }) => {
      const session = find(params.sessionId);
      sessions.delete(params.sessionId);
      await session.close();
      return {};
    })
    .onRequest("session/set_mode", ({ params }) => {
      find(params.sessionId).setMode(params.modeId);
      return {};
    })
    .onRequest("session/prompt", ({ params, signal }) => find(params.sessionId).prompt(params.prompt, signal))
    .onNotification("session/cancel", ({ params }) => {
      // A cancel for a session that is gone has nothing left to stop.
      sessions.get(params.sessionId)?.cancel();
    });

  return {
    app,
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((session) => session.close()));
    },
  };
}
