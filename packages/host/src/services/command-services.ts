import type { ServiceInfo } from "@pincer/sdk";
import type { ServiceHost, StartedService } from "./service-host.js";

/** The most services one command may hold at once. */
const MAX_SERVICES = 8;

/**
 * One command call's `ctx.services`, host side: the plugin asks for a service by name, with
 * options it wrote (so both are checked here); only a service its grants name is started. Each
 * started service's variables are laid over the plugin's environment (`overlay`, undone when the
 * command returns: see PluginRegistry.overlayEnv) and the command's sessions get them from the
 * runtime, which made them. `close()` stops everything the command started.
 */
export class CommandServices {
  private readonly started: Array<{ service: StartedService; undo: () => void }> = [];
  private closed = false;

  constructor(
    private readonly host: ServiceHost,
    private readonly plugin: string,
    private readonly granted: readonly string[],
    private readonly overlay: (values: Record<string, string>) => () => void,
  ) {}

  async start(name: unknown, options: unknown): Promise<ServiceInfo> {
    if (this.closed) throw new Error("the command has ended; its services are stopped");
    if (typeof name !== "string" || !/^[a-z][a-z0-9-]{0,31}$/.test(name))
      throw new Error("a service is named in lowercase, like local-hub");
    if (!this.granted.includes(name)) {
      throw new Error(
        `plugin ${this.plugin} may not use the service ${name}: its manifest must list it under capabilities.services, and you must grant it (pincer plugin grant ${this.plugin} service:${name})`,
      );
    }
    if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) {
      throw new Error("service options must be an object");
    }
    if (this.started.length >= MAX_SERVICES) throw new Error(`a command may hold ${MAX_SERVICES} services at once`);
    const service = await this.host.start(name, (options ?? {}) as Record<string, unknown>, { plugin: this.plugin });
    if (this.closed) {
      await service.close();
      throw new Error("the command has ended; its services are stopped");
    }
    this.started.push({ service, undo: this.overlay(service.env) });
    return { ...service.info, env: Object.keys(service.env) };
  }

  /** Takes the variables back and stops what was started, newest first. */
  async close(): Promise<void> {
    this.closed = true;
    for (const { service, undo } of this.started.splice(0).reverse()) {
      undo();
      await service.close().catch(() => {});
    }
  }
}
