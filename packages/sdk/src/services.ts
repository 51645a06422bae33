/**
 * Services Pincer runs for a plugin's command: what a sandboxed plugin cannot do itself (listen on
 * a port, keep a server's data). A plugin asks only for the ones its manifest declares under
 * `capabilities.services` (shown to the user at install, like every capability).
 *
 * Known services:
 * - `local-hub`: the Hugging Face Hub this command should use. The one the user's environment names
 *   (`HF_TOKEN`/`HF_ENDPOINT`: state `configured`), else this machine's `pincer hub serve` (state
 *   `running`), else this PINCER_HOME's local Hub started for the command (state `started`; it stops
 *   when the command returns, its data stays). Option `{ localOnly: true }`: never a remote Hub (the
 *   user's `HF_TOKEN` is set aside; an `HF_ENDPOINT` that is not this machine's Hub is an error).
 *   Sets `HF_ENDPOINT` and `HF_TOKEN`.
 */
export interface ServiceCapability {
  /**
   * Starts the service, or finds it, and says where it is. Its variables are then what `ctx.env`
   * reads for the names in the plugin's env grant, and what the sessions the command starts
   * afterwards are given; the host in an endpoint variable joins the net grant of a plugin granted
   * that variable. What the command started stops when it returns.
   */
  start(name: string, options?: Record<string, unknown>): Promise<ServiceInfo>;
}

export interface ServiceInfo {
  name: string;
  /** Where it is: a URL. */
  url: string;
  /**
   * `started`: for this command (it stops when the command returns); `running`: it was already;
   * `configured`: the user's environment names one, and nothing was started.
   */
  state: "started" | "running" | "configured";
  /** It runs on this machine. */
  local: boolean;
  /** The variables it set for the command and its sessions, by name (read the values with ctx.env). */
  env: string[];
  /** For a started one: the command line that serves it again, at the same address, once the command has ended. */
  serveAgain?: string;
}
