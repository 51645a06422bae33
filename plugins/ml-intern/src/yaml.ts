/**
 * A YAML writer for model-card metadata: mappings, sequences and scalars, laid out as the Hub's
 * model card spec shows them (sequence items level with their key). Strings that YAML would read
 * as something else (numbers, booleans, null, text with `: ` or `#`) are double-quoted; a JSON
 * string is a valid YAML double-quoted scalar, so JSON.stringify does the escaping.
 */
export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue | undefined };

export function toYaml(mapping: Record<string, YamlValue | undefined>): string {
  return `${mappingLines(mapping, "").join("\n")}\n`;
}

function mappingLines(mapping: Record<string, YamlValue | undefined>, pad: string): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(mapping)) {
    if (value === undefined) continue;
    const name = `${pad}${scalar(key)}:`;
    if (Array.isArray(value)) {
      if (value.length === 0) lines.push(`${name} []`);
      else lines.push(name, ...sequenceLines(value, pad));
    } else if (typeof value === "object") {
      lines.push(name, ...mappingLines(value, `${pad}  `));
    } else {
      lines.push(`${name} ${scalar(value)}`);
    }
  }
  return lines;
}

function sequenceLines(items: YamlValue[], pad: string): string[] {
  const lines: string[] = [];
  for (const item of items) {
    if (Array.isArray(item)) throw new Error("nested lists are not used in model cards");
    if (typeof item === "object") {
      const nested = mappingLines(item, `${pad}  `);
      if (nested.length === 0) {
        lines.push(`${pad}- {}`);
        continue;
      }
      lines.push(`${pad}- ${nested[0]!.slice(pad.length + 2)}`, ...nested.slice(1));
    } else {
      lines.push(`${pad}- ${scalar(item)}`);
    }
  }
  return lines;
}

const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

function scalar(value: string | number | boolean): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} cannot go into a model card`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  const plain =
    /^[A-Za-z0-9][A-Za-z0-9 _./@+()-]*$/.test(value) &&
    !value.endsWith(" ") &&
    !RESERVED.test(value) &&
    Number.isNaN(Number(value)) &&
    !/^\d/.test(value.replace(/[_.+-]/g, ""));
  return plain ? value : JSON.stringify(value);
}
