// One POST to a receiver, judged by the egress proxy's rules when it connects: the name is resolved
// once, every answer must be allowed, and the socket goes to the address judged (DNS rebinding
// cannot swap it). Redirects are never followed. Plain node, no NestJS, so tests call it directly.
import { promises as dns, LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isAllowedPort } from '../pipeline/egress/egress-proxy';
import { type JobMessage, say } from '../jobs/job-messages';
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

/** A try's outcome with, when there was no answer, the sentence a person reads (keyed: webhook.not_sent.*, webhook.no_answer.*). */
export type TriedOutcome = Extract<SendOutcome, { kind: 'answered' }> | (Extract<SendOutcome, { kind: 'refused' | 'error' }> & { says: JobMessage });

export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_READ_BYTES = 4096;

const defaultLookup: Lookup = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((e) => e.address);

/** One try, judged and sent: its verdict alone (`reason` in English, no sentence key). */
export async function sendWebhook(rawUrl: string, body: string, headers: Record<string, string>, opts: SendOptions): Promise<SendOutcome> {
  const outcome = await tryWebhook(rawUrl, body, headers, opts);
  return outcome.kind === 'answered' ? outcome : { kind: outcome.kind, reason: outcome.reason };
}

/** One try, with the keyed sentence a delivery records when no answer came (`says`). */
export async function tryWebhook(rawUrl: string, body: string, headers: Record<string, string>, opts: SendOptions): Promise<TriedOutcome> {
  const verdict = checkUrlSyntax(rawUrl);
  if (!verdict.ok) return notSent(verdict.message, say('webhook.not_sent.invalid_url', { reason: verdict.message }));
  const url = new URL(verdict.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (!isAllowedPort(port)) return notSent(`port ${port} is not allowed`, say('webhook.not_sent.port', { port }));
  const allowed = (ip: string) => opts.allowPrivate || opts.allowAddresses.includes(ip) || isPublicAddress(ip);
  let addresses = [host];
  if (net.isIP(host) === 0) {
    if (host === 'localhost' || host.endsWith('.localhost')) return notSent(`${host} is a private address`, say('webhook.not_sent.local_host', { host }));
    addresses = await (opts.lookup ?? defaultLookup)(host).catch(() => []);
    if (addresses.length === 0) return noAnswer(`the address of ${host} could not be found`, say('webhook.no_answer.dns', { host }));
  }
  // One refused answer is enough: a retry could be handed any of them.
  const refused = addresses.find((a) => !allowed(a));
  if (refused !== undefined) {
    return notSent(`${host} (${refused}) is not a public address`, say('webhook.not_sent.private_address', { host, address: refused }));
  }
  return post(url, addresses[0], body, headers, opts.timeoutMs);
}

const notSent = (reason: string, says: JobMessage): TriedOutcome => ({ kind: 'refused', reason, says });
const noAnswer = (reason: string, says: JobMessage): TriedOutcome => ({ kind: 'error', reason, says });

// What a connection error's code means for people; its own message (connect ECONNREFUSED …) is quoted.
const CONNECTION_ERRORS: Record<string, 'webhook.no_answer.refused' | 'webhook.no_answer.closed' | 'webhook.no_answer.no_route' | 'webhook.no_answer.certificate'> = {
  ECONNREFUSED: 'webhook.no_answer.refused',
  ECONNRESET: 'webhook.no_answer.closed',
  EPIPE: 'webhook.no_answer.closed',
  EHOSTUNREACH: 'webhook.no_answer.no_route',
  ENETUNREACH: 'webhook.no_answer.no_route',
  EHOSTDOWN: 'webhook.no_answer.no_route',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'webhook.no_answer.certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'webhook.no_answer.certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'webhook.no_answer.certificate',
  CERT_HAS_EXPIRED: 'webhook.no_answer.certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'webhook.no_answer.certificate',
};

function connectionFailed(err: NodeJS.ErrnoException): TriedOutcome {
  const key = CONNECTION_ERRORS[err.code ?? ''] ?? 'webhook.no_answer.other';
  return noAnswer(err.message, say(key, { reason: err.message }));
}

function post(url: URL, address: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<TriedOutcome> {
  const family = net.isIP(address);
  // Connect to the address judged above, whatever a second lookup would say.
  const lookup = (_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void): void => {
    if (options?.all) cb(null, [{ address, family } satisfies LookupAddress]);
    else cb(null, address, family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: TriedOutcome): void => {
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
    const seconds = timeoutMs / 1000;
    const timer = setTimeout(() => done(noAnswer(`no answer within ${seconds} s`, say('webhook.no_answer.timeout', { seconds }))), timeoutMs);
    req.on('error', (err) => done(connectionFailed(err)));
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
