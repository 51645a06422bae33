import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type LoadedPlugin, loadPlugin } from "@pincer/testing";

export interface HubProxy {
  url: string;
  cdnPort: number;
  close(): void;
}

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

/**
 * A Hub in front of a local one that behaves like the real Hub's other hosts: LFS download links
 * point at a separate "CDN" host (localhost, not 127.0.0.1) whose answers `serveObject` writes for
 * `/lfs/<oid>`, and a test may rewrite the tree the Hub lists (`tamperTree`) to serve what no honest
 * Hub would.
 */
export async function startHubProxy(options: {
  hubUrl: string;
  serveObject: (oid: string | undefined, req: IncomingMessage, res: ServerResponse) => void;
  tamperTree?: () => ((entries: unknown[]) => unknown[]) | undefined;
}): Promise<HubProxy> {
  const cdn = createServer((req, res) => {
    options.serveObject(/^\/lfs\/([0-9a-f]{64})$/.exec(req.url ?? "")?.[1], req, res);
  });
  const cdnPort = await listen(cdn);
  const proxy = createServer((req, res) => {
    (async () => {
      const payload = req.method === "GET" || req.method === "HEAD" ? undefined : await body(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name)),
      ) as Record<string, string>;
      const upstream = await fetch(`${options.hubUrl}${req.url}`, {
        method: req.method,
        headers,
        ...(payload ? { body: payload } : {}),
        redirect: "manual",
      });
      let out = Buffer.from(await upstream.arrayBuffer());
      const tamper = options.tamperTree?.();
      if (/\/tree\//.test(req.url ?? "") && upstream.ok && tamper) {
        out = Buffer.from(JSON.stringify(tamper(JSON.parse(out.toString()))));
      }
      if (/\/info\/lfs\/objects\/batch$/.test(req.url ?? "")) {
        const answer = JSON.parse(out.toString()) as {
          objects: { oid: string; actions?: { download?: { href: string } } }[];
        };
        for (const object of answer.objects) {
          if (object.actions?.download) object.actions.download.href = `http://localhost:${cdnPort}/lfs/${object.oid}`;
        }
        out = Buffer.from(JSON.stringify(answer));
      }
      const type = upstream.headers.get("content-type");
      res.writeHead(upstream.status, type ? { "Content-Type": type } : {}).end(out);
    })().catch(() => res.writeHead(502).end());
  });
  const url = `http://127.0.0.1:${await listen(proxy)}`;
  return {
    url,
    cdnPort,
    close: () => {
      proxy.close();
      cdn.close();
    },
  };
}

/** The plugin loaded against the proxy, granted the "CDN" host besides its own. */
export function loadViaProxy(plugin: LoadedPlugin, proxy: HubProxy, cwd: string, token: string): Promise<LoadedPlugin> {
  const manifest = plugin.manifest.capabilities ?? {};
  return loadPlugin(new URL("..", import.meta.url), {
    cwd,
    env: { HF_ENDPOINT: proxy.url, HF_TOKEN: token },
    grants: { ...manifest, net: [...(manifest.net ?? []), `localhost:${proxy.cdnPort}`] },
  });
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
