import { configPath, projectSettingsPath, readSettings, UsageError, validateSettings, writeSettings } from "../home.js";

export function configCommand(home: string, cwd: string, action: string, key?: string, value?: string): void {
  const file = configPath(home);
  switch (action) {
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
      // Validate before writing, so a bad value fails now and the file stays usable.
      writeSettings(file, validateSettings(settings, file));
      process.stdout.write(`${key} = ${value}\n`);
      return;
    }
    default:
      throw new UsageError(`Unknown config action "${action}". Use path, list, get or set.`);
  }
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
