// Watching sooner on the real tools: a VP9 source long enough to need a while to convert is
// playable (as a growing EVENT playlist) before it is done, to its owner only; then the final VOD.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './support/api';
import { launchChromium, logInByLabel, newPage } from './support/browser';
import { collectJobEvents, subscribe } from './support/jobs';
import { useStack } from './support/stack';
import { runOk } from './support/util';

const SOURCE_SECONDS = 20;
let ytdlpLog: string;

/** The yt-dlp starts whose argv names `url` (never the version checks). */
const startsFor = async (url: string) =>
  (await fs.readFile(ytdlpLog, 'utf8').catch(() => '')).split('\n').filter((l) => l.endsWith(` -- ${url}`));

const stack = useStack({
  media: {
    standard: false,
    prepare: async (dir) => {
      // 720p VP9 + Opus: needs a full encode (never copied into TS), so the ladder takes a while.
      const made = runOk('ffmpeg', [
        '-hide_banner', '-nostdin', '-v', 'error', '-y',
        '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=25:duration=${SOURCE_SECONDS}`,
        '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SOURCE_SECONDS}`,
        '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M', '-g', '50',
        '-c:a', 'libopus', '-b:a', '64k', path.join(dir, 'long.webm'),
      ], { timeoutMs: 60_000 });
      const short = runOk('ffmpeg', [
        '-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=2',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path.join(dir, 'short.mp4'),
      ]);
      await fs.writeFile(path.join(dir, 'page.html'), '<!doctype html><title>One clip</title><video src="short.mp4"></video>');
      // The real yt-dlp, each start logged with its argv: how many runs a job took.
      const ytdlp = (await runOk('sh', ['-c', 'command -v yt-dlp'])).stdout.trim();
      ytdlpLog = path.join(dir, 'yt-dlp-starts.log');
      await fs.writeFile(path.join(dir, 'yt-dlp'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${ytdlpLog}'\nexec '${ytdlp}' "$@"\n`, { mode: 0o755 });
      await Promise.all([made, short]);
    },
  },
  // Short segments: the first one exists after 2 s of output.
  app: { env: (s) => ({ HLS_SEGMENT_SECONDS: '2', YTDLP_PATH: path.join(s.mediaDir, 'yt-dlp') }) },
  users: ['peeker'],
  socket: true,
});
const owner = stack.admin;
const stranger = stack.as('peeker');

const fetchAs = (token: string, url: string) => fetch(`${stack.app.baseUrl}${url}`, { headers: { Authorization: `Bearer ${token}` } });

interface PreviewSeen {
  stateAtEvent: string;
  playlistUrl: string;
  status: number;
  playlist: string;
  cacheControl: string | null;
  segmentProbe: string;
  strangerStatus: number;
  jobStateAfterFetch: string;
}

describe('a 720p VP9 source that takes a while to convert', () => {
  let seen: PreviewSeen | null = null;
  let final: any;
  let timeline: any[];

  beforeAll(async () => {
    const created = await owner.post('/api/jobs', { url: stack.server.url('/long.webm') });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    let checking: Promise<void> | null = null;
    // Fetched the moment the event arrives, while ffmpeg is still writing.
    const onJob = (job: any) => {
      if (job.id !== id || !job.preview?.playlistUrl || checking) return;
      checking = (async () => {
        const url = job.preview.playlistUrl as string;
        const res = await fetchAs(owner.token, url);
        const playlist = await res.text();
        const firstSegment = playlist.split('\n').find((l) => l.endsWith('.ts'))!;
        const segUrl = url.replace(/[^/]+$/, firstSegment);
        const seg = Buffer.from(await (await fetchAs(owner.token, segUrl)).arrayBuffer());
        const segFile = path.join(stack.mediaDir, 'first-preview-segment.ts');
        await fs.writeFile(segFile, seg);
        const probe = await runOk('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,height', '-of', 'csv=p=0', segFile]);
        const strangerStatus = (await fetchAs(stranger.token, url)).status;
        const now = await owner.get(`/api/jobs/${id}`);
        seen = {
          stateAtEvent: job.state,
          playlistUrl: url,
          status: res.status,
          playlist,
          cacheControl: res.headers.get('cache-control'),
          segmentProbe: probe.stdout,
          strangerStatus,
          jobStateAfterFetch: now.body.state,
        };
      })();
    };
    stack.socket.on('job', onJob);
    const events = collectJobEvents(stack.socket, id, true, 150_000);
    await subscribe(stack.socket, id);
    timeline = await events;
    stack.socket.off('job', onJob);
    await checking;
    final = timeline[timeline.length - 1];
  }, 180_000);

  it('carries a preview playlist URL on a transcoding event, before the job completes', () => {
    expect(seen).not.toBeNull();
    expect(seen!.stateAtEvent).toBe('transcoding');
    expect(seen!.playlistUrl).toMatch(/^\/media\/[^/]+\/preview\/v\d+\/index\.m3u8$/);
    // No preview before the transcode: the queued…downloading events carry none.
    const early = timeline.filter((e) => e.state !== 'transcoding' && e.state !== 'completed');
    expect(early.every((e) => !e.preview)).toBe(true);
  });

  it('serves the owner a growing EVENT playlist (never cached) whose segments ffprobe reads as H.264 + AAC', () => {
    expect(seen!.status).toBe(200);
    expect(seen!.playlist).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(seen!.playlist).toMatch(/#EXTINF:[\d.]+,\nseg_00000\.ts/);
    expect(seen!.cacheControl).toContain('no-cache');
    expect(seen!.segmentProbe).toMatch(/h264,video,720/);
    expect(seen!.segmentProbe).toMatch(/aac,audio/);
  });

  it('answers another user 404, exactly like a job that does not exist', () => {
    expect(seen!.strangerStatus).toBe(404);
  });

  it('was fetched while the job was still converting (a real preview, not the finished result)', () => {
    expect(seen!.jobStateAfterFetch).toBe('transcoding');
  });

  it('completes with a final VOD master (every rung, aligned segment counts) and the preview gone', async () => {
    expect(final.state).toBe('completed');
    expect(final.preview ?? null).toBeNull();
    const master = await (await fetchAs(owner.token, final.result.playlistUrl)).text();
    expect(final.result.renditions.map((r: { height: number }) => r.height)).toEqual([720, 360]);
    const variants = master.split('\n').filter((l) => l.endsWith('.m3u8'));
    expect(variants).toEqual(['v0/index.m3u8', 'v1/index.m3u8']);
    const base = final.result.playlistUrl.replace(/[^/]+$/, '');
    const media = await Promise.all(variants.map(async (v) => (await fetchAs(owner.token, base + v)).text()));
    for (const text of media) {
      expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(text).toContain('#EXT-X-ENDLIST');
    }
    // Same keyframe rule in both runs: both rungs cut the same segments (ABR switching lines up).
    const durations = media.map((t) => t.split('\n').filter((l) => l.startsWith('#EXTINF')));
    expect(durations[0].length).toBeGreaterThanOrEqual(SOURCE_SECONDS / 2);
    expect(durations[1]).toEqual(durations[0]);
    expect((await fetchAs(owner.token, seen!.playlistUrl)).status).toBe(404);
    expect(final.result.posterUrl).toMatch(/poster\.jpg$/);
    expect((await fetchAs(owner.token, final.result.posterUrl)).status).toBe(200);
  });

  it('took one yt-dlp run for probe and download (a plain file cannot be a playlist)', async () => {
    const starts = await startsFor(stack.server.url('/long.webm'));
    expect(starts).toHaveLength(1);
    expect(starts[0]).toContain('--no-simulate');
  });
});

describe('the job page while it converts', () => {
  it('plays the preview with a "still converting" note, then the final playlist without a reload', async () => {
    const browser = await launchChromium();
    try {
      const page = await newPage(browser, stack.app.baseUrl);
      await page.goto('/');
      await logInByLabel(page, ADMIN_USERNAME, ADMIN_PASSWORD);
      const created = await owner.post('/api/jobs', { url: stack.server.url('/long.webm') });
      await page.goto(`/jobs/${created.body.id}`);
      const note = page.getByTestId('preview-note');
      await note.waitFor({ timeout: 90_000 });
      expect(await page.getByTestId('job-page').getAttribute('data-state')).toBe('transcoding');
      // A function, not a string: the page's CSP forbids eval. Typed loosely: the tests have no DOM types.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const currentTime = () => ((globalThis as any).document.querySelector('[data-testid="player"]')?.currentTime ?? 0) as number;
      const playedPast = (t: number) =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        page.waitForFunction((min) => ((globalThis as any).document.querySelector('[data-testid="player"]')?.currentTime ?? 0) > min, t, { timeout: 30_000 });
      await playedPast(1);
      const before = await page.evaluate(currentTime);
      await page.getByTestId('job-page').and(page.locator('[data-state="completed"]')).waitFor({ timeout: 120_000 });
      await note.waitFor({ state: 'detached' });
      // Same page, same element: the final playlist plays on past where the preview had got to
      // (it reloads its media, so currentTime reads 0 for a moment before it resumes there).
      await playedPast(before + 0.5);
    } finally {
      await browser.close();
    }
  }, 240_000);
});

describe('a page (it may be a playlist)', () => {
  it('is listed first, then downloaded: two runs, and it still completes with the page title', async () => {
    const url = stack.server.url('/page.html');
    const created = await owner.post('/api/jobs', { url });
    const events = collectJobEvents(stack.socket, created.body.id, true, 90_000);
    await subscribe(stack.socket, created.body.id);
    const done = (await events).pop();
    expect(done).toMatchObject({ state: 'completed', title: 'One clip' });
    const starts = await startsFor(url);
    expect(starts).toHaveLength(2);
    expect(starts[0]).toMatch(/^-J --flat-playlist /);
  }, 120_000);
});
