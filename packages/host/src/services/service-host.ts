import type { ServiceInfo } from "@pincer/sdk";

/**
 * What a front end (through the runtime, which implements it) lends a plugin's command so it can
 * use services Pincer runs: things a sandboxed plugin cannot do itself, such as listening on a
 * port. The host cannot start them (they are the runtime's and the services layer's), so the
 * runtime injects this; the host checks that the plugin declared and was granted the service,
 * hands its variables to the plugin through its env grant, and stops what the command started
 * when it returns (command-services.ts).
 */
export interface ServiceHost {
  /**
   * Starts the service (or finds it) for one command of `plugin`. Rejects with a message for the
   * plugin when it cannot (an unknown service, bad options, a port taken); an Error named
   * "UsageError" reaches the plugin as a usage error (exit code 2).
   */
  start(name: string, options: Record<string, unknown>, context: { plugin: string }): Promise<StartedService>;
}

export interface StartedService {
  info: Omit<ServiceInfo, "env">;
  /** The variables it sets for the command's plugin (through its env grant) and the sessions the command starts. */
  env: Record<string, string>;
  /** Stops what was started for the command (nothing, for a service that was running already). */
  close(): Promise<void>;
}
