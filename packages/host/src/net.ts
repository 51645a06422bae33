/**
 * A net grant read as host and port: `api.example.com` (the scheme's default port: 443 for
 * https, 80 for http), `api.example.com:8443` (that port), `api.example.com:*` (every port),
 * `*.hf.co` (any host under hf.co), `[::1]:8080`, `*` (any public host). Undefined when it is none
 * of these: it grants nothing.
 */
export function parseNetGrant(grant: string): { host: string; port: string | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}|\*))?$/.exec(grant.toLowerCase());
  if (!match) return undefined;
  return { host: match[1]!, port: match[2] };
}

/**
 * Whether a URL is inside the net grants: http or https, a granted host, and a granted port. A
 * grant without a port allows only the scheme's default port, so `api.example.com` reaches
 * https://api.example.com but not https://api.example.com:8443 (a debug server, another service
 * on the same machine); that takes `api.example.com:8443` or `api.example.com:*`.
 */
export function hostAllowed(url: URL, grants: readonly string[]): boolean {
  return netAccess(url, grants) === "named";
}

/**
 * How the grants let a URL be reached: `named` when a grant names its host (`api.example.com`,
 * `*.hf.co`, `localhost:3000`), `public` when only the wildcard `*` covers it (any host, but only at
 * a public address: the request path checks the address it connects to, see net-public.ts), or
 * undefined when nothing does. Ports are read as for named hosts: `*` is the default ports only,
 * `*:*` every port.
 */
export function netAccess(url: URL, grants: readonly string[]): "named" | "public" | undefined {
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  // `http://granted@evil` parses with hostname "evil": we only ever look at the parsed hostname.
  const host = url.hostname.toLowerCase();
  // URL leaves the port empty when it is the scheme's default (https://x:443 has port "").
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  let access: "public" | undefined;
  for (const grant of grants) {
    const parsed = parseNetGrant(grant);
    if (!parsed) continue;
    if (parsed.port === undefined ? url.port !== "" : parsed.port !== "*" && parsed.port !== port) continue;
    if (parsed.host === "*") access = "public";
    else if (parsed.host.startsWith("*.")) {
      if (host.endsWith(parsed.host.slice(1)) && host.length > parsed.host.length - 1) return "named";
    } else if (host === parsed.host) return "named";
  }
  return access;
}

/** Why a URL was refused, in words that name what was granted and how ports are read. */
export function netRefusal(url: URL, grants: readonly string[]): string {
  const granted = grants.join(", ") || "no hosts";
  const portless =
    url.port !== "" &&
    grants.some((grant) => {
      const parsed = parseNetGrant(grant);
      return parsed?.port === undefined && parsed?.host === url.hostname.toLowerCase();
    });
  const hint = portless
    ? ` A host granted without a port is reachable only on its scheme's default port (443 for https, 80 for http); the plugin must declare ${url.hostname}:${url.port} or ${url.hostname}:* for this one.`
    : "";
  return `network access to ${url.host} refused: the plugin was granted only ${granted}.${hint}`;
}

/**
 * `fetch` through named net grants, checking every redirect hop. The wildcard `*` grants nothing
 * here: only the sandbox's request path (net-request.ts) can check the address it connects to.
 */
export function createNetFetch(grants: readonly string[], baseFetch: typeof fetch = fetch): typeof fetch {
  const refuse = (url: URL) => new Error(netRefusal(url, grants));
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // Checked before anything else parses it: the refusal names the host that was asked for.
    const asked = new URL(input instanceof Request ? input.url : String(input));
    if (!hostAllowed(asked, grants)) throw refuse(asked);
    let request = new Request(input, init);
    for (let hop = 0; hop <= 10; hop++) {
      const url = new URL(request.url);
      if (!hostAllowed(url, grants)) throw refuse(url);
      const response = await baseFetch(request, { redirect: "manual" });
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel();
      const next = new URL(location, url);
      // 303 (and 301/302 for POST, as browsers do) turn into a GET without a body.
      const keepsBody = response.status === 307 || response.status === 308;
      request = new Request(next, {
        method: keepsBody ? request.method : "GET",
        headers: request.headers,
        signal: request.signal,
        ...(keepsBody && request.body ? { body: await request.clone().arrayBuffer() } : {}),
      });
    }
    throw new Error("network request refused: more than 10 redirects.");
  };
  return guarded as typeof fetch;
}
