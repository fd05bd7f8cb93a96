// RETENTION_DAYS: a scheduled BullMQ job removes finished jobs older than that, with their media,
// oldest first; younger ones stay. (17 s stands for days: RETENTION_DAYS may be fractional.)
import fs from 'node:fs';
import path from 'node:path';
import { api, ApiHelpers, AppProcess, login, startApp } from './support/app';
import { waitForState } from './support/jobs';
import { makeMedia, MediaSet } from './support/media';
import { MediaServer, startMediaServer } from './support/media-server';
import { RedisHandle, startRedis } from './support/redis';
import { sleep } from './support/util';

const RETENTION_DAYS = 0.0002; // 17.28 s: swept every second (a twentieth, at least 1 s)
const RETENTION_MS = RETENTION_DAYS * 86_400_000;

let redis: RedisHandle;
let media: MediaSet;
let server: MediaServer;
let app: AppProcess;
let http: ApiHelpers;

beforeAll(async () => {
  [redis, media] = await Promise.all([startRedis(), makeMedia()]);
  server = await startMediaServer(media.dir);
  app = await startApp({ redisUrl: redis.url, env: { RETENTION_DAYS: String(RETENTION_DAYS) } });
  http = api(app.baseUrl, (await login(app.baseUrl)).token);
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await server?.stop();
  await redis?.stop();
  await media?.cleanup();
});

it('removes a finished job and its media once it is older than RETENTION_DAYS, and keeps younger ones', async () => {
  const complete = async () => {
    const { body } = await http.post('/api/jobs', { url: server.url('/clip.webm'), format: '480p' });
    return waitForState(http, body.id, ['completed', 'failed'], 60_000);
  };
  const older = await complete();
  expect(older.state).toBe('completed');
  const olderMedia = path.join(app.dataDir, 'media', older.id);
  expect(fs.existsSync(olderMedia)).toBe(true);
  await sleep(12_000);
  const younger = await complete();
  expect(younger.state).toBe('completed');

  // Gone within a sweep or two of turning 17 s old; meanwhile the younger job (12 s+ younger) stays.
  const deadline = Date.parse(older.finishedAt) + RETENTION_MS + 15_000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    status = (await http.get(`/api/jobs/${older.id}`)).status;
    if (status === 200) await sleep(200);
  }
  expect(status).toBe(404);
  expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(older.finishedAt) + RETENTION_MS); // not before its time
  expect(fs.existsSync(olderMedia)).toBe(false);
  expect((await http.get('/api/jobs')).body.items.map((j: { id: string }) => j.id)).toEqual([younger.id]);
  expect(fs.existsSync(path.join(app.dataDir, 'media', younger.id))).toBe(true);
}, 120_000);
