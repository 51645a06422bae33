import {
  configPath,
  createRegistry,
  missingCredentials,
  projectSettingsPath,
  readSettings,
  UsageError,
  validateSettings,
  writeSettings,
} from "@pincer/runtime";

export const CONFIG_USAGE = [
  "pincer config needs an action:",
  "  pincer config path               where your settings are kept",
  "  pincer config list               your settings and this project's",
  "  pincer config get <key>          one setting, e.g. pincer config get model",
  "  pincer config set <key> <value>  change one, e.g. pincer config set model openai/gpt-5",
].join("\n");

export function configCommand(
  home: string,
  cwd: string,
  action: string | undefined,
  key?: string,
  value?: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const file = configPath(home);
  switch (action) {
    case undefined:
      throw new UsageError(CONFIG_USAGE);
    case "path":
      process.stdout.write(`${file}\n`);
      return;
    case "list":
      process.stdout.write(
        `${JSON.stringify({ user: { file, settings: readSettings(file) }, project: { file: projectSettingsPath(cwd), settings: readSettings(projectSettingsPath(cwd)) } }, null, 2)}\n`,
      );
      return;
    case "get": {
      if (!key) throw new UsageError("pincer config get needs a key, e.g. pincer config get model");
      const found = getPath(readSettings(file), key);
      process.stdout.write(found === undefined ? "" : `${typeof found === "string" ? found : JSON.stringify(found)}\n`);
      return;
    }
    case "set": {
      if (!key || value === undefined)
        throw new UsageError("pincer config set needs a key and a value, e.g. pincer config set model openai/gpt-5");
      const settings = readSettings(file) as Record<string, unknown>;
      setPath(settings, key, parseValue(value));
      if (key === "model") checkModel(value, home, cwd, env, settings.providers as Providers);
      // Validate before writing, so a bad value fails now and the file stays usable.
      writeSettings(file, validateSettings(settings, file));
      process.stdout.write(`${key} = ${value}\n`);
      return;
    }
    default:
      throw new UsageError(`Unknown config action "${action}".\n${CONFIG_USAGE}`);
  }
}

type Providers = Record<string, Record<string, unknown>> | undefined;

/**
 * A model that names no known provider would make every later run exit 2: refused here, with the
 * providers there are. A known one whose key is missing is kept, with a note saying so.
 */
function checkModel(model: string, home: string, cwd: string, env: NodeJS.ProcessEnv, providers: Providers): void {
  const registry = createRegistry({ home, cwd, env, ...(providers ? { providerConfig: providers } : {}) }, () => {});
  let known: string[];
  try {
    known = registry.providerIds();
  } finally {
    registry.dispose();
  }
  const slash = model.indexOf("/");
  const provider = slash > 0 ? model.slice(0, slash) : undefined;
  if (!provider || slash === model.length - 1 || !known.includes(provider)) {
    throw new UsageError(
      `${provider ? `Unknown provider "${provider}" in` : "Not a model:"} "${model}". A model is provider/model, e.g. openai/gpt-5, with one of these providers: ${known.join(", ")}. pincer models lists the models they know.`,
    );
  }
  const missing = missingCredentials(provider, env, providers);
  if (missing) process.stderr.write(`note: ${missing.join(" or ")} is not set; ${model} needs it to run.\n`);
}

function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function getPath(object: unknown, key: string): unknown {
  return key
    .split(".")
    .reduce<unknown>(
      (current, part) =>
        current && typeof current === "object" ? (current as Record<string, unknown>)[part] : undefined,
      object,
    );
}

function setPath(object: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  let current = object;
  for (const part of parts.slice(0, -1)) {
    if (!current[part] || typeof current[part] !== "object") current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts.at(-1)!] = value;
}
