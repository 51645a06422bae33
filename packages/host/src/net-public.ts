import { type LookupAddress, type LookupAllOptions, type LookupOneOptions, lookup } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * The `*` net grant ("any host") reaches the public internet only: never this machine, the local
 * network, link-local cloud metadata (169.254.169.254), carrier-grade NAT, multicast or reserved
 * space, and never an IPv6 form that embeds such an IPv4 address (mapped, NAT64, 6to4, Teredo).
 * A host named in a grant (`localhost:3000`) is reached whatever its address: the user named it.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // `process` turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) into the IPv4 address it is.
  return ipaddr.process(address).range() === "unicast";
}

/** The IP address a URL names literally (`http://[::1]:80/` → `::1`), or undefined for a host name. */
export function ipLiteral(url: URL): string | undefined {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : undefined;
}

export class PrivateAddressError extends Error {
  override name = "PrivateAddressError";
  constructor(host: string, address: string) {
    super(
      `network access to ${host} refused: ${host === address ? "it is" : `it resolves to ${address},`} a private, local or reserved address, and the plugin's "*" grant reaches public addresses only. To let it reach this host, grant the host by name: pincer plugin grant <plugin> net:${host.includes(":") ? `[${host}]` : host}:*`,
    );
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http that resolves as usual and refuses the connection when any address the
 * name resolves to is not public. It runs at connect time, for the very addresses the socket will
 * use, so a name that resolves to a public address when checked and a private one when used (DNS
 * rebinding) is refused too.
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOneOptions | LookupAllOptions,
  callback: LookupCallback,
): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused)
      return callback(Object.assign(new PrivateAddressError(hostname, refused.address), { code: "EACCES" }), []);
    if ((options as LookupAllOptions).all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}
