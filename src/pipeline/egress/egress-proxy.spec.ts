// Real sockets on loopback only: an origin server, the proxy, and node's http client speaking proxy HTTP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressProxy, ytdlpProxyEnv } from './egress-proxy';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const portOf = (server: http.Server): number => (server.address() as AddressInfo).port;
const proxyPort = (proxy: EgressProxy): number => Number(new URL(proxy.url).port);

// Stands in for DNS: rebinding is a name that looks public but answers with a private address.
const fakeDns = async (host: string): Promise<string[]> => {
  const table: Record<string, string[]> = {
    'public.example': ['127.0.0.1'],
    'private.example': ['10.0.0.1'],
    'mixed.example': ['93.184.215.14', '10.0.0.1'],
  };
  if (!table[host]) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return table[host];
};

function proxyRequest(proxy: EgressProxy, target: string, opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort(proxy), method: opts.method ?? 'GET', path: target, headers: opts.headers, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.end(opts.body);
  });
}

// CONNECT, then (when allowed) a raw HTTP request inside the tunnel; returns the status and everything read after it.
function proxyConnect(proxy: EgressProxy, authority: string, inner?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort(proxy), method: 'CONNECT', path: authority, agent: false });
    req.on('error', reject);
    req.on('connect', (res, socket, head) => {
      let text = head.toString('utf8');
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve({ status: res.statusCode ?? 0, text }));
      if (res.statusCode === 200 && inner !== undefined) socket.write(inner);
    });
    req.end();
  });
}

let origin: http.Server;
let originUrl: string;

beforeAll(async () => {
  origin = http.createServer((req, res) => {
    if (req.url === '/go') return void res.writeHead(302, { location: 'http://127.0.0.2:9/elsewhere' }).end();
    if (req.url === '/teapot') return void res.writeHead(418, { 'x-origin': 'yes' }).end('short and stout');
    if (req.url === '/echo') {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      return void req.on('end', () => res.end(JSON.stringify({ method: req.method, headers: req.headers, body })));
    }
    res.end('hello from origin');
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originUrl = `http://127.0.0.1:${portOf(origin)}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => origin.close(() => resolve()));
});

describe('ytdlpProxyEnv', () => {
  it('points every proxy variable at the proxy, ftp included, and empties no_proxy', () => {
    const p = 'http://127.0.0.1:4000';
    expect(ytdlpProxyEnv(p)).toEqual({
      http_proxy: p, https_proxy: p, ftp_proxy: p, all_proxy: p, HTTP_PROXY: p, HTTPS_PROXY: p, FTP_PROXY: p, ALL_PROXY: p,
      no_proxy: '', NO_PROXY: '',
    });
  });
});

describe('EgressProxy with allowPrivate (still a working proxy)', () => {
  let proxy: EgressProxy;
  beforeAll(async () => (proxy = await EgressProxy.start({ allowPrivate: true })));
  afterAll(() => proxy.close());

  it('listens on loopback only', () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('forwards a GET and returns the origin body, status and headers', async () => {
    expect(await proxyRequest(proxy, `${originUrl}/`)).toMatchObject({ status: 200, body: 'hello from origin' });
    const teapot = await proxyRequest(proxy, `${originUrl}/teapot`);
    expect(teapot).toMatchObject({ status: 418, body: 'short and stout' });
    expect(teapot.headers['x-origin']).toBe('yes');
  });

  it('passes a redirect through untouched (the client follows it, through the proxy again)', async () => {
    const answer = await proxyRequest(proxy, `${originUrl}/go`);
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('http://127.0.0.2:9/elsewhere');
  });

  it('streams a request body, sets Host from the target and drops hop-by-hop headers', async () => {
    const answer = await proxyRequest(proxy, `${originUrl}/echo`, {
      method: 'POST', body: 'payload',
      headers: { host: 'spoofed.example', 'proxy-authorization': 'Basic c2VjcmV0', 'proxy-connection': 'keep-alive', 'x-keep': '1' },
    });
    const seen = JSON.parse(answer.body) as { method: string; headers: Record<string, string>; body: string };
    expect(seen).toMatchObject({ method: 'POST', body: 'payload' });
    expect(seen.headers.host).toBe(`127.0.0.1:${portOf(origin)}`);
    expect(seen.headers['x-keep']).toBe('1');
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers['proxy-connection']).toBeUndefined();
  });

  it('tunnels an allowed CONNECT both ways', async () => {
    const { status, text } = await proxyConnect(proxy, `127.0.0.1:${portOf(origin)}`, 'GET /teapot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(status).toBe(200);
    expect(text).toMatch(/^HTTP\/1\.1 418 /);
    expect(text).toContain('short and stout');
  });

  it('answers 400 to a request that is not a proxy request', async () => {
    expect((await proxyRequest(proxy, '/relative')).status).toBe(400);
    expect((await proxyConnect(proxy, 'no-port-here')).status).toBe(400);
  });

  it('refuses any scheme but http:// in a proxy request (ftp:// arrives here through ftp_proxy)', async () => {
    expect((await proxyRequest(proxy, 'ftp://127.0.0.1/clip.mp4')).status).toBe(403);
    expect((await proxyRequest(proxy, 'https://127.0.0.1/')).status).toBe(403); // https goes by CONNECT
    expect(proxy.blocked.at(-1)).toEqual({ host: '127.0.0.1', address: null, reason: 'https:// is not allowed', kind: 'protocol' });
  });

  it('answers 502 when the origin cannot be reached', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = portOf(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const answer = await proxyRequest(proxy, `http://127.0.0.1:${port}/`);
    expect(answer.status).toBe(502);
    expect(answer.body).toContain('ECONNREFUSED');
    expect((await proxyConnect(proxy, `127.0.0.1:${port}`)).status).toBe(502);
  });

  it('still refuses ports such as 25 and 22', async () => {
    expect(await proxyConnect(proxy, '127.0.0.1:25')).toMatchObject({ status: 403, text: expect.stringContaining('port 25 is not allowed') });
    expect((await proxyRequest(proxy, 'http://127.0.0.1:22/')).status).toBe(403);
  });
});

describe('EgressProxy without allowPrivate', () => {
  let proxy: EgressProxy;
  beforeAll(async () => (proxy = await EgressProxy.start({ allowPrivate: false, lookup: fakeDns })));
  afterAll(() => proxy.close());

  it('refuses a loopback GET with a sentence', async () => {
    const answer = await proxyRequest(proxy, `${originUrl}/`);
    expect(answer).toMatchObject({ status: 403, body: 'vidpipe refused to connect to 127.0.0.1: not a public address' });
  });

  it.each(['0x7f000001', '2130706433', '[::ffff:127.0.0.1]', '[::1]', '127.1'])('refuses the spelling %s', async (host) => {
    expect((await proxyRequest(proxy, `http://${host}:${portOf(origin)}/`)).status).toBe(403);
  });

  it.each([
    ['127.0.0.1:8080', '127.0.0.1'],
    ['169.254.169.254:80', '169.254.169.254'],
    ['[fd00::1]:443', 'fd00::1'],
    ['private.example:443', 'private.example (10.0.0.1)'],
  ])('refuses CONNECT %s', async (authority, named) => {
    const { status, text } = await proxyConnect(proxy, authority);
    expect(status).toBe(403);
    expect(text).toBe(`vidpipe refused to connect to ${named}: not a public address`);
  });

  it('refuses a name that resolves to a private address, and one answer of several is enough', async () => {
    expect((await proxyRequest(proxy, 'http://private.example/')).status).toBe(403);
    expect((await proxyRequest(proxy, 'http://mixed.example/')).body).toBe('vidpipe refused to connect to mixed.example (10.0.0.1): not a public address');
  });

  it('refuses rebinding: a public-looking name answered with 127.0.0.1', async () => {
    const answer = await proxyRequest(proxy, `http://public.example:${portOf(origin)}/`);
    expect(answer).toMatchObject({ status: 403, body: 'vidpipe refused to connect to public.example (127.0.0.1): not a public address' });
  });

  it('refuses port 25 before resolving or connecting', async () => {
    expect(await proxyConnect(proxy, '93.184.215.14:25')).toMatchObject({ status: 403, text: 'vidpipe refused to connect to 93.184.215.14: port 25 is not allowed' });
  });

  it('answers 502 for a name that does not resolve', async () => {
    expect(await proxyRequest(proxy, 'http://nowhere.example/')).toMatchObject({ status: 502, body: 'vidpipe could not find the address of nowhere.example.' });
  });

  it('records refusals in blocked', async () => {
    await proxyRequest(proxy, `http://public.example:${portOf(origin)}/again`);
    expect(proxy.blocked.at(-1)).toEqual({ host: 'public.example', address: '127.0.0.1', reason: 'not a public address', kind: 'private' });
    expect(proxy.blocked).toContainEqual({ host: '169.254.169.254', address: '169.254.169.254', reason: 'not a public address', kind: 'private' });
    expect(proxy.blocked).toContainEqual({ host: '93.184.215.14', address: null, reason: 'port 25 is not allowed', kind: 'port' });
  });
});

describe('EgressProxy with allowAddresses', () => {
  it('lets exactly the listed private addresses through', async () => {
    const proxy = await EgressProxy.start({ allowPrivate: false, allowAddresses: ['127.0.0.1'] });
    try {
      expect(await proxyRequest(proxy, `${originUrl}/`)).toMatchObject({ status: 200, body: 'hello from origin' });
      expect((await proxyRequest(proxy, `http://127.0.0.2:${portOf(origin)}/`)).status).toBe(403);
      expect(proxy.blocked).toEqual([{ host: '127.0.0.2', address: '127.0.0.2', reason: 'not a public address', kind: 'private' }]);
    } finally {
      await proxy.close();
    }
  });
});
