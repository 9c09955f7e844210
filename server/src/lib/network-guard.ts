import dns from 'node:dns';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

/**
 * Refuses URLs FlowPilot must not call on a user's say-so (against SSRF):
 * anything but http(s), credentials in the URL, and hosts that resolve to
 * loopback, private, link-local or other non-public addresses, unless the
 * operator allowed private targets (a PSA on the office network). Plain http
 * is only accepted together with private targets.
 */
export async function assertAllowedTarget(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivate)) throw new TargetRefused('must start with https://');
  if (url.username || url.password) throw new TargetRefused('must not contain a user name or password');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new TargetRefused(`names a host that does not resolve (${host})`);
    }
  }
  for (const address of addresses) assertPublicAddress(address);
  return url;
}

/** Throws `TargetRefused` for an address that is not public unicast. */
function assertPublicAddress(address: string): void {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    // e.g. a scoped IPv6 address (fe80::1%eth0): link-local, never a public service.
    throw new TargetRefused(`resolves to an address FlowPilot cannot check (${address})`);
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.range() !== 'unicast') {
    throw new TargetRefused(`resolves to a ${parsed.range()} address (${address}); set ALLOW_PRIVATE_NETWORK_TARGETS=true to allow private networks`);
  }
}

/**
 * The name lookup of outgoing connections when private targets are not
 * allowed: the addresses a connection is about to use are checked again, so
 * a name that resolved to a public address for `assertAllowedTarget` cannot
 * switch to a private one for the connection itself (DNS rebinding).
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    try {
      for (const a of addresses) assertPublicAddress(a.address);
    } catch (refused) {
      return callback(refused as NodeJS.ErrnoException, '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    return callback(null, first.address, first.family);
  });
};

/** Connections whose addresses are checked as they are made (see `publicOnlyLookup`). */
export const publicOnlyAgent = new Agent({ connect: { lookup: publicOnlyLookup } });
