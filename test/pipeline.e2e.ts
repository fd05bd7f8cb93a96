// The pipeline end to end on the real tools: paste a link, watch it live, play the HLS.
import fs from 'node:fs';
import { get as httpGet } from 'node:http';
import path from 'node:path';
import { collectJobEvents, connectJobsSocket, readSse, subscribe } from './support/jobs';
import { PAGE_TITLE } from './support/media';
import { useStack } from './support/stack';
import { runOk } from './support/util';

const stack = useStack({ media: {}, app: true, socket: true });

/** Creates a job and follows it over socket.io from the ack to its final event. */
async function runJob(url: string, format?: string) {
  const created = await stack.admin.post('/api/jobs', { url, format });
  expect(created.status).toBe(201);
  const events = collectJobEvents(stack.socket, created.body.id, true, 90_000);
  const ack = await subscribe(stack.socket, created.body.id);
  expect(ack.ok).toBe(true);
  const live = await events;
  const timeline = [ack.job!, ...live].filter((e, i, all) => all.findIndex((x) => x.seq === e.seq) === i);
  return { created: created.body, ack: ack.job, timeline, final: timeline[timeline.length - 1] };
}

async function fetchMedia(p: string, headers: Record<string, string> = {}) {
  return fetch(`${stack.app.baseUrl}${p}`, { headers: { Authorization: `Bearer ${stack.admin.token}`, ...headers } });
}

describe('an H.264 mp4 link, format best', () => {
  let run: Awaited<ReturnType<typeof runJob>>;
  beforeAll(async () => {
    run = await runJob(stack.server.url('/clip.mp4'));
  }, 120_000);

  it('answers 201 with a queued snapshot at once', () => {
    expect(run.created).toMatchObject({ state: 'queued', url: stack.server.url('/clip.mp4'), format: 'best', seq: 1 });
    expect(run.created.progress.percent).toBe(0);
  });

  it('goes through every state in order, with seq growing and percent never going back', () => {
    const states = run.timeline.map((e) => e.state).filter((s, i, all) => s !== all[i - 1]);
    const order = ['queued', 'probing', 'downloading', 'transcoding', 'completed'];
    expect(order.slice(order.indexOf(states[0]))).toEqual(states);
    const seqs = run.timeline.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const percents = run.timeline.map((e) => e.progress.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(run.final.progress.percent).toBe(100);
  });

  it('reports download bytes and completes with a copied source rendition plus a smaller one', () => {
    const downloading = run.timeline.filter((e) => e.state === 'downloading' && e.progress.downloadedBytes);
    expect(downloading.length).toBeGreaterThan(0);
    expect(run.final.state).toBe('completed');
    expect(run.final.result!.videoCopied).toBe(true);
    expect(run.final.result!.renditions.map((r) => r.height)).toEqual([720, 360]);
    expect(run.final.result!.playlistUrl).toBe(`/media/${run.created.id}/master.m3u8`);
    expect(run.final.durationSec).toBeCloseTo(6, 0);
    expect(run.final.finishedAt).toBeTruthy();
  });

  it('serves the playlists, a range of a segment and the poster with the right types', async () => {
    const master = await fetchMedia(run.final.result!.playlistUrl);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const masterText = await master.text();
    const variant = masterText.split('\n').find((l) => l.endsWith('.m3u8'))!;
    const variantRes = await fetchMedia(`/media/${run.created.id}/${variant}`);
    const segment = (await variantRes.text()).split('\n').find((l) => l.endsWith('.ts'))!;
    const segPath = `/media/${run.created.id}/${path.posix.join(path.posix.dirname(variant), segment)}`;
    const ranged = await fetchMedia(segPath, { Range: 'bytes=0-187' });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-type')).toBe('video/mp2t');
    const bytes = new Uint8Array(await ranged.arrayBuffer());
    expect(bytes.length).toBe(188);
    expect(bytes[0]).toBe(0x47); // MPEG-TS sync byte
    const poster = await fetchMedia(run.final.result!.posterUrl!);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
  });

  it('serves nothing outside the job folder, however the path is spelled', async () => {
    // Sent as raw request lines: fetch() would normalise %2e%2e before the server saw it.
    for (const p of ['..%2f..%2fredis%2fredis.sock', '%2e%2e/%2e%2e/media.work', 'v0/..%2f..%2f..%2fredis', '.%2e/x', '%2e%2e%2f%2e%2e%2fmedia.work']) {
      const status = await new Promise<number>((resolve, reject) =>
        httpGet(
          { host: '127.0.0.1', port: stack.app.port, path: `/media/${run.created.id}/${p}`, headers: { Authorization: `Bearer ${stack.admin.token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        ).on('error', reject),
      );
      expect([p, status]).toEqual([p, 404]);
    }
  });

  it('does not follow a symlink out of the job folder', async () => {
    const link = path.join(stack.app.dataDir, 'media', run.created.id, 'escape.ts');
    fs.symlinkSync('/etc/hostname', link);
    try {
      expect((await fetchMedia(`/media/${run.created.id}/escape.ts`)).status).toBe(404);
    } finally {
      fs.unlinkSync(link);
    }
  });

  it('produces HLS that ffprobe reads as H.264 + AAC at the announced heights', async () => {
    const probe = await runOk('ffprobe', [
      '-v', 'error', '-headers', `Authorization: Bearer ${stack.admin.token}\r\n`, '-show_entries', 'stream=codec_name,height',
      '-of', 'json', `${stack.app.baseUrl}/media/${run.created.id}/v1/index.m3u8`,
    ]);
    const streams = JSON.parse(probe.stdout).streams as { codec_name: string; height?: number }[];
    expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(streams.find((s) => s.codec_name === 'h264')!.height).toBe(360);
  });

  it('gives a late subscriber the final snapshot in the ack', async () => {
    const late = await connectJobsSocket(stack.app.baseUrl, stack.admin.token);
    try {
      const ack = await subscribe(late, run.created.id);
      expect(ack).toMatchObject({ ok: true, job: { state: 'completed', seq: run.final.seq } });
    } finally {
      late.disconnect();
    }
  });

  it('replays a finished job over SSE as one snapshot and ends the stream', async () => {
    const frames = await readSse(stack.app.baseUrl, `/api/jobs/${run.created.id}/events`, stack.admin.token, 10_000);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ id: run.created.id, state: 'completed' });
  });
});

it('streams a running job over SSE from its current state to the end', async () => {
  const created = await stack.admin.post('/api/jobs', { url: stack.server.url('/clip.webm'), format: '480p' });
  const frames = await readSse(stack.app.baseUrl, `/api/jobs/${created.body.id}/events`, stack.admin.token, 90_000);
  const states = frames.map((f) => f.state);
  expect(states[states.length - 1]).toBe('completed');
  expect(states).toContain('transcoding');
  const seqs = frames.map((f) => f.seq);
  expect(new Set(seqs).size).toBe(seqs.length);
  // VP9 is never copied into TS: it is encoded to H.264, at the source's 360p under the 480p cap.
  expect(frames[frames.length - 1].result).toMatchObject({ videoCopied: false, renditions: [{ height: 360 }] });
}, 120_000);

it('downloads an HLS source', async () => {
  const { final } = await runJob(stack.server.url('/hls/index.m3u8'), '720p');
  expect(final.state).toBe('completed');
  expect(final.result!.renditions).toHaveLength(1);
}, 120_000);

it('finds the <video> in a web page and takes its title', async () => {
  const { final } = await runJob(stack.server.url('/page.html'));
  expect(final.state).toBe('completed');
  expect(final.title).toContain(PAGE_TITLE);
}, 120_000);

it('makes an audio-only stream for format audio', async () => {
  const { final } = await runJob(stack.server.url('/clip.mp4'), 'audio');
  expect(final.state).toBe('completed');
  expect(final.result!.posterUrl).toBeNull();
  expect(final.result!.videoCopied).toBe(false);
  const master = await (await fetchMedia(final.result!.playlistUrl)).text();
  expect(master).toContain('mp4a.40.2');
  expect(master).not.toContain('avc1');
}, 120_000);

describe('failures end the job with a code and a sentence, and the service keeps going', () => {
  beforeAll(() => {
    // A playlist saved as a "video" that points ffmpeg at a file on the server.
    fs.writeFileSync(path.join(stack.mediaDir, 'sneaky.mp4'), '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nfile:///etc/hostname\n#EXT-X-ENDLIST\n');
  });

  it.each([
    ['a playlist pointing at local files, disguised as mp4', '/sneaky.mp4', 'not_video', /not a video/i],
    ['a 404 link', '/missing.mp4', 'source_not_found', /404/],
    ['a page with no video', '/empty.html', 'unsupported_url', /./],
    ['a file that is not video', '/fake.mp4', 'not_video', /not a video/i],
  ])('%s', async (_, file, code, sentence) => {
    const { final } = await runJob(stack.server.url(file));
    expect(final.state).toBe('failed');
    expect(final.error!.code).toBe(code);
    expect(final.error!.message).toMatch(sentence);
    expect(final.error!.message).not.toMatch(/Traceback|ERROR:|\n/);
    expect(final.result).toBeUndefined();
    const health = await stack.admin.get('/api/health');
    expect(health.status).toBe(200);
  }, 60_000);
});

describe('bad requests are refused before anything is queued', () => {
  it.each([
    [{ url: 'not a url' }, 'invalid_url'],
    [{ url: 'ftp://127.0.0.1/x.mp4' }, 'invalid_url'],
    [{ url: '--exec=touch /tmp/pwned' }, 'invalid_url'],
    [{}, 'invalid_request'],
    [{ url: 'http://127.0.0.1/x.mp4', format: '4k' }, 'invalid_request'],
  ])('%j → 400 %s', async (body, code) => {
    const before = (await stack.admin.get('/api/jobs?limit=100')).body.items.length;
    const res = await stack.admin.post('/api/jobs', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code });
    expect(res.body.message).toMatch(/\w+ \w+/);
    expect((await stack.admin.get('/api/jobs?limit=100')).body.items.length).toBe(before);
  });
});

it('lists own jobs newest first with cursor paging', async () => {
  const all = (await stack.admin.get('/api/jobs?limit=100')).body.items as { id: string; createdAt: string }[];
  expect(all.length).toBeGreaterThanOrEqual(4);
  const created = all.map((j) => j.createdAt);
  expect(created).toEqual([...created].sort().reverse());
  const first = await stack.admin.get('/api/jobs?limit=2');
  expect(first.body.items).toHaveLength(2);
  expect(first.body.nextCursor).toBeTruthy();
  const second = await stack.admin.get(`/api/jobs?limit=2&cursor=${first.body.nextCursor}`);
  expect([...first.body.items, ...second.body.items].map((j: { id: string }) => j.id)).toEqual(all.slice(0, 4).map((j) => j.id));
  // An empty filter, as a form sends it, is no filter.
  expect((await stack.admin.get('/api/jobs?state=&limit=100')).body.items.length).toBe(all.length);
  const failed = await stack.admin.get('/api/jobs?state=failed&limit=100');
  expect(failed.body.items.length).toBeGreaterThanOrEqual(3);
  expect(failed.body.items.every((j: { state: string }) => j.state === 'failed')).toBe(true);
});

it('reports Redis, ffmpeg and yt-dlp as usable', async () => {
  const res = await stack.admin.get('/api/health');
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('ok');
  expect(Object.keys(res.body.details)).toEqual(expect.arrayContaining(['redis', 'ffmpeg', 'ytdlp', 'disk']));
});
