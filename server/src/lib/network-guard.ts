import dns from 'node:dns';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

/** `localhost` and names under it are this machine (RFC 6761): known without asking DNS. */
export const isLocalhostName = (host: string) => /(^|\.)localhost\.?$/i.test(host);

/** The host of a URL without IPv6 brackets. */
const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Whether the URL names a host on this machine or a private network by its
 * form alone (a literal loopback, private or link-local address, or
 * `localhost`): a stand-in or relay the operator runs, never a vendor's cloud.
 */
export function namesPrivateHost(url: URL): boolean {
  const host = bareHost(url);
  if (isLocalhostName(host)) return true;
  if (!ipaddr.isValid(host)) return false;
  try {
    assertPublicAddress(host);
    return false;
  } catch {
    return true;
  }
}

/**
 * The checks of `assertAllowedTarget` that need no name lookup, for saving
 * an address (a name that does not resolve yet may still be saved; sending
 * checks it again in full): an http(s) URL without credentials, plain http
 * only together with private targets, and, unless private targets are
 * allowed, no literal non-public address and no `localhost`.
 */
export function checkTargetForm(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivate)) throw new TargetRefused('must start with https://');
  if (url.username || url.password) throw new TargetRefused('must not contain a user name or password');
  if (allowPrivate) return url;
  const host = bareHost(url);
  if (isLocalhostName(host)) throw new TargetRefused(`names this machine (${host}); set ALLOW_PRIVATE_NETWORK_TARGETS=true to allow private networks`);
  if (ipaddr.isValid(host)) assertPublicAddress(host);
  return url;
}

/**
 * Refuses URLs FlowPilot must not call on a user's say-so (against SSRF):
 * anything but http(s), credentials in the URL, and hosts that resolve to
 * loopback, private, link-local or other non-public addresses, unless the
 * operator allowed private targets (a PSA on the office network). Plain http
 * is only accepted together with private targets.
 */
export async function assertAllowedTarget(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = checkTargetForm(raw, allowPrivate);
  if (allowPrivate) return url;
  const host = bareHost(url);
  if (ipaddr.isValid(host)) return url;
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw new TargetRefused(`names a host that does not resolve (${host})`);
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
