import { manifestShapeProblem } from "@pincer/host";

/**
 * A marketplace.json as Claude Code's plugin-marketplaces reference describes it: its name, owner
 * and plugin entries, each with its source and any plugin.json fields it gives itself.
 */

export interface MarketplaceEntry {
  name: string;
  source: unknown;
  description?: string;
  version?: string;
  /** Claude Code's `strict` (default true): false, the entry alone defines the plugin's components. */
  strict?: boolean;
  /** Component fields the entry gives (commands, agents, skills, hooks, mcpServers, …), as plugin.json would. */
  components?: Record<string, unknown>;
}

/** The plugin.json fields a marketplace entry may give for its plugin. */
export const ENTRY_COMPONENT_FIELDS = [
  "commands",
  "agents",
  "skills",
  "hooks",
  "mcpServers",
  "outputStyles",
  "lspServers",
];

/** Checks a marketplace.json's shape; `where` names the file or URL in every error. */
export function parseMarketplace(
  json: unknown,
  where: string,
): { name: string; owner?: string; plugins: MarketplaceEntry[]; pluginRoot?: string } {
  const fail = (why: string): never => {
    throw new Error(`${where}: ${why}`);
  };
  if (!json || typeof json !== "object" || Array.isArray(json)) fail("expected a JSON object");
  // A catalogue may list many plugins, but none nested deep: what stores it recurses.
  const shape = manifestShapeProblem(json, { maxDepth: 16, maxValues: 500_000 });
  if (shape) fail(shape);
  const data = json as Record<string, unknown>;
  if (typeof data.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(data.name)) {
    fail(`"name" must be letters, digits, -, _ or . (e.g. "team-tools"), got ${JSON.stringify(data.name ?? null)}`);
  }
  if (!Array.isArray(data.plugins)) fail('"plugins" must be a list of { "name", "source", … }');
  const plugins = (data.plugins as unknown[]).map((entry, index) => {
    const item = (entry ?? {}) as Record<string, unknown>;
    if (typeof item.name !== "string" || !item.name) fail(`plugins[${index}] has no "name"`);
    if (item.source === undefined) fail(`plugins[${index}] (${item.name}) has no "source"`);
    const components = Object.fromEntries(
      ENTRY_COMPONENT_FIELDS.filter((field) => item[field] !== undefined).map((field) => [field, item[field]]),
    );
    return {
      name: item.name as string,
      source: item.source,
      ...(typeof item.description === "string" ? { description: item.description } : {}),
      ...(typeof item.version === "string" ? { version: item.version } : {}),
      ...(item.strict === false ? { strict: false } : {}),
      ...(Object.keys(components).length > 0 ? { components } : {}),
    };
  });
  const owner = data.owner as { name?: unknown } | undefined;
  const pluginRoot = (data.metadata as { pluginRoot?: unknown } | undefined)?.pluginRoot;
  return {
    name: data.name as string,
    ...(typeof owner?.name === "string" ? { owner: owner.name } : {}),
    plugins,
    ...(typeof pluginRoot === "string" ? { pluginRoot } : {}),
  };
}
