import { gzipSync } from "node:zlib";

export interface TarEntry {
  path: string;
  content?: string;
  /** "0" file (default), "5" directory, "2" symlink. */
  type?: "0" | "2" | "5";
  linkTarget?: string;
}

/**
 * Writes a gzipped ustar archive byte by byte, so tests can build the packages a hostile
 * author would (`../` paths, symlinks) that normal tools refuse to create.
 */
export function makeTarball(entries: TarEntry[]): Uint8Array {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.content ?? "");
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "utf8");
    const octal = (offset: number, length: number, value: number) =>
      field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
    field(0, 100, entry.path);
    octal(100, 8, entry.type === "5" ? 0o755 : 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, entry.type === "0" || !entry.type ? body.length : 0);
    octal(136, 12, 0);
    field(148, 8, "        ");
    field(156, 1, entry.type ?? "0");
    if (entry.linkTarget) field(157, 100, entry.linkTarget);
    field(257, 6, "ustar\0");
    field(263, 2, "00");
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
    blocks.push(header);
    if (!entry.type || entry.type === "0") {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A minimal valid plugin package: one tool that echoes, with the given capabilities. */
export function pluginPackage(options: {
  name?: string;
  version?: string;
  capabilities?: Record<string, unknown>;
  tools?: string[];
  /** `contributes.hooks`, as the manifest lists them. */
  hooks?: unknown[];
  extra?: TarEntry[];
  engines?: string;
}): Uint8Array {
  const name = options.name ?? "@acme/echo";
  const version = options.version ?? "1.0.0";
  const tools = options.tools ?? ["echo"];
  const manifest = {
    name,
    version,
    engines: { pincer: options.engines ?? "^0.1.0" },
    main: "dist/index.js",
    contributes: { tools, ...(options.hooks ? { hooks: options.hooks } : {}) },
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
  };
  const main = `export default { tools: ${JSON.stringify(tools)}.map((name) => ({
  name, description: "echo", parameters: { type: "object" }, kind: "read",
  async execute(args) { return { content: name + ":" + JSON.stringify(args) }; },
})) };\n`;
  return makeTarball([
    { path: "package/package.json", content: JSON.stringify({ name, version, type: "module" }) },
    { path: "package/pincer.plugin.json", content: JSON.stringify(manifest) },
    { path: "package/dist/index.js", content: main },
    ...(options.extra ?? []),
  ]);
}
