/**
 * The `net` capability for in-process plugins: a fetch that reaches only granted hosts and
 * checks every redirect hop again, so a granted host cannot bounce a request elsewhere.
 */
export function hostAllowed(url: URL, grants: readonly string[]): boolean {
  // `http://granted@evil` parses with hostname "evil": we only ever look at the parsed hostname.
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : url.protocol === "http:" ? "80" : "");
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  return grants.some((grant) => {
    const [pattern = "", grantPort] = grant.toLowerCase().split(":");
    if (grantPort && grantPort !== port) return false;
    if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
    return host === pattern;
  });
}

export function createNetFetch(grants: readonly string[], baseFetch: typeof fetch = fetch): typeof fetch {
  const refuse = (url: URL) =>
    new Error(`network access to ${url.host} refused: the plugin was granted only ${grants.join(", ") || "no hosts"}.`);
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
