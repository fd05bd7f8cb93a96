// RETENTION_DAYS: a scheduled BullMQ job removes finished jobs older than that, with their media,
// oldest first; younger ones stay. (17 s stands for days: RETENTION_DAYS may be fractional.)
import fs from 'node:fs';
import path from 'node:path';
import { waitForState } from './support/jobs';
import { useStack } from './support/stack';
import { sleep } from './support/util';

const RETENTION_DAYS = 0.0002; // 17.28 s: swept every second (a twentieth, at least 1 s)
const RETENTION_MS = RETENTION_DAYS * 86_400_000;

const stack = useStack({ media: {}, app: { env: { RETENTION_DAYS: String(RETENTION_DAYS) } } });

it('removes a finished job and its media once it is older than RETENTION_DAYS, and keeps younger ones', async () => {
  const complete = async () => {
    const { body } = await stack.admin.post('/api/jobs', { url: stack.server.url('/clip.webm'), format: '480p' });
    return waitForState(stack.admin, body.id, ['completed', 'failed'], 60_000);
  };
  const older = await complete();
  expect(older.state).toBe('completed');
  const olderMedia = path.join(stack.app.dataDir, 'media', older.id);
  expect(fs.existsSync(olderMedia)).toBe(true);
  await sleep(12_000);
  const younger = await complete();
  expect(younger.state).toBe('completed');

  // Gone within a sweep or two of turning 17 s old; meanwhile the younger job (12 s+ younger) stays.
  const deadline = Date.parse(older.finishedAt!) + RETENTION_MS + 15_000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    status = (await stack.admin.get(`/api/jobs/${older.id}`)).status;
    if (status === 200) await sleep(200);
  }
  expect(status).toBe(404);
  expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(older.finishedAt!) + RETENTION_MS); // not before its time
  expect(fs.existsSync(olderMedia)).toBe(false);
  expect((await stack.admin.get('/api/jobs')).body.items.map((j: { id: string }) => j.id)).toEqual([younger.id]);
  expect(fs.existsSync(path.join(stack.app.dataDir, 'media', younger.id))).toBe(true);
}, 120_000);
