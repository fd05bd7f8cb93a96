// Which links the server agrees to download: a strict http(s) syntax check, then a refusal of
// any host that is (or resolves to) a loopback, private, link-local or otherwise non-public address.
// Pure apart from the DNS lookup, which callers may inject; never imports NestJS (jest runs it as CJS).
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export const MAX_URL_LENGTH = 2048;

export type UrlVerdict =
  | { ok: true; url: string }
  | { ok: false; code: 'invalid_url' | 'private_address'; message: string };

type Lookup = (host: string) => Promise<string[]>;

const invalid = (message: string): UrlVerdict => ({ ok: false, code: 'invalid_url', message });

// Whitespace and C0/C1 controls: WHATWG URL would silently drop or encode them, hiding what was pasted.
const UNSAFE_CHARS = /[\s\u0000-\u001f\u007f-\u009f]/;

export function checkUrlSyntax(input: unknown): UrlVerdict {
  if (typeof input !== 'string') return invalid('The link must be text.');
  const text = input.trim();
  if (text === '') return invalid('Paste the link of a video page.');
  if (text.length > MAX_URL_LENGTH) return invalid(`The link is longer than ${MAX_URL_LENGTH} characters.`);
  // A leading '-' could be read by yt-dlp or ffmpeg as an option rather than a link.
  if (text.startsWith('-')) return invalid('A link cannot start with "-".');
  if (UNSAFE_CHARS.test(text)) return invalid('The link contains spaces or control characters.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid('This is not a valid link.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return invalid('Only http and https links can be downloaded.');
  }
  if (url.hostname === '') return invalid('The link has no host name.');
  if (url.username !== '' || url.password !== '') {
    return invalid('Links with a user name or password in them are not accepted.');
  }
  // Percent-encoding can make the normalized link longer than what was pasted.
  if (url.href.length > MAX_URL_LENGTH) return invalid(`The link is longer than ${MAX_URL_LENGTH} characters.`);
  return { ok: true, url: url.href };
}

const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
// ipaddr.js parses the deprecated IPv4-compatible '::a.b.c.d' as if it were IPv4-mapped '::ffff:a.b.c.d'.
const DOTTED_V4_COMPATIBLE = /^::\d+\.\d+\.\d+\.\d+$/;

const isPublicV4 = (address: ipaddr.IPv4): boolean => address.range() === 'unicast';

const embeddedV4 = (high: number, low: number): ipaddr.IPv4 =>
  new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);

function isPublicV6(address: ipaddr.IPv6): boolean {
  const parts = address.parts;
  switch (address.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return isPublicV4(embeddedV4(parts[6], parts[7]));
    case 'rfc6052': // only the well-known NAT64 prefix reaches the embedded v4; 64:ff9b:1::/48 is local use
      return address.match(NAT64_WELL_KNOWN) && isPublicV4(embeddedV4(parts[6], parts[7]));
    case '6to4': // 2002:AABB:CCDD::/48 tunnels to a.b.c.d
      return isPublicV4(embeddedV4(parts[1], parts[2]));
    case 'unicast':
      // ipaddr.js calls every unlisted address 'unicast', including ::a.b.c.d and unallocated space.
      return address.match(GLOBAL_UNICAST_V6);
    default: // loopback, unspecified, link-local, unique-local, multicast, Teredo, documentation, …
      return false;
  }
}

/** True only for an address on the public internet; anything unparseable counts as not public. */
export function isPublicAddress(ip: string): boolean {
  // net.isIP is strict (no octal, hex or short forms); ipaddr.js alone reads '::ffff:0177.0.0.1' as 177.0.0.1.
  const family = isIP(ip);
  if (family === 4) return isPublicV4(ipaddr.IPv4.parse(ip));
  if (family === 6 && !DOTTED_V4_COMPATIBLE.test(ip)) return isPublicV6(ipaddr.IPv6.parse(ip));
  return false;
}

const defaultLookup: Lookup = async (host) =>
  (await dns.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

const refusePrivate = (host: string): UrlVerdict => ({
  ok: false,
  code: 'private_address',
  message: `The address ${host} points to a local or private network, which this server does not download from.`,
});

export async function checkUrl(
  input: unknown,
  opts: { allowPrivate: boolean; lookup?: Lookup; allowAddresses?: readonly string[] },
): Promise<UrlVerdict> {
  const verdict = checkUrlSyntax(input);
  if (!verdict.ok || opts.allowPrivate) return verdict;
  // Exact addresses an admin let through (ALLOWED_PRIVATE_ADDRESSES, e.g. a NAS on the LAN).
  const allowed = (ip: string) => isPublicAddress(ip) || (opts.allowAddresses ?? []).includes(ip);

  const hostname = new URL(verdict.url).hostname; // already lowercased; IPv4 spellings already dotted-decimal
  const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname.replace(/\.$/, '');
  if (isIP(literal) !== 0) return allowed(literal) ? verdict : refusePrivate(literal);
  // localhost is loopback by definition (RFC 6761) whatever the resolver says, so it needs no DNS.
  if (literal === 'localhost' || literal.endsWith('.localhost')) return refusePrivate(hostname);

  let addresses: string[];
  try {
    // Resolve the name as written (trailing dot included), exactly as the downloader will.
    addresses = await (opts.lookup ?? defaultLookup)(hostname);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) return invalid(`The address ${hostname} could not be found.`);
  // One private answer is enough: the downloader may connect to any of them.
  return addresses.every(allowed) ? verdict : refusePrivate(hostname);
}
