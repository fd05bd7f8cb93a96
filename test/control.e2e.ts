// Cancel, retry and delete on running jobs: the tool stops at once and nothing is left behind.
import fs from 'node:fs';
import path from 'node:path';
import { collectJobEvents, connectJobsSocket, subscribe, waitForState } from './support/jobs';
import { makeLongMp4 } from './support/media';
import { toolsUnder } from './support/process';
import { useStack } from './support/stack';
import { runOk, sleep, waitUntil } from './support/util';

let longClip: string;
let mpeg4Clip: string;

const stack = useStack({
  media: {
    prepare: async (dir) => {
      longClip = path.basename(await makeLongMp4(dir, 60));
      // MPEG-4 Part 2 is never copied: 90 s of it keeps x264 busy long enough to cancel mid-way.
      mpeg4Clip = 'mpeg4.mp4';
      await runOk('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '90',
        '-c:v', 'mpeg4', '-q:v', '8', path.join(dir, mpeg4Clip)]);
    },
    // A 60 s clip of ~1.4 MB at 150 KB/s: about ten seconds of downloading to act on.
    server: { bytesPerSecond: 150_000 },
  },
  app: true,
  noToolLeftBehind: true, // no yt-dlp or ffmpeg outlived the app
});

async function downloadingWithProgress(id: string) {
  await waitUntil(async () => {
    const job = (await stack.admin.get(`/api/jobs/${id}`)).body;
    return job.state === 'downloading' && job.progress.downloadedBytes! > 0;
  }, 30_000, 'download progress');
}

it('cancel stops the download at once, leaves no process or partial file, and retry finishes it', async () => {
  stack.server.setBytesPerSecond(150_000);
  const { body: job } = await stack.admin.post('/api/jobs', { url: stack.server.url(`/${longClip}`) });
  await downloadingWithProgress(job.id);
  // A watcher gets live progress, throttled to a few events a second (PROGRESS_INTERVAL_MS 250).
  const socket = await connectJobsSocket(stack.app.baseUrl, stack.admin.token);
  const watched = collectJobEvents(socket, job.id, false, 2_000);
  await subscribe(socket, job.id);
  const events = await watched;
  socket.disconnect();
  expect(events.length).toBeGreaterThanOrEqual(4);
  expect(events.length).toBeLessThanOrEqual(10);
  expect(events[events.length - 1].progress.downloadedBytes).toBeGreaterThan(events[0].progress.downloadedBytes!);
  const workDir = path.join(stack.app.dataDir, 'media.work', job.id);
  expect(fs.existsSync(workDir)).toBe(true);
  expect(toolsUnder(stack.app.proc.pid!).length).toBeGreaterThan(0);

  const started = Date.now();
  const cancelled = await stack.admin.post(`/api/jobs/${job.id}/cancel`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.state).toBe('cancelled');
  await waitUntil(() => toolsUnder(stack.app.proc.pid!).length === 0, 3_000, 'yt-dlp to exit');
  expect(Date.now() - started).toBeLessThan(3_000);
  await waitUntil(() => !fs.existsSync(workDir), 3_000, 'the partial download to be removed');
  // It stays cancelled: the killed worker must not overwrite the state afterwards.
  await sleep(500);
  expect((await stack.admin.get(`/api/jobs/${job.id}`)).body.state).toBe('cancelled');
  expect((await stack.admin.post(`/api/jobs/${job.id}/cancel`)).status).toBe(409);

  stack.server.setBytesPerSecond(undefined);
  const retried = await stack.admin.post(`/api/jobs/${job.id}/retry`);
  expect(retried.status).toBe(200);
  expect(retried.body).toMatchObject({ state: 'queued', attempt: 2, progress: { percent: 0 } });
  const done = await waitForState(stack.admin, job.id, ['completed'], 90_000);
  expect(done.result!.renditions.length).toBeGreaterThan(0);
  expect((await stack.admin.post(`/api/jobs/${job.id}/retry`)).status).toBe(409);
}, 150_000);

it('cancel during the transcode kills ffmpeg', async () => {
  stack.server.setBytesPerSecond(undefined);
  const { body: job } = await stack.admin.post('/api/jobs', { url: stack.server.url(`/${mpeg4Clip}`), format: '480p' });
  await waitForState(stack.admin, job.id, ['transcoding'], 60_000);
  await waitUntil(() => toolsUnder(stack.app.proc.pid!).some((p) => p.cmd.includes('ffmpeg')), 10_000, 'ffmpeg to start');
  const cancelled = await stack.admin.post(`/api/jobs/${job.id}/cancel`);
  expect(cancelled.body.state).toBe('cancelled');
  await waitUntil(() => toolsUnder(stack.app.proc.pid!).length === 0, 3_000, 'ffmpeg to exit');
  await waitUntil(() => !fs.existsSync(path.join(stack.app.dataDir, 'media.work', job.id)), 3_000, 'the work folder to go');
  expect(fs.existsSync(path.join(stack.app.dataDir, 'media', job.id))).toBe(false);
}, 120_000);

it('delete removes a finished job, its media and its listing', async () => {
  stack.server.setBytesPerSecond(undefined);
  const { body: job } = await stack.admin.post('/api/jobs', { url: stack.server.url('/clip.mp4'), format: '720p' });
  const done = await waitForState(stack.admin, job.id, ['completed'], 60_000);
  const mediaDir = path.join(stack.app.dataDir, 'media', job.id);
  expect(fs.existsSync(mediaDir)).toBe(true);
  // Another tab of the same user learns of it at once, without subscribing.
  const otherTab = await connectJobsSocket(stack.app.baseUrl, stack.admin.token);
  const removed = new Promise<{ id: string }>((resolve) => otherTab.once('jobRemoved', resolve));
  expect((await stack.admin.del(`/api/jobs/${job.id}`)).status).toBe(204);
  expect(await removed).toEqual({ id: job.id });
  otherTab.disconnect();
  expect((await stack.admin.get(`/api/jobs/${job.id}`)).status).toBe(404);
  expect((await stack.admin.get(done.result!.playlistUrl)).status).toBe(404);
  expect(fs.existsSync(mediaDir)).toBe(false);
  const list = (await stack.admin.get('/api/jobs?limit=100')).body.items as { id: string }[];
  expect(list.map((j) => j.id)).not.toContain(job.id);
}, 90_000);

it('delete of a running job stops it first', async () => {
  stack.server.setBytesPerSecond(150_000);
  const { body: job } = await stack.admin.post('/api/jobs', { url: stack.server.url(`/${longClip}`) });
  await downloadingWithProgress(job.id);
  expect((await stack.admin.del(`/api/jobs/${job.id}`)).status).toBe(204);
  await waitUntil(() => toolsUnder(stack.app.proc.pid!).length === 0, 3_000, 'yt-dlp to exit');
  expect((await stack.admin.get(`/api/jobs/${job.id}`)).status).toBe(404);
  await waitUntil(() => !fs.existsSync(path.join(stack.app.dataDir, 'media.work', job.id)), 3_000, 'the work folder to go');
}, 60_000);
