// ROLE=api and ROLE=worker as separate processes on one Redis and one DATA_DIR; two api
// processes each relay every event to their own clients exactly once.
import { api, login } from './support/api';
import { collectJobEvents, readSse, subscribe, waitForState } from './support/jobs';
import { startMediaServer } from './support/media-server';
import { useStack } from './support/stack';
import { sleep } from './support/util';

// Apps are started by the tests; stopped workers left no tool running (the logs name any that were).
const stack = useStack({ redis: true, dataDir: true, media: {}, noToolLeftBehind: true });

it('an api process queues, a worker process started later runs it, and both apis relay each event once', async () => {
  const start = (role: 'api' | 'worker') => stack.startApp({ role });
  const [api1, api2] = await Promise.all([start('api'), start('api')]);
  const { token } = await login(api1.baseUrl);
  const http1 = api(api1.baseUrl, token);
  const http2 = api(api2.baseUrl, token); // one session, valid on every api process

  const { body: job } = await http1.post('/api/jobs', { url: stack.server.url('/clip.mp4'), format: '720p' });
  await sleep(1500);
  expect((await http2.get(`/api/jobs/${job.id}`)).body.state).toBe('queued'); // no worker yet

  const s1 = await stack.connect(token, api1.baseUrl);
  const s2 = await stack.connect(token, api2.baseUrl);
  const seen1 = collectJobEvents(s1, job.id, true, 60_000);
  const seen2 = collectJobEvents(s2, job.id, true, 60_000);
  expect((await subscribe(s1, job.id)).ok).toBe(true);
  expect((await subscribe(s2, job.id)).ok).toBe(true);
  const sse = readSse(api2.baseUrl, `/api/jobs/${job.id}/events`, token, 60_000);

  await start('worker');
  const [events1, events2, frames] = await Promise.all([seen1, seen2, sse]);
  for (const events of [events1, events2]) {
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length); // each socket: in its job room and its user room, yet once
    expect(events[events.length - 1].state).toBe('completed');
    expect(events.map((e) => e.state)).toEqual(expect.arrayContaining(['probing', 'downloading', 'transcoding']));
  }
  expect(events2.map((e) => e.seq)).toEqual(events1.map((e) => e.seq));
  expect(frames[frames.length - 1].state).toBe('completed');

  // The worker wrote the media, the api serves it: one shared DATA_DIR.
  const playlist = await fetch(`${api2.baseUrl}${events1[events1.length - 1].result!.playlistUrl}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(playlist.status).toBe(200);
}, 120_000);

it('a worker-only process serves no HTTP', async () => {
  const worker = stack.apps.find((a) => a.logs().includes('vidpipe worker ready') && !a.logs().includes('listening'));
  expect(worker).toBeDefined();
  await expect(fetch(`${worker!.baseUrl}/api/health`)).rejects.toThrow();
});

it('separate download and transcode slots: downloads wait for a download slot, never for a transcode', async () => {
  const [apiProc] = stack.apps;
  const { token } = await login(apiProc.baseUrl);
  const http = api(apiProc.baseUrl, token);
  const slow = await startMediaServer(stack.mediaDir, { bytesPerSecond: 40_000 });
  const create = async (url: string, format = 'best') => (await http.post('/api/jobs', { url, format })).body.id as string;
  try {
    const slowA = await create(slow.url('/clip.mp4'));
    await waitForState(http, slowA, ['downloading'], 20_000);
    // A fast job downloads in the second slot and is transcoded while A is still downloading.
    const fast = await create(stack.server.url('/clip.webm'), '480p');
    await waitForState(http, fast, ['completed'], 60_000);
    expect((await http.get(`/api/jobs/${slowA}`)).body.state).toBe('downloading');
    // With both download slots (DOWNLOAD_CONCURRENCY=2) taken, the next job waits its turn.
    const slowB = await create(slow.url('/clip.mp4'));
    await waitForState(http, slowB, ['downloading'], 20_000);
    const waiting = await create(stack.server.url('/clip.webm'), '480p');
    await sleep(1500);
    expect((await http.get(`/api/jobs/${waiting}`)).body.state).toBe('queued');
    await Promise.all([slowA, slowB].map((id) => http.post(`/api/jobs/${id}/cancel`)));
    expect((await waitForState(http, waiting, ['completed'], 60_000)).state).toBe('completed');
  } finally {
    await slow.stop();
  }
}, 150_000);

it('a worker that is stopped mid-download hands its job back, and another worker finishes it', async () => {
  const [apiProc] = stack.apps;
  const { token } = await login(apiProc.baseUrl);
  const http = api(apiProc.baseUrl, token);
  const slow = await startMediaServer(stack.mediaDir, { bytesPerSecond: 60_000 });
  try {
    const workers = stack.apps.filter((a) => !a.logs().includes('listening'));
    const { body: job } = await http.post('/api/jobs', { url: slow.url('/clip.mp4') });
    const downloading = await waitForState(http, job.id, ['downloading'], 20_000);
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    const handedBack = await waitForState(http, job.id, ['queued'], 10_000).catch((err: Error) => {
      throw new Error(`${err.message}\nworker logs:\n${workers.map((w) => w.logs()).join('\n---\n')}`);
    });
    expect(handedBack.attempt).toBe(downloading.attempt);
    expect(handedBack.message).toMatch(/stopped/);
    slow.setBytesPerSecond(undefined);
    await stack.startApp({ role: 'worker' });
    const done = await waitForState(http, job.id, ['completed'], 60_000);
    expect(done.progress.percent).toBe(100);
  } finally {
    await slow.stop();
  }
}, 120_000);
