// Test media made on the spot with ffmpeg's lavfi sources (testsrc2 + sine): no fixtures in git.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeDir, runOk } from './util';

export interface MediaSet {
  /** The folder holding everything below; serve it with startMediaServer(dir). */
  dir: string;
  /** clip.mp4: 1280x720 25 fps H.264 (yuv420p) + AAC, 6 s, keyframe every 2 s, +faststart. */
  h264Mp4: string;
  /** clip.webm: 640x360 VP9 + Opus, 4 s. */
  vp9Webm: string;
  /** hls/: index.m3u8 + seg000.ts … seg002.ts (H.264/AAC 640x360, 6 s, 2 s segments). */
  hlsDir: string;
  /** hls/index.m3u8 */
  hlsPlaylist: string;
  /** audio.m4a: AAC only, 4 s. */
  audioM4a: string;
  /** fake.mp4: a text file with a video extension. */
  notVideo: string;
  /** page.html: <title>, og:title "Loopback test clip", <video src="clip.mp4">. */
  pageHtml: string;
  /** empty.html: a page with no video at all. */
  emptyPageHtml: string;
  /** Removes `dir` if makeMedia created it (a caller-supplied dir only loses the files made here). */
  cleanup(): Promise<void>;
}

export const PAGE_TITLE = 'Loopback test clip';

const FF = ['-hide_banner', '-nostdin', '-v', 'error', '-y'];

function lavfiInputs(size: string, rate: number, seconds: number): string[] {
  return [
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:beep_factor=4:sample_rate=48000:duration=${seconds}`,
  ];
}

/** H.264 settings: fast, small, closed 2-second GOPs (so segmenting/copying is exact). */
function h264(rate: number, kbps: number): string[] {
  const gop = String(rate * 2);
  return [
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
    '-g', gop, '-keyint_min', gop, '-sc_threshold', '0',
  ];
}

const AAC = ['-c:a', 'aac', '-b:a', '96k', '-ac', '2'];

const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${PAGE_TITLE} - vidpipe test page</title>
<meta property="og:title" content="${PAGE_TITLE}">
<meta property="og:type" content="video.other">
</head>
<body>
<h1>${PAGE_TITLE}</h1>
<video src="clip.mp4" controls width="640" height="360"></video>
</body>
</html>
`;

const EMPTY_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>A page without any video</title>
</head>
<body>
<h1>Nothing to see here</h1>
<p>This page has text and a <a href="page.html">link</a>, but no video or audio.</p>
</body>
</html>
`;

/**
 * Makes the whole media set once (about 1 s on 2 cores: the encodes run in parallel).
 * Without `dir` it creates a temp dir under os.tmpdir().
 */
export async function makeMedia(dir?: string): Promise<MediaSet> {
  const owned = dir === undefined;
  const root = dir ?? (await makeTempDir('media'));
  await fsp.mkdir(root, { recursive: true });
  const hlsDir = path.join(root, 'hls');
  await fsp.mkdir(hlsDir, { recursive: true });

  const set: MediaSet = {
    dir: root,
    h264Mp4: path.join(root, 'clip.mp4'),
    vp9Webm: path.join(root, 'clip.webm'),
    hlsDir,
    hlsPlaylist: path.join(hlsDir, 'index.m3u8'),
    audioM4a: path.join(root, 'audio.m4a'),
    notVideo: path.join(root, 'fake.mp4'),
    pageHtml: path.join(root, 'page.html'),
    emptyPageHtml: path.join(root, 'empty.html'),
    cleanup: async () => {
      if (owned) {
        await removeDir(root);
      } else {
        for (const f of [set.h264Mp4, set.vp9Webm, set.audioM4a, set.notVideo, set.pageHtml, set.emptyPageHtml]) {
          await fsp.rm(f, { force: true });
        }
        await removeDir(hlsDir);
      }
    },
  };

  try {
    await Promise.all([
      runOk('ffmpeg', [
        ...FF, ...lavfiInputs('1280x720', 25, 6),
        ...h264(25, 1200), ...AAC,
        '-shortest', '-movflags', '+faststart', set.h264Mp4,
      ]),
      runOk('ffmpeg', [
        ...FF, ...lavfiInputs('640x360', 25, 4),
        '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k',
        '-g', '50', '-c:a', 'libopus', '-b:a', '64k', '-ac', '2',
        '-shortest', set.vp9Webm,
      ]),
      runOk('ffmpeg', [
        ...FF, ...lavfiInputs('640x360', 25, 6),
        ...h264(25, 600), ...AAC, '-shortest',
        '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', '-hls_playlist_type', 'vod',
        '-hls_segment_filename', path.join(hlsDir, 'seg%03d.ts'), set.hlsPlaylist,
      ]),
      runOk('ffmpeg', [
        ...FF, '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000:duration=4',
        '-vn', ...AAC, '-movflags', '+faststart', set.audioM4a,
      ]),
      fsp.writeFile(set.notVideo, 'This is not a video. It is a text file named fake.mp4.\n'.repeat(20)),
      fsp.writeFile(set.pageHtml, PAGE_HTML),
      fsp.writeFile(set.emptyPageHtml, EMPTY_PAGE_HTML),
    ]);
  } catch (err) {
    if (owned) await removeDir(root);
    throw err;
  }
  return set;
}

/**
 * A long, low-bitrate H.264/AAC mp4 (320x180, 15 fps, ~150 kbit/s video, keyframe every 2 s,
 * +faststart) named long-<seconds>s.mp4 in `dir`; with a throttled media server it makes a
 * download that lasts long enough to watch progress and cancel it. Encodes at >50x real time.
 */
export async function makeLongMp4(dir: string, seconds: number): Promise<string> {
  if (!(seconds > 0)) throw new Error(`makeLongMp4: seconds must be > 0, got ${seconds}`);
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, `long-${seconds}s.mp4`);
  await runOk('ffmpeg', [
    ...FF, ...lavfiInputs('320x180', 15, seconds),
    ...h264(15, 150),
    '-c:a', 'aac', '-b:a', '32k', '-ac', '1',
    '-shortest', '-movflags', '+faststart', file,
  ]);
  return file;
}

/**
 * A page with one `<video>` tag per clip (file names relative to the page), which yt-dlp's
 * generic extractor reads as a playlist; written as `name` in `dir` (write it again to add a clip).
 */
export async function writePlaylistPage(dir: string, name: string, title: string, clips: readonly string[]): Promise<string> {
  const videos = clips.map((clip) => `<video src="${clip}" controls width="320" height="180"></video>`).join('\n');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<meta property="og:title" content="${title}">
</head>
<body>
<h1>${title}</h1>
${videos}
</body>
</html>
`;
  const file = path.join(dir, name);
  await fsp.writeFile(file, html);
  return file;
}

/** A short H.264/AAC clip (320x180, 15 fps, `seconds` long) named `name` in `dir`: one entry of a playlist page. */
export async function makeShortClip(dir: string, name: string, seconds: number, frequency = 440): Promise<string> {
  const file = path.join(dir, name);
  await runOk('ffmpeg', [
    ...FF, '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=15:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000:duration=${seconds}`,
    ...h264(15, 150), '-c:a', 'aac', '-b:a', '32k', '-ac', '1',
    '-shortest', '-movflags', '+faststart', file,
  ]);
  return file;
}
