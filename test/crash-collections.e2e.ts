// Crash tests for collections (DESIGN §2.1): the app SIGKILLs itself at a named point
// (VIDPIPE_CRASH_AT), is started again without it on the same Redis and DATA_DIR, and the
// collection still gets every child, never claims one that does not exist, and ends.
import Redis from 'ioredis';
import type { JobSnapshot } from '../src/jobs/job.types';
import { addUser, type ApiHelpers, logInAs } from './support/api';
import type { AppProcess } from './support/app';
import { connectJobsSocket, waitForState } from './support/jobs';
import { makeShortClip, writePlaylistPage } from './support/media';
import { useStack } from './support/stack';
import { sleep } from './support/util';

const ENTRIES = 30; // two batches of the listing (25 + 5)

const stack = useStack({
  redis: true,
  media: {
    standard: false,
    prepare: async (dir) => {
      await makeShortClip(dir, 'tiny.mp4', 1);
      // The same small clip behind distinct links: one entry each.
      await writePlaylistPage(dir, 'thirty.html', 'Thirty Clips', Array.from({ length: ENTRIES }, (_, i) => `tiny.mp4?n=${i}`));
      await writePlaylistPage(dir, 'three.html', 'Three Clips', ['tiny.mp4?c=1', 'tiny.mp4?c=2', 'tiny.mp4?c=3']);
    },
  },
  // Whatever a test left running must not run the next test's jobs.
  stopAppsAfterEach: true,
  noToolLeftBehind: true,
});

async function childrenOf(who: ApiHelpers, id: string): Promise<JobSnapshot[]> {
  const res = await who.get(`/api/jobs?parentId=${id}&limit=100`);
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Every `job` event the user's socket gets (their own room), in order. */
async function recordEvents(app: AppProcess, username: string): Promise<{ events: JobSnapshot[]; close(): void }> {
  const { token } = await logInAs(app.baseUrl, username);
  const socket = await connectJobsSocket(app.baseUrl, token);
  const events: JobSnapshot[] = [];
  socket.on('job', (job: JobSnapshot) => events.push(job));
  return { events, close: () => socket.disconnect() };
}

/**
 * Claims of the collection, in event order, that name more children than had been announced
 * before them (`known`: children that existed when watching began). Each child is published
 * in the step that makes it, so a claim past that count is a claim of a child that did not exist.
 */
function overClaims(events: readonly JobSnapshot[], collectionId: string, known: Iterable<string> = []): string[] {
  const seen = new Set(known);
  const over: string[] = [];
  for (const e of events) {
    if (e.parentId === collectionId) seen.add(e.id);
    else if (e.id === collectionId && e.children && e.children.total > seen.size) over.push(`seq ${e.seq}: claims ${e.children.total} of ${seen.size}`);
  }
  return over;
}

/** The collection read first, its children second, every 100 ms: a claim above what the list then shows. */
function sampleClaims(who: ApiHelpers, id: string): { stop(): Promise<{ samples: number; over: string[] }> } {
  let going = true;
  const over: string[] = [];
  let samples = 0;
  const loop = (async () => {
    while (going) {
      const collection = (await who.get(`/api/jobs/${id}`)).body;
      const exist = (await childrenOf(who, id)).length;
      samples++;
      if ((collection.children?.total ?? 0) > exist) over.push(`${collection.state}: claims ${collection.children!.total} of ${exist}`);
      await sleep(100);
    }
  })();
  return { stop: async () => ((going = false), await loop, { samples, over }) };
}

it('a listing cut short by a SIGKILL after its first batch resumes after the restart: every child exists once, runs, and the collection completes', async () => {
  const dataDir = await stack.tempDir('crash-listing');
  // Enough places and submissions for all thirty children: only the crash is under test here.
  const env = { USER_MAX_ACTIVE_JOBS: '8', USER_MAX_JOBS_PER_MINUTE: '100', DOWNLOAD_CONCURRENCY: '4', TRANSCODE_CONCURRENCY: '2' };
  const crashing = await stack.startApp({ dataDir, env: { ...env, VIDPIPE_CRASH_AT: 'collection.batch-written#1' } });
  const beforeCrash = await addUser(await logInAs(crashing.baseUrl), 'lister');
  const watched = await recordEvents(crashing, 'lister');
  const created = await beforeCrash.post('/api/jobs', { url: stack.server.url('/thirty.html') });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  expect(await crashing.exited).toMatchObject({ signal: 'SIGKILL' });
  watched.close();
  expect(crashing.logs()).toMatch(/crash point collection\.batch-written reached/);
  expect(overClaims(watched.events, id)).toEqual([]);

  const app = await stack.startApp({ dataDir, env });
  const lister = await logInAs(app.baseUrl, 'lister');
  // Before the stage runs again (its worker's lock has to expire first): the first batch, and no more.
  const half = (await lister.get(`/api/jobs/${id}`)).body;
  expect(half).toMatchObject({ kind: 'collection', state: 'probing', message: 'Listing the playlist: 25 of 30', children: { total: 25 } });
  const firstBatch = await childrenOf(lister, id);
  expect(firstBatch).toHaveLength(25);

  const after = await recordEvents(app, 'lister');
  const sampler = sampleClaims(lister, id);
  const done = await waitForState(lister, id, ['completed', 'failed', 'cancelled'], 150_000);
  const sampled = await sampler.stop();
  after.close();
  expect(done).toMatchObject({ state: 'completed', children: { total: ENTRIES, completed: ENTRIES, queued: 0, running: 0, failed: 0 } });
  expect(overClaims(after.events, id, firstBatch.map((c) => c.id))).toEqual([]);
  expect(sampled.over).toEqual([]);
  expect(sampled.samples).toBeGreaterThan(5);
  expect(after.events.some((e) => e.id === id && e.state === 'downloading')).toBe(true); // it listed the rest, then followed

  // Each entry once, in playlist order, the first batch's ids kept; each downloaded its own link.
  const children = await childrenOf(lister, id);
  expect(children.map((c) => c.url)).toEqual(Array.from({ length: ENTRIES }, (_, i) => stack.server.url(`/tiny.mp4?n=${i}`)));
  expect(children.slice(0, 25).map((c) => c.id)).toEqual(firstBatch.map((c) => c.id));
  expect(new Set(children.map((c) => c.id)).size).toBe(ENTRIES);
  expect(children.every((c) => c.state === 'completed')).toBe(true);
  for (let i = 0; i < ENTRIES; i++) expect(stack.server.requests).toContain(`GET /tiny.mp4?n=${i}`);
  expect(app.logs()).not.toMatch(/crash point/);
}, 240_000);

it('a SIGKILL just after the first child completed: after the restart the waiting children start and the collection completes', async () => {
  const dataDir = await stack.tempDir('crash-child-end');
  // One place: the other children wait for the first one's end, which the dead process never followed up.
  // The dead process's own consumer may have read the entry and released the next child in the same
  // turn of its event loop, before the kill: a child released but not queued is the reconciler's (5 s here).
  const env = { USER_MAX_ACTIVE_JOBS: '1', RECONCILE_SECONDS: '5' };
  const crashing = await stack.startApp({ dataDir, env: { ...env, VIDPIPE_CRASH_AT: 'job.final-written#1' } });
  const created = await (await addUser(await logInAs(crashing.baseUrl), 'waiter')).post('/api/jobs', { url: stack.server.url('/three.html') });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  expect(await crashing.exited).toMatchObject({ signal: 'SIGKILL' });
  expect(crashing.logs()).toMatch(/crash point job\.final-written reached/);

  // The end was written with its outbox entry, in one step: what follows it survives the kill.
  const outbox = new Redis(stack.redis.url);
  const entries = await outbox.xrange('vp:outbox', '-', '+').finally(() => outbox.quit());
  const ended = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]));
  expect(ended.filter((e) => e.parentId === id).map((e) => e.state)).toEqual(['completed']);

  const app = await stack.startApp({ dataDir, env });
  const waiter = await logInAs(app.baseUrl, 'waiter');
  const [first, ...others] = await childrenOf(waiter, id);
  expect(first.id).toBe(ended.find((e) => e.parentId === id).id);
  expect(first.state).toBe('completed'); // the write the process died after
  expect(others).toHaveLength(2);
  const done = await waitForState(waiter, id, ['completed', 'failed', 'cancelled'], 90_000);
  expect(done).toMatchObject({ state: 'completed', children: { total: 3, completed: 3, queued: 0, running: 0 } });
  const children = await childrenOf(waiter, id);
  expect(children.map((c) => c.state)).toEqual(['completed', 'completed', 'completed']);
  expect(children[0].seq).toBe(first.seq); // completed once, not run again
  expect(children.map((c) => c.attempt)).toEqual([1, 1, 1]);
}, 180_000);
