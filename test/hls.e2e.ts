// HLS by the book (DESIGN §2.3), as a third party reads it: every playlist real jobs write — the
// master, each variant, each subtitle rendition, and the growing preview fetched while it grows — is
// parsed by hls-parser in strict mode, and each #EXT-X-STREAM-INF is held to what its segments are.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { JobFormat, JobSnapshot } from '../src/jobs/job.types';
import {
  AAC_OBJECT_TYPE,
  codecsInSegment,
  H264_PROFILE_IDC,
  type MasterPlaylist,
  type MediaPlaylist,
  parseStrict,
  playlistsUnder,
  probeSegment,
  segmentsOnDisk,
} from './support/hls';
import { isFinal, waitForState } from './support/jobs';
import { useStack } from './support/stack';
import { runOk, sleep } from './support/util';

const EN_VTT = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello there\n\n00:00:02.000 --> 00:00:03.500\nSecond line\n';
const ZH_VTT = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n你好，世界\n\n00:00:02.000 --> 00:00:03.500\n第二行字幕\n';
const SUBS_PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><title>Two tracks</title></head><body><video controls src="clip.mp4">' +
  '<track kind="subtitles" srclang="en" label="English" src="en.vtt"><track kind="subtitles" srclang="zh" label="中文" src="zh.vtt">' +
  '</video></body></html>';
/** Long enough that the 720p + 360p encode takes a while: the preview is seen growing. */
const PREVIEW_SECONDS = 20;

const stack = useStack({
  media: {
    prepare: (dir) =>
      Promise.all([
        fsp.writeFile(path.join(dir, 'en.vtt'), EN_VTT),
        fsp.writeFile(path.join(dir, 'zh.vtt'), ZH_VTT),
        fsp.writeFile(path.join(dir, 'subs.html'), SUBS_PAGE),
        // 720p VP9 + Opus: never copied, so both rungs are encoded.
        runOk('ffmpeg', [
          '-hide_banner', '-nostdin', '-v', 'error', '-y',
          '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=25:duration=${PREVIEW_SECONDS}`,
          '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${PREVIEW_SECONDS}`,
          '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M', '-g', '50',
          '-c:a', 'libopus', '-b:a', '64k', path.join(dir, 'long.webm'),
        ], { timeoutMs: 60_000 }),
      ]),
  },
  app: true,
});

async function submit(file: string, format: JobFormat): Promise<string> {
  const created = await stack.admin.post('/api/jobs', { url: stack.server.url(`/${file}`), format });
  expect(created.status).toBe(201);
  return created.body.id;
}

const jobFolder = (id: string) => path.join(stack.app.dataDir, 'media', id);

interface Published {
  job: JobSnapshot;
  /** Every .m3u8 of the job's media folder, by its path there, as hls-parser (strict) read it. */
  playlists: Map<string, MasterPlaylist | MediaPlaylist>;
  master: MasterPlaylist;
}

/** Parses every playlist of a completed job's folder in strict mode (a refusal fails here, naming it). */
async function published(job: JobSnapshot): Promise<Published> {
  expect(job.state).toBe('completed');
  const dir = jobFolder(job.id);
  const playlists = new Map<string, MasterPlaylist | MediaPlaylist>();
  for (const file of await playlistsUnder(dir)) {
    playlists.set(file, parseStrict(await fsp.readFile(path.join(dir, file), 'utf8'), `${job.id}/${file}`));
  }
  const master = playlists.get('master.m3u8');
  if (!master?.isMasterPlaylist) throw new Error(`no master playlist in ${[...playlists.keys()].join(', ')}`);
  return { job, playlists, master };
}

const media = (p: Published, uri: string): MediaPlaylist => {
  const playlist = p.playlists.get(uri);
  if (!playlist || playlist.isMasterPlaylist) throw new Error(`${uri} is not a media playlist of the job`);
  return playlist;
};

/** bits/s of the whole playlist, and the fastest and slowest single segments (bounds for the peak). */
async function ratesOf(p: Published, uri: string) {
  const segments = await segmentsOnDisk(path.join(jobFolder(p.job.id), uri), media(p, uri));
  const rates = segments.map((s) => (s.bytes * 8) / s.durationSec);
  const seconds = segments.reduce((sum, s) => sum + s.durationSec, 0);
  const target = media(p, uri).targetDuration;
  return {
    segments,
    average: segments.reduce((sum, s) => sum + s.bytes * 8, 0) / seconds,
    // RFC 8216 §4.1: any one segment of at least half the target duration is a run the peak covers…
    lowestPeak: Math.max(0, ...segments.filter((s) => s.durationSec >= 0.5 * target).map((s) => (s.bytes * 8) / s.durationSec)),
    // …and no run of segments is faster than its fastest segment.
    highestPeak: Math.max(...rates),
  };
}

/** The contract, for every variant of a finished job: attributes, codecs as the segments say, bit rates as they weigh. */
async function expectByTheBook(p: Published, kind: 'video' | 'audio'): Promise<void> {
  const { master, job } = p;
  expect(master.independentSegments).toBe(true);
  expect(master.variants.length).toBeGreaterThan(0);
  const subtitleUris = master.variants.flatMap((v) => v.subtitles.map((s) => s.uri!));
  const subtitleRates = await Promise.all([...new Set(subtitleUris)].map((uri) => ratesOf(p, uri)));
  for (const variant of master.variants) {
    const where = `${job.id}/master.m3u8 → ${variant.uri}`;
    expect([where, variant.codecs]).toEqual([where, expect.stringMatching(/\S/)]);
    expect(Number.isInteger(variant.bandwidth) && variant.bandwidth > 0).toBe(true);
    expect(Number.isInteger(variant.averageBandwidth) && variant.averageBandwidth! > 0).toBe(true);
    expect(variant.averageBandwidth!).toBeLessThanOrEqual(variant.bandwidth);

    const rates = await ratesOf(p, variant.uri);
    const subtitleAverage = Math.max(0, ...subtitleRates.map((r) => r.average));
    const subtitlePeak = Math.max(0, ...subtitleRates.map((r) => r.highestPeak));
    expect(Math.abs(variant.averageBandwidth! - (rates.average + subtitleAverage))).toBeLessThanOrEqual(2);
    expect(variant.bandwidth).toBeGreaterThanOrEqual(Math.floor(rates.lowestPeak));
    expect(variant.bandwidth).toBeLessThanOrEqual(Math.ceil(rates.highestPeak + subtitlePeak) + 1);

    // CODECS as the segments carry them (the first and the last), read from their bytes and by ffprobe.
    const declared = variant.codecs!.split(',');
    for (const segment of new Set([rates.segments[0], rates.segments.at(-1)!])) {
      const [bytes, probe] = await Promise.all([codecsInSegment(segment.path), probeSegment(segment.path)]);
      expect([segment.path, declared]).toEqual([segment.path, [bytes.video, bytes.audio].filter((c): c is string => c !== null)]);
      if (probe.video) {
        const video = declared.find((c) => c.startsWith('avc1.'))!;
        expect(probe.video.codec).toBe('h264');
        expect(parseInt(video.slice(5, 7), 16)).toBe(H264_PROFILE_IDC[probe.video.profile]);
        expect(parseInt(video.slice(9, 11), 16)).toBe(probe.video.level);
        if (probe.video.profile === 'Constrained Baseline') expect(parseInt(video.slice(7, 9), 16) & 0x40).toBe(0x40);
        expect(variant.resolution).toEqual({ width: probe.video.width, height: probe.video.height });
        expect(variant.frameRate).toBeCloseTo(probe.video.frameRate, 3);
      }
      if (probe.audio) {
        expect(probe.audio.codec).toBe('aac');
        expect(declared).toContain(`mp4a.40.${AAC_OBJECT_TYPE[probe.audio.profile]}`);
      }
      expect(kind === 'video').toBe(probe.video !== null);
    }
    if (kind === 'audio') {
      expect(variant.resolution).toBeUndefined();
      expect(variant.frameRate).toBeUndefined();
    }
  }
  // Final media playlists: VOD and ended. Nothing else lies in the folder (no run masters left behind).
  const referenced = new Set(['master.m3u8', ...master.variants.map((v) => v.uri), ...subtitleUris]);
  expect([...p.playlists.keys()].sort()).toEqual([...referenced].sort());
  for (const uri of referenced) {
    if (uri === 'master.m3u8') continue;
    expect([uri, media(p, uri).playlistType, media(p, uri).endlist]).toEqual([uri, 'VOD', true]);
  }
  // The job tells the same: codecs known for every rendition, copied or not.
  expect(job.result!.renditions).toEqual(
    master.variants.map((v) => ({ height: v.resolution?.height ?? null, width: v.resolution?.width ?? null, bandwidth: v.bandwidth, codecs: v.codecs })),
  );
}

describe('finished jobs', () => {
  const jobs: Record<string, Published> = {};

  beforeAll(async () => {
    const ids = {
      copyOnly: await submit('clip.mp4', '720p'),
      copyAndEncode: await submit('clip.mp4', 'best'),
      vp9: await submit('clip.webm', 'best'),
      audioCopied: await submit('clip.mp4', 'audio'),
      audioEncoded: await submit('clip.webm', 'audio'),
      subtitles: await submit('subs.html', '720p'),
    };
    for (const [name, id] of Object.entries(ids)) jobs[name] = await published(await waitForState(stack.admin, id, ['completed'], 150_000));
  }, 200_000);

  it('copy only (H.264 720p, format 720p): CODECS from the source profile and level, where ffmpeg wrote none', async () => {
    const p = jobs.copyOnly;
    expect(p.job.result!.videoCopied).toBe(true);
    // The suites' clips are x264 ultrafast: Constrained Baseline, level 3.1.
    expect(p.master.variants.map((v) => v.codecs)).toEqual(['avc1.42c01f,mp4a.40.2']);
    await expectByTheBook(p, 'video');
  });

  it('copy and encode (best on 720p): the copied rung and the x264 rung below it', async () => {
    const p = jobs.copyAndEncode;
    expect(p.master.variants.map((v) => v.resolution?.height)).toEqual([720, 360]);
    expect(p.master.variants[1].codecs).toMatch(/^avc1\.64[0-9a-f]{4},mp4a\.40\.2$/);
    await expectByTheBook(p, 'video');
  });

  it('encode only (VP9 + Opus): H.264 and AAC-LC declared', async () => {
    const p = jobs.vp9;
    expect(p.job.result!.videoCopied).toBe(false);
    await expectByTheBook(p, 'video');
  });

  it('audio only, AAC copied and Opus encoded: CODECS with no RESOLUTION or FRAME-RATE', async () => {
    for (const p of [jobs.audioCopied, jobs.audioEncoded]) {
      expect(p.master.variants.map((v) => v.codecs)).toEqual(['mp4a.40.2']);
      await expectByTheBook(p, 'audio');
    }
  });

  it('subtitles: the renditions and their WebVTT playlists parse, and every variant refers to them', async () => {
    const p = jobs.subtitles;
    for (const variant of p.master.variants) {
      expect(variant.subtitles.map((s) => [s.language, s.uri])).toEqual([['en', 'subs/en.m3u8'], ['zh', 'subs/zh.m3u8']]);
    }
    expect(media(p, 'subs/zh.m3u8').segments.map((s) => s.uri)).toEqual(['zh.vtt']);
    await expectByTheBook(p, 'video');
  });
});

describe('the preview while it transcodes', () => {
  const fetched: Array<{ state: string; text: string }> = [];
  let final: Published;

  beforeAll(async () => {
    const id = await submit('long.webm', 'best');
    // Polled as a player would: the preview playlist again and again while the job converts.
    const deadline = Date.now() + 150_000;
    let job = (await stack.admin.get(`/api/jobs/${id}`)).body;
    while (!isFinal(job.state) && Date.now() < deadline) {
      if (job.preview?.playlistUrl) {
        const res = await fetch(`${stack.app.baseUrl}${job.preview.playlistUrl}`, { headers: { Authorization: `Bearer ${stack.admin.token}` } });
        if (res.status === 200) fetched.push({ state: job.state, text: await res.text() });
      }
      await sleep(200);
      job = (await stack.admin.get(`/api/jobs/${id}`)).body;
    }
    final = await published(await waitForState(stack.admin, id, ['completed'], 10_000));
  }, 200_000);

  it('is fetched while growing, and every fetch parses in strict mode as a live EVENT playlist', () => {
    const parsed = fetched.map((f, i) => parseStrict(f.text, `preview fetch ${i}`) as MediaPlaylist);
    expect(parsed.every((p) => !p.isMasterPlaylist)).toBe(true);
    const growing = parsed.filter((p) => p.playlistType === 'EVENT' && !p.endlist);
    expect(growing.length).toBeGreaterThanOrEqual(2);
    for (const p of growing) {
      expect(p.independentSegments).toBe(true);
      expect(p.segments.length).toBeGreaterThan(0);
      for (const s of p.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(p.targetDuration);
    }
    // It only grows: a later fetch lists at least the segments of an earlier one, in the same order.
    const uris = parsed.map((p) => p.segments.map((s) => s.uri));
    for (let i = 1; i < uris.length; i++) expect(uris[i].slice(0, uris[i - 1].length)).toEqual(uris[i - 1]);
    expect(uris.at(-1)!.length).toBeGreaterThan(uris[0].length);
  });

  it('ends as a finished ladder (720p and 360p encoded) that is by the book, its preview variant now VOD', async () => {
    expect(final.master.variants.map((v) => v.resolution?.height)).toEqual([720, 360]);
    await expectByTheBook(final, 'video');
  });
});
