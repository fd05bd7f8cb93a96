// A local HTTP proxy that holds every connection yt-dlp (and the ffmpeg it starts) makes to the URL policy:
// redirects and a second DNS answer (rebinding) are judged at connect time, and the socket goes to the judged IP.
// Plain node, no NestJS, so jest can import it.
import { promises as dns } from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { isPublicAddress } from '../../jobs/url-policy';

type Lookup = (host: string) => Promise<string[]>;

export interface EgressProxyOptions {
  allowPrivate: boolean;
  lookup?: Lookup;
  /** Exact addresses allowed even though not public (tests allow 127.0.0.1 but not 127.0.0.2). */
  allowAddresses?: string[];
}

export type EgressRefusal = { host: string; address: string | null; reason: string; kind: 'private' | 'port' | 'protocol' };

const MAX_BLOCKED = 100;
const CONNECT_TIMEOUT_MS = 20_000;
// Headers about one hop (RFC 9110 §7.6.1) and the proxy's own credentials: never forwarded.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

const defaultLookup: Lookup = async (host) =>
  (await dns.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

// 80 and 443 for the web, unprivileged ports for media servers; never SMTP, SSH and the like.
export const isAllowedPort = (port: number): boolean => port === 80 || port === 443 || (port >= 1024 && port <= 65535);

/**
 * Environment for yt-dlp and any ffmpeg it starts; empty no_proxy so an inherited one cannot
 * bypass the proxy. ftp too: yt-dlp's urllib follows a redirect to ftp:// by itself, and only
 * the environment (not --proxy, which covers http and https alone) sends that to the proxy.
 */
export function ytdlpProxyEnv(proxyUrl: string): Record<string, string> {
  const env: Record<string, string> = { no_proxy: '', NO_PROXY: '' };
  for (const scheme of ['http', 'https', 'ftp', 'all']) env[`${scheme}_proxy`] = env[`${scheme.toUpperCase()}_PROXY`] = proxyUrl;
  return env;
}

class EgressError extends Error {
  constructor(readonly status: 400 | 403 | 502, message: string) {
    super(message);
  }
}

// WHATWG URL lowercases names and reads every IPv4 spelling (0x7f000001, 2130706433) as dotted decimal.
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function parseConnectTarget(authority: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:/?#@[\]\s]+):(\d{1,5})$/.exec(authority);
  if (!match) throw new EgressError(400, 'vidpipe\'s proxy expects "CONNECT host:port".');
  try {
    return { host: hostOf(new URL(`http://${match[1]}/`)), port: Number(match[2]) };
  } catch {
    throw new EgressError(400, `vidpipe's proxy cannot read the host in "${authority}".`);
  }
}

// Drops hop-by-hop headers, those the Connection header names, and (when given) Host so it can be set once.
function forwardableHeaders(raw: string[], dropHost: boolean): string[] {
  const drop = new Set(HOP_BY_HOP);
  if (dropHost) drop.add('host');
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'connection') raw[i + 1].split(',').forEach((t) => drop.add(t.trim().toLowerCase()));
  }
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!drop.has(raw[i].toLowerCase())) kept.push(raw[i], raw[i + 1]);
  return kept;
}

function answerText(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function answerRaw(socket: Duplex, status: number, body: string): void {
  const head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/plain; charset=utf-8\r\n`;
  socket.end(`${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export class EgressProxy {
  /** The last refusals, newest last, for logs and tests. */
  readonly blocked: EgressRefusal[] = [];
  private readonly server = http.createServer();
  private readonly sockets = new Set<Duplex>();

  private constructor(private readonly opts: EgressProxyOptions) {
    this.server.on('connection', (socket: net.Socket) => this.track(socket));
    this.server.on('request', (req, res) => void this.onRequest(req, res).catch(() => res.destroy()));
    this.server.on('connect', (req, socket, head) => void this.onConnect(req, socket, head).catch(() => socket.destroy()));
  }

  static async start(opts: EgressProxyOptions): Promise<EgressProxy> {
    const proxy = new EgressProxy(opts);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Duplex): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // Errors end in 'close' (and pipes tear down there); an unhandled 'error' would crash the worker.
    socket.on('error', () => socket.destroy());
  }

  private isAllowed(address: string): boolean {
    return this.opts.allowPrivate || (this.opts.allowAddresses ?? []).includes(address) || isPublicAddress(address);
  }

  private refuse(host: string, address: string | null, reason: string, kind: EgressRefusal['kind'] = 'private'): EgressError {
    this.blocked.push({ host, address, reason, kind });
    if (this.blocked.length > MAX_BLOCKED) this.blocked.shift();
    const target = address === null || address === host ? host : `${host} (${address})`;
    return new EgressError(403, `vidpipe refused to connect to ${target}: ${reason}`);
  }

  /** Resolves once, judges every answer, and connects to a judged address: a second DNS answer never counts. */
  private async connectChecked(host: string, port: number): Promise<net.Socket> {
    if (!isAllowedPort(port)) throw this.refuse(host, null, `port ${port} is not allowed`, 'port');
    let addresses: string[] = [host];
    if (net.isIP(host) === 0) {
      addresses = await (this.opts.lookup ?? defaultLookup)(host).catch(() => []);
      if (addresses.length === 0) throw new EgressError(502, `vidpipe could not find the address of ${host}.`);
    }
    // One refused answer is enough: a client retrying could be handed any of them.
    const refused = addresses.find((address) => !this.isAllowed(address));
    if (refused !== undefined) throw this.refuse(host, refused, 'not a public address');
    let lastError = 'no address';
    for (const address of addresses) {
      try {
        return await this.openSocket(address, port);
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    throw new EgressError(502, `vidpipe could not reach ${host}:${port}: ${lastError}`);
  }

  private openSocket(address: string, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address, port });
      this.track(socket);
      socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connection timed out')));
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.off('error', reject);
        resolve(socket);
      });
    });
  }

  // CONNECT host:port — the HTTPS tunnel; after the check the bytes are not looked at.
  private async onConnect(req: http.IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    let upstream: net.Socket;
    try {
      const { host, port } = parseConnectTarget(req.url ?? '');
      upstream = await this.connectChecked(host, port);
    } catch (err) {
      if (!(err instanceof EgressError)) throw err;
      return answerRaw(client, err.status, err.message);
    }
    if (client.destroyed) return void upstream.destroy();
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream).pipe(client);
    const teardown = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', teardown);
    upstream.once('close', teardown);
  }

  // GET http://host/path — plain HTTP through a proxy; streamed both ways, nothing buffered.
  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let target: URL;
    let upstream: net.Socket;
    try {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(req.url ?? '')?.[1]?.toLowerCase();
      // ftp:// and the like, sent here through ftp_proxy: only the web is downloaded from.
      if (scheme && scheme !== 'http') throw this.refuse(new URL(req.url ?? '').hostname, null, `${scheme}:// is not allowed`, 'protocol');
      if (!scheme) throw new EgressError(400, 'vidpipe\'s proxy only forwards absolute http:// URLs.');
      target = new URL(req.url ?? '');
      upstream = await this.connectChecked(hostOf(target), Number(target.port || 80));
    } catch (err) {
      if (err instanceof EgressError) return answerText(res, err.status, err.message);
      return answerText(res, 400, 'vidpipe\'s proxy cannot read this request.');
    }
    if (req.socket.destroyed) return void upstream.destroy(); // the client left while we resolved
    const forwarded = http.request({
      method: req.method,
      path: target.pathname + target.search,
      // RFC 9112 §3.2.2: a proxy sets Host from the request target, whatever the client sent.
      headers: ['Host', target.host, ...forwardableHeaders(req.rawHeaders, true)],
      createConnection: () => upstream,
    });
    forwarded.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardableHeaders(answer.rawHeaders, false));
      answer.pipe(res);
    });
    forwarded.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      answerText(res, 502, `vidpipe could not reach ${target.host}: ${err.message}`);
    });
    // The client left (or the answer is done): the upstream connection is never reused.
    res.once('close', () => forwarded.destroy());
    req.pipe(forwarded);
  }
}
