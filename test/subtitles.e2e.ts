// Subtitles the source offers become HLS subtitle renditions: a page whose <video> carries
// <track kind="subtitles"> files, downloaded by real yt-dlp and converted by real ffmpeg.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { ApiHelpers } from './support/api';
import { REPO_ROOT } from './support/app';
import { waitForState } from './support/jobs';
import { useStack } from './support/stack';
import { runOk } from './support/util';

const EN_VTT = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello there\n\n00:00:02.000 --> 00:00:03.500\nSecond line\n';
const ZH_VTT = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n你好，世界\n\n00:00:02.000 --> 00:00:03.500\n第二行字幕\n';
// What ffmpeg writes as TTML (a format yt-dlp fetches but ffmpeg 5.1 cannot read back).
const TTML = '<?xml version="1.0" encoding="utf-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="00:00:00.500" end="00:00:02.000">こんにちは</p></div></body></tt>\n';

const page = (title: string, tracks: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><video controls src="clip.mp4">${tracks}</video></body></html>`;

// Runs in the page: hls.js lists the subtitle renditions, then the Chinese one is chosen and its cues read.
const PLAYER_SCRIPT = `(async () => {
  const video = document.getElementById('v');
  const hls = new Hls({ subtitleDisplay: true });
  const tracks = await new Promise((resolve, reject) => {
    hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, (_, d) => resolve(d.subtitleTracks.map((t) => t.name + '|' + t.lang)));
    hls.on(Hls.Events.ERROR, (_, d) => d.fatal && reject(new Error(d.details)));
    hls.loadSource(SRC);
    hls.attachMedia(video);
  });
  hls.subtitleTrack = tracks.indexOf('Chinese|zh');
  await video.play();
  const cues = await new Promise((resolve, reject) => {
    const started = Date.now();
    const look = () => {
      const track = [...video.textTracks].find((t) => t.language === 'zh' && t.cues && t.cues.length >= 2);
      if (track) return resolve([...track.cues].map((c) => [c.startTime, c.endTime, c.text]));
      if (Date.now() - started > 15000) return reject(new Error('no cues'));
      setTimeout(look, 100);
    };
    look();
  });
  return { tracks, cues };
})()`;

const stack = useStack({
  media: {
    prepare: async (dir) => {
      const w = (name: string, text: string) => fsp.writeFile(path.join(dir, name), text);
      await Promise.all([
        w('en.vtt', EN_VTT),
        w('zh.vtt', ZH_VTT),
        w('ja.ttml', TTML),
        w('two.html', page('Two tracks', '<track kind="subtitles" srclang="en" label="English" src="en.vtt"><track kind="subtitles" srclang="zh" label="中文" src="zh.vtt">')),
        w('broken.html', page('Broken tracks', '<track kind="subtitles" srclang="en" src="en.vtt"><track kind="subtitles" srclang="zh" src="missing.vtt"><track kind="subtitles" srclang="ja" src="ja.ttml">')),
      ]);
    },
  },
  app: true,
  users: ['subowner', 'subother'],
});
const owner = stack.as('subowner');
const other = stack.as('subother');

async function text(helpers: ApiHelpers, p: string) {
  const res = await helpers.request('GET', p, undefined, { Accept: '*/*' });
  return { status: res.status, type: res.headers.get('content-type'), body: String(res.body) };
}

describe('a page with English and Chinese tracks', () => {
  let job: { id: string; message: string; result: { subtitles: { lang: string; name: string; url: string }[]; playlistUrl: string } };

  beforeAll(async () => {
    const created = await owner.post('/api/jobs', { url: stack.server.url('two.html'), format: '720p' });
    job = (await waitForState(owner, created.body.id, ['completed'], 60_000)) as typeof job;
  }, 90_000);

  it('lists both tracks in result.subtitles', () => {
    expect(job.result.subtitles).toEqual([
      { lang: 'en', name: 'English', url: `/media/${job.id}/subs/en.vtt` },
      { lang: 'zh', name: 'Chinese', url: `/media/${job.id}/subs/zh.vtt` },
    ]);
    expect(job.message).toBe('Ready to play');
  });

  it('adds them to master.m3u8 as SUBTITLES renditions that every variant refers to', async () => {
    const master = (await text(owner, job.result.playlistUrl)).body;
    const media = master.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'));
    expect(media).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/en.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Chinese",LANGUAGE="zh",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/zh.m3u8"',
    ]);
    const variants = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) expect(v).toMatch(/,SUBTITLES="subs"$/);
    const playlist = await text(owner, `/media/${job.id}/subs/zh.m3u8`);
    expect(playlist.type).toBe('application/vnd.apple.mpegurl');
    expect(playlist.body).toMatch(/#EXTINF:6\.\d{3},\nzh\.vtt\n#EXT-X-ENDLIST/);
  });

  it('serves the Chinese text intact as UTF-8 WebVTT, timed to the video segments', async () => {
    const vtt = await text(owner, `/media/${job.id}/subs/zh.vtt`);
    expect(vtt.status).toBe(200);
    expect(vtt.type).toBe('text/vtt; charset=utf-8');
    expect(vtt.body).toContain('00:00.500 --> 00:02.000\n你好，世界');
    expect(vtt.body).toContain('第二行字幕');
    // Cue 0 is tied to the first timestamp of the first segment, as hls.js and Safari expect.
    const mpegts = Number(/^X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:00:00:00\.000$/m.exec(vtt.body)![1]);
    const seg = await fetch(`${stack.app.baseUrl}/media/${job.id}/v0/seg_00000.ts`, { headers: { Authorization: `Bearer ${owner.token}` } });
    expect(seg.status).toBe(200);
    const segment = path.join(await stack.tempDir('subs'), 'seg0.ts');
    await fsp.writeFile(segment, Buffer.from(await seg.arrayBuffer()));
    const { stdout } = await runOk('ffprobe', ['-v', 'error', '-show_entries', 'format=start_time', '-of', 'csv=p=0', segment]);
    expect(mpegts).toBe(Math.round(Number(stdout.trim()) * 90_000));
  });

  it('hls.js (full build) in Chromium offers both tracks and shows the Chinese cues on time', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] });
    try {
      const context = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${owner.token}` } });
      const page = await context.newPage();
      // A bare page on the app's origin, so the playlists are same-origin requests.
      await page.route(`${stack.app.baseUrl}/__player`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><video id="v" muted></video>' }));
      await page.goto(`${stack.app.baseUrl}/__player`);
      await page.addScriptTag({ path: path.join(REPO_ROOT, 'web/node_modules/hls.js/dist/hls.min.js') });
      const seen = (await page.evaluate(PLAYER_SCRIPT.replace('SRC', JSON.stringify(job.result.playlistUrl)))) as { tracks: string[]; cues: [number, number, string][] };
      expect(seen.tracks).toEqual(['English|en', 'Chinese|zh']);
      // Cue times as the source had them: the X-TIMESTAMP-MAP lines them up with the video.
      expect(seen.cues.map(([start, end, cue]) => [Number(start.toFixed(2)), Number(end.toFixed(2)), cue])).toEqual([
        [0.5, 2, '你好，世界'],
        [2, 3.5, '第二行字幕'],
      ]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('is 404 for another user', async () => {
    expect((await text(other, `/media/${job.id}/subs/zh.vtt`)).status).toBe(404);
  });
});

it('skips a track that cannot be fetched and one that cannot be converted, with a note, and completes', async () => {
  const created = await owner.post('/api/jobs', { url: stack.server.url('broken.html'), format: '720p' });
  const job = await waitForState(owner, created.body.id, ['completed'], 60_000);
  expect(job.result!.subtitles!.map((s) => s.lang)).toEqual(['en']);
  expect(job.message).toBe('Ready to play. Subtitles left out: zh (HTTP Error 404: Not Found), ja (a format that cannot be converted)');
  const master = (await text(owner, job.result!.playlistUrl)).body;
  expect(master.match(/TYPE=SUBTITLES/g)).toHaveLength(1);
}, 90_000);
