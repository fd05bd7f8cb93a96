// The private-address rule holds for every connection the downloader makes, not only for the
// submitted link: redirects and embedded videos that lead to a private address end the job.
// 127.0.0.1 stands for an allowed address (ALLOWED_PRIVATE_ADDRESSES) and 127.0.0.2 for a
// private one; Linux routes all of 127/8 to loopback.
import fs from 'node:fs';
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { waitForState } from './support/jobs';
import { urlOf, useStack } from './support/stack';

const stack = useStack({
  media: { server: false },
  app: { env: { ALLOW_PRIVATE_URLS: 'false', ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } },
});
const client = stack.admin;
let allowedBase: string;
let forbiddenBase: string;
let ftpConnections = 0;

const sendClip = (res: http.ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': fs.statSync(stack.media.h264Mp4).size });
  fs.createReadStream(stack.media.h264Mp4).pipe(res);
};

beforeAll(async () => {
  const forbidden = await stack.listen((_req, res) => sendClip(res), '127.0.0.2');
  // Stands in for an FTP server on the private address: it only counts who connects.
  const ftpLike = net.createServer((socket) => {
    ftpConnections++;
    socket.end('220 hello\r\n');
  });
  await new Promise<void>((resolve) => ftpLike.listen(0, '127.0.0.2', resolve));
  stack.onTeardown(() => new Promise((r) => ftpLike.close(r)));
  const ftpPort = (ftpLike.address() as AddressInfo).port;
  forbiddenBase = urlOf(forbidden);
  const allowed = await stack.listen((req, res) => {
    if (req.url === '/clip.mp4') return sendClip(res);
    if (req.url === '/go') return void res.writeHead(302, { Location: `${forbiddenBase}/clip.mp4` }).end();
    if (req.url === '/ftp') return void res.writeHead(302, { Location: `ftp://127.0.0.2:${ftpPort}/clip.mp4` }).end();
    if (req.url === '/page.html') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end(`<html><head><title>Embedded</title></head><body><video src="${forbiddenBase}/clip.mp4"></video></body></html>`);
    }
    res.writeHead(404).end();
  });
  allowedBase = urlOf(allowed);
});

it('downloads from an allowed address through the checking proxy', async () => {
  const { body } = await client.post('/api/jobs', { url: `${allowedBase}/clip.mp4`, format: '720p' });
  expect((await waitForState(client, body.id, ['completed'], 60_000)).state).toBe('completed');
}, 90_000);

it('refuses a private address at submission', async () => {
  const res = await client.post('/api/jobs', { url: `${forbiddenBase}/clip.mp4` });
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('private_address');
});

it.each([
  ['a redirect', '/go'],
  ['a page whose <video> is', '/page.html'],
])('ends the job private_address when %s leads to a private address', async (_, route) => {
  const { body } = await client.post('/api/jobs', { url: `${allowedBase}${route}` });
  expect(body.state).toBe('queued');
  const done = await waitForState(client, body.id, ['failed'], 60_000);
  expect(done.error!.code).toBe('private_address');
  expect(done.error!.message).toBe('The link leads to 127.0.0.2, a private address this server does not download from.');
}, 90_000);

it('never lets yt-dlp follow a redirect to ftp:// around the proxy', async () => {
  const { body } = await client.post('/api/jobs', { url: `${allowedBase}/ftp` });
  const done = await waitForState(client, body.id, ['failed'], 60_000);
  expect(done.error!.code).toBe('unsupported_url');
  expect(done.error!.message).toMatch(/ftp:\/\/ is not allowed/);
  expect(ftpConnections).toBe(0);
}, 90_000);
