// One POST to a receiver, judged by the egress proxy's rules when it connects: the name is resolved
// once, every answer must be allowed, and the socket goes to the address judged (DNS rebinding
// cannot swap it). Redirects are never followed. Plain node, no NestJS, so tests call it directly.
import { promises as dns, LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isAllowedPort } from '../pipeline/egress/egress-proxy';
import { checkUrlSyntax, isPublicAddress } from '../jobs/url-policy';
import { RESPONSE_EXCERPT_CHARS } from './webhook.types';

type Lookup = (host: string) => Promise<string[]>;

export interface SendOptions {
  allowPrivate: boolean;
  /** Exact addresses allowed even though not public (ALLOWED_PRIVATE_ADDRESSES). */
  allowAddresses: readonly string[];
  timeoutMs: number;
  lookup?: Lookup;
}

export type SendOutcome =
  | { kind: 'answered'; status: number; excerpt: string }
  /** Not sent: the URL or its address is not allowed. */
  | { kind: 'refused'; reason: string }
  /** Sent or tried, no answer: unreachable, reset, timed out. */
  | { kind: 'error'; reason: string };

export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_READ_BYTES = 4096;

const defaultLookup: Lookup = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((e) => e.address);

export async function sendWebhook(rawUrl: string, body: string, headers: Record<string, string>, opts: SendOptions): Promise<SendOutcome> {
  const verdict = checkUrlSyntax(rawUrl);
  if (!verdict.ok) return { kind: 'refused', reason: verdict.message };
  const url = new URL(verdict.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (!isAllowedPort(port)) return { kind: 'refused', reason: `port ${port} is not allowed` };
  const allowed = (ip: string) => opts.allowPrivate || opts.allowAddresses.includes(ip) || isPublicAddress(ip);
  let addresses = [host];
  if (net.isIP(host) === 0) {
    if (host === 'localhost' || host.endsWith('.localhost')) return { kind: 'refused', reason: `${host} is a private address` };
    addresses = await (opts.lookup ?? defaultLookup)(host).catch(() => []);
    if (addresses.length === 0) return { kind: 'error', reason: `the address of ${host} could not be found` };
  }
  // One refused answer is enough: a retry could be handed any of them.
  const refused = addresses.find((a) => !allowed(a));
  if (refused !== undefined) return { kind: 'refused', reason: `${host} (${refused}) is not a public address` };
  return post(url, addresses[0], body, headers, opts.timeoutMs);
}

function post(url: URL, address: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendOutcome> {
  const family = net.isIP(address);
  // Connect to the address judged above, whatever a second lookup would say.
  const lookup = (_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void): void => {
    if (options?.all) cb(null, [{ address, family } satisfies LookupAddress]);
    else cb(null, address, family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: SendOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    const req = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: 'POST',
        agent: false,
        lookup: lookup as never,
        headers: {
          ...headers,
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(body)),
          'User-Agent': 'vidpipe-webhooks/1',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => done({ kind: 'answered', status: res.statusCode ?? 0, excerpt: excerptOf(Buffer.concat(chunks)) });
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_READ_BYTES) finish(); // the rest is never read, let alone stored
        });
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    // The whole exchange, not only idle time: a receiver that trickles bytes cannot hold a worker.
    const timer = setTimeout(() => done({ kind: 'error', reason: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    req.on('error', (err) => done({ kind: 'error', reason: err.message }));
    req.end(body);
  });
}

/** The start of an answer, on one line, without control characters. */
export function excerptOf(bytes: Buffer): string {
  return bytes
    .toString('utf8')
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim()
    .slice(0, RESPONSE_EXCERPT_CHARS);
}
