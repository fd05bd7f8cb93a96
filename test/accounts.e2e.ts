// Many people, one server: accounts, isolation on every path (tested as the other user), and
// sessions that end everywhere at once, open sockets included.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Redis from 'ioredis';
import path from 'node:path';
import { addUser, api, type ApiHelpers, login, type Person } from './support/api';
import { collectJobEvents, connectJobsSocket, readSse, Socket, subscribe, waitForState } from './support/jobs';
import { useStack } from './support/stack';
import { sleep } from './support/util';

const stack = useStack({ media: {}, app: true });
/** Set once admin2 is the only admin left (a test below may leave it so). */
let lastAdmin: ApiHelpers | undefined;
const admin = (): ApiHelpers => lastAdmin ?? stack.admin;
const newUser = (username: string): Promise<Person> => addUser(admin(), username);

function disconnected(socket: Socket, timeoutMs = 3000): Promise<boolean> {
  if (!socket.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('disconnect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('account management is for admins', () => {
  it('creates accounts, refuses a taken name, and lists them without secrets', async () => {
    const created = await admin().post('/api/users', { username: 'carol', password: 'carol-password', role: 'user' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'carol', role: 'user', disabled: false });
    expect((await admin().post('/api/users', { username: 'CAROL', password: 'another-one' })).status).toBe(409);
    expect((await admin().post('/api/users', { username: 'dave', password: 'short' })).body.code).toBe('invalid_request');
    const list = await admin().get('/api/users');
    expect(list.body.items.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['admin', 'carol']));
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|passwordHash/);
  });

  it('answers 403 to a plain user and 401 to nobody', async () => {
    const erin = await newUser('erin');
    expect((await erin.get('/api/users')).status).toBe(403);
    expect((await erin.post('/api/users', { username: 'x', password: 'xxxxxxxx' })).status).toBe(403);
    expect((await api(stack.app.baseUrl, '').get('/api/users')).status).toBe(401);
  });

  it('keeps an admin when two admins demote each other at the same moment', async () => {
    await admin().post('/api/users', { username: 'admin2', password: 'second-admin-password', role: 'admin' });
    const second = api(stack.app.baseUrl, (await login(stack.app.baseUrl, 'admin2', 'second-admin-password')).token);
    const me = (await admin().get('/api/auth/me')).body.user;
    const other = (await second.get('/api/auth/me')).body.user;
    const [a, b] = await Promise.all([
      admin().request('PATCH', `/api/users/${other.id}`, { role: 'user' }),
      second.request('PATCH', `/api/users/${me.id}`, { role: 'user' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const admins = (await api(stack.app.baseUrl, (await login(stack.app.baseUrl, a.status === 200 ? 'admin' : 'admin2', a.status === 200 ? 'admin-test-password' : 'second-admin-password')).token).get('/api/users')).body.items.filter((u: { role: string }) => u.role === 'admin');
    expect(admins).toHaveLength(1);
    if (b.status === 200) lastAdmin = api(stack.app.baseUrl, (await login(stack.app.baseUrl, 'admin2', 'second-admin-password')).token);
  });

  it('keeps the last enabled admin', async () => {
    const me = (await admin().get('/api/auth/me')).body.user;
    expect((await admin().request('PATCH', `/api/users/${me.id}`, { role: 'user' })).body.code).toBe('last_admin');
    expect((await admin().del(`/api/users/${me.id}`)).status).toBe(409);
  });
});

describe("another user's job is invisible on every path", () => {
  let alice: Person;
  let bob: Person;
  let jobId: string;
  let playlistUrl: string;
  let bobSawAliceEvents: Promise<unknown[]>;

  beforeAll(async () => {
    [alice, bob] = [await newUser('alice'), await newUser('bob')];
    const bobSocket = await stack.connect(bob.token);
    const aliceSocket = await stack.connect(alice.token);
    const { body } = await alice.post('/api/jobs', { url: stack.server.url('/clip.mp4'), format: '720p' });
    jobId = body.id;
    // Bob listens on his own user room the whole time the job runs.
    bobSawAliceEvents = collectJobEvents(bobSocket, jobId, false, 8000);
    const aliceEvents = await collectJobEvents(aliceSocket, jobId, true, 60_000); // her user room, unsubscribed
    playlistUrl = aliceEvents[aliceEvents.length - 1].result!.playlistUrl;
  }, 90_000);

  it('is delivered to its owner without subscribing, and never to anyone else', async () => {
    expect(playlistUrl).toBe(`/media/${jobId}/master.m3u8`);
    expect(await bobSawAliceEvents).toEqual([]);
  });

  it.each([
    ['GET', '/api/jobs/:id'],
    ['POST', '/api/jobs/:id/cancel'],
    ['POST', '/api/jobs/:id/retry'],
    ['DELETE', '/api/jobs/:id'],
    ['GET', '/api/jobs/:id/events'],
    ['GET', '/media/:id/master.m3u8'],
    ['GET', '/media/:id/v0/index.m3u8'],
  ])('%s %s → 404 for bob, exactly as for a job that does not exist', async (method, route) => {
    const res = await bob.request(method, route.replace(':id', jobId));
    const missing = await bob.request(method, route.replace(':id', 'AAAAAAAAAAAA'));
    expect(res.status).toBe(404);
    expect(res.body).toEqual(missing.body);
  });

  it('refuses his subscribe with not_found and leaves it out of his list', async () => {
    const s = await stack.connect(bob.token);
    expect(await subscribe(s, jobId)).toEqual({ ok: false, error: 'not_found' });
    const list = (await bob.get('/api/jobs')).body.items as { id: string }[];
    expect(list.map((j) => j.id)).not.toContain(jobId);
  });

  it('stays whole for its owner, and admins see it', async () => {
    expect((await alice.get(`/api/jobs/${jobId}`)).body.state).toBe('completed');
    expect((await alice.get(playlistUrl)).status).toBe(200);
    expect((await admin().get(`/api/jobs/${jobId}`)).status).toBe(200);
    const all = (await admin().get('/api/jobs?limit=100')).body.items as { id: string }[];
    expect(all.map((j) => j.id)).toContain(jobId);
  });
});

describe('sessions end everywhere at once', () => {
  it('an admin resetting a password disconnects the live socket and kills the old token', async () => {
    const frank = await newUser('frank');
    const socket = await stack.connect(frank.token);
    const sse = readSse(stack.app.baseUrl, `/api/jobs/${(await frank.post('/api/jobs', { url: stack.server.url('/missing.mp4') })).body.id}/events`, frank.token, 10_000);
    await sse; // (that job fails fast; the stream ends by itself)
    const gone = disconnected(socket);
    expect((await admin().request('PATCH', `/api/users/${frank.id}`, { password: 'a brand new one' })).status).toBe(200);
    expect(await gone).toBe(true);
    expect((await frank.get('/api/jobs')).status).toBe(401);
    await expect(connectJobsSocket(stack.app.baseUrl, frank.token)).rejects.toThrow(/unauthorized/);
    expect((await login(stack.app.baseUrl, 'frank', 'a brand new one')).token).toBeTruthy();
  });

  it('changing your own password needs the current one and ends your other sessions', async () => {
    const gina = await newUser('gina');
    const otherDevice = await login(stack.app.baseUrl, 'gina', gina.password);
    const otherSocket = await stack.connect(otherDevice.token);
    const wrong = await gina.post('/api/auth/password', { currentPassword: 'nope', newPassword: 'gina-new-password' });
    expect(wrong.status).toBe(403);
    const gone = disconnected(otherSocket);
    const changed = await gina.post('/api/auth/password', { currentPassword: gina.password, newPassword: 'gina-new-password' });
    expect(changed.status).toBe(200);
    expect(await gone).toBe(true);
    expect((await api(stack.app.baseUrl, otherDevice.token).get('/api/jobs')).status).toBe(401);
    expect((await gina.get('/api/jobs')).status).toBe(401);
    expect((await api(stack.app.baseUrl, changed.body.token).get('/api/jobs')).status).toBe(200);
  });

  it('a login racing a password reset never leaves a session that outlives the reset', async () => {
    const kim = await newUser('kim');
    const logins = Array.from({ length: 16 }, () => login(stack.app.baseUrl, 'kim', kim.password).then((s) => s.token, () => null));
    const reset = admin().request('PATCH', `/api/users/${kim.id}`, { password: 'kim-new-password' });
    const tokens = (await Promise.all(logins)).filter((t): t is string => t !== null);
    expect((await reset).status).toBe(200);
    for (const token of [kim.token, ...tokens]) expect((await api(stack.app.baseUrl, token).get('/api/jobs')).status).toBe(401);
  });

  it('logout ends that session and its socket only', async () => {
    const hank = await newUser('hank');
    const second = await login(stack.app.baseUrl, 'hank', hank.password);
    const [s1, s2] = [await stack.connect(hank.token), await stack.connect(second.token)];
    const gone = disconnected(s1);
    expect((await hank.post('/api/auth/logout')).status).toBe(204);
    expect(await gone).toBe(true);
    await sleep(300);
    expect(s2.connected).toBe(true);
    expect((await api(stack.app.baseUrl, second.token).get('/api/jobs')).status).toBe(200);
  });

  it('a socket ends when its session expires', async () => {
    const lena = await newUser('lena');
    const digest = createHash('sha256').update(lena.token.split('.')[0]).digest('hex');
    const r = new Redis(stack.redis.url);
    try {
      await r.pexpire(`vp:session:${digest}`, 1500); // as if it had been made 14 days ago
    } finally {
      r.disconnect();
    }
    const socket = await stack.connect(lena.token);
    expect(await disconnected(socket, 4000)).toBe(true);
    expect((await lena.get('/api/jobs')).status).toBe(401);
  });

  it('a disabled account cannot log in and loses its sessions', async () => {
    const ivan = await newUser('ivan');
    const socket = await stack.connect(ivan.token);
    const gone = disconnected(socket);
    expect((await admin().request('PATCH', `/api/users/${ivan.id}`, { disabled: true })).body.disabled).toBe(true);
    expect(await gone).toBe(true);
    expect((await ivan.get('/api/jobs')).status).toBe(401);
    await expect(login(stack.app.baseUrl, 'ivan', ivan.password)).rejects.toThrow();
  });
});

it('removing an account removes its sessions, its jobs and their media', async () => {
  const jane = await newUser('jane');
  const { body: job } = await jane.post('/api/jobs', { url: stack.server.url('/clip.mp4'), format: '720p' });
  await waitForState(jane, job.id, ['completed'], 60_000);
  const mediaDir = path.join(stack.app.dataDir, 'media', job.id);
  expect(fs.existsSync(mediaDir)).toBe(true);
  const socket = await stack.connect(jane.token);
  const gone = disconnected(socket);
  expect((await admin().del(`/api/users/${jane.id}`)).status).toBe(204);
  expect(await gone).toBe(true);
  expect((await jane.get('/api/jobs')).status).toBe(401);
  expect((await admin().get(`/api/jobs/${job.id}`)).status).toBe(404);
  expect(fs.existsSync(mediaDir)).toBe(false);
  expect((await admin().get('/api/users')).body.items.map((u: { username: string }) => u.username)).not.toContain('jane');
}, 90_000);
