// Formats that need no re-encode, on the real app and tools: a DASH source offering one height in VP9
// and H.264 ends copied; `best` still means the tallest video; a site's 429 reads as rate_limited.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { waitForState } from './support/jobs';
import { useStack } from './support/stack';
import { runOk } from './support/util';

interface Rung {
  codec: 'h264' | 'vp9';
  height: number;
}

const FF = ['-hide_banner', '-nostdin', '-v', 'error', '-y'];
const SECONDS = 2;

/**
 * A DASH manifest (`<dir>/manifest.mpd`) with one video representation per rung and one AAC track,
 * made from one 16:9 testsrc2 source, as NOTES.md describes (VP9 rungs land in WebM segments).
 */
async function makeDash(dir: string, rungs: Rung[]): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const top = Math.max(...rungs.map((r) => r.height));
  const args = [
    ...FF,
    '-f', 'lavfi', '-i', `testsrc2=size=${(top * 16) / 9}x${top}:rate=10:duration=${SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
    ...rungs.flatMap(() => ['-map', '0:v']), '-map', '1:a',
  ];
  rungs.forEach((rung, i) => {
    if (rung.height !== top) args.push(`-filter:v:${i}`, `scale=-2:${rung.height}`);
    if (rung.codec === 'vp9') {
      args.push(`-c:v:${i}`, 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', `-b:v:${i}`, '800k');
    } else {
      args.push(`-c:v:${i}`, 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', `-b:v:${i}`, '600k');
    }
  });
  args.push(
    '-g', '20', '-keyint_min', '20', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2',
    '-adaptation_sets', 'id=0,streams=v id=1,streams=a', '-seg_duration', '2',
    '-f', 'dash', path.join(dir, 'manifest.mpd'),
  );
  await runOk('ffmpeg', args, { timeoutMs: 60_000 });
  return path.join(dir, 'manifest.mpd');
}

const stack = useStack({
  media: {
    standard: false,
    prepare: (dir) => Promise.all([
      makeDash(path.join(dir, 'two-codecs'), [
        { codec: 'h264', height: 480 },
        { codec: 'vp9', height: 720 },
        { codec: 'h264', height: 720 },
      ]),
      makeDash(path.join(dir, 'vp9-1080'), [
        { codec: 'vp9', height: 1080 },
        { codec: 'h264', height: 720 },
      ]),
    ]),
  },
  app: true,
});

async function finished(url: string, format?: string) {
  const created = await stack.admin.post('/api/jobs', { url, format });
  expect(created.status).toBe(201);
  return waitForState(stack.admin, created.body.id, ['completed', 'failed'], 90_000);
}

it('the manifest really offers 720p in both VP9 and H.264', async () => {
  const mpd = await fsp.readFile(path.join(stack.mediaDir, 'two-codecs', 'manifest.mpd'), 'utf8');
  const at720 = [...mpd.matchAll(/codecs="([^"]+)"[^>]*height="720"/g)].map((m) => m[1].slice(0, 4)).sort();
  expect(at720).toEqual(['avc1', 'vp09']);
});

it('best on a source with 720p in VP9 and H.264 completes by copying the H.264, 720p on top', async () => {
  const job = await finished(stack.server.url('/two-codecs/manifest.mpd'));
  expect(job.error ?? null).toBeNull();
  expect(job.state).toBe('completed');
  expect(job.result!.videoCopied).toBe(true);
  const heights = job.result!.renditions.map((r) => r.height!);
  expect(heights[0]).toBe(720);
  expect(Math.max(...heights)).toBe(720);
}, 120_000);

it('720p on the same source is one copied rendition', async () => {
  const job = await finished(stack.server.url('/two-codecs/manifest.mpd'), '720p');
  expect(job.state).toBe('completed');
  expect(job.result!.videoCopied).toBe(true);
  expect(job.result!.renditions.map((r) => r.height!)).toEqual([720]);
}, 120_000);

it('best on a source with 1080p VP9 and 720p H.264 still gives 1080p, encoded', async () => {
  const job = await finished(stack.server.url('/vp9-1080/manifest.mpd'));
  expect(job.state).toBe('completed');
  expect(job.result!.videoCopied).toBe(false);
  expect(job.result!.renditions[0].height).toBe(1080);
}, 120_000);

it('a site that answers 429 fails the job with rate_limited and a sentence saying to try later', async () => {
  const job = await finished(stack.server.url('/status/429'));
  expect(job.state).toBe('failed');
  expect(job.error).toMatchObject({
    code: 'rate_limited',
    message: 'The server answered 429 Too Many Requests for this link: it is limiting requests from this server. Try again later.',
  });
}, 60_000);
