// The app against the same tools run by hand, in the same run, on 60 s 720p clips from loopback:
// the copy path, the encode path (one rendition and the ladder), and how soon a preview plays.
import fs from 'node:fs/promises';
import path from 'node:path';
import { connectJobsSocket, isFinal, Socket, subscribe } from '../test/support/jobs';
import { runOk } from '../test/support/util';
import { BenchEnv, median, runBench } from './bench-env';

const SECONDS = 60;
const RUNS = Number(process.env.RUNS ?? 3);
const SEGMENT = '4';

async function makeClip(dir: string, name: string, codec: string[]): Promise<string> {
  await runOk('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${SECONDS}`, ...codec, path.join(dir, name)]);
  return name;
}

interface AppTimes { total: number; transcoding: number | null; preview: number | null; ytdlpRuns?: number }

/** POST → completed, as a watcher sees it over socket.io (arrival times, ms from the POST). */
async function appRun(env: BenchEnv, socket: Socket, file: string, format: string): Promise<AppTimes> {
  const started = Date.now();
  const { body } = await env.http.post('/api/jobs', { url: env.server.url(`/${file}`), format });
  const times: AppTimes = { total: 0, transcoding: null, preview: null };
  await new Promise<void>((resolve, reject) => {
    const onJob = (snap: { id: string; state: string; preview?: { playlistUrl: string } | null }) => {
      if (snap.id !== body.id) return;
      const at = Date.now() - started;
      if (snap.state === 'transcoding') times.transcoding ??= at;
      if (snap.preview) times.preview ??= at;
      if (!isFinal(snap.state)) return;
      socket.off('job', onJob);
      times.total = at;
      if (snap.state === 'completed') resolve();
      else reject(new Error(`job ${body.id} ended ${snap.state}`));
    };
    socket.on('job', onJob);
    void subscribe(socket, body.id);
  });
  return times;
}

const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
const show = (argv: string[]) => argv.map(q).join(' ');

/** The same work by hand: yt-dlp to a file, then one ffmpeg; ms, and ms to the first segment. */
async function byHand(env: BenchEnv, file: string, ffmpegOut: string[], print: boolean): Promise<{ total: number; firstSegment: number }> {
  const work = await fs.mkdtemp(path.join(env.dir, 'hand-'));
  const ytdlp = ['yt-dlp', '-q', '--ignore-config', '--no-cache-dir', '-o', `${work}/src.%(ext)s`, '--', env.server.url(`/${file}`)];
  const started = Date.now();
  await runOk(ytdlp[0], ytdlp.slice(1));
  const src = path.join(work, (await fs.readdir(work)).find((f) => f.startsWith('src.'))!);
  await fs.mkdir(path.join(work, 'v0'));
  await fs.mkdir(path.join(work, 'v1'));
  const ffmpeg = ['ffmpeg', '-v', 'error', '-i', src, ...ffmpegOut.map((a) => a.replace('OUT', work))];
  let firstSegment = 0;
  const watch = setInterval(() => {
    void fs.readFile(path.join(work, 'v0', 'index.m3u8'), 'utf8').then((t) => {
      if (!firstSegment && t.includes('#EXTINF')) firstSegment = Date.now() - started;
    }, () => undefined);
  }, 20);
  await runOk(ffmpeg[0], ffmpeg.slice(1));
  clearInterval(watch);
  const total = Date.now() - started;
  if (print) console.log(`    by hand: ${show(ytdlp)}\n             ${show(ffmpeg)}`);
  await fs.rm(work, { recursive: true, force: true });
  return { total, firstSegment: firstSegment || total };
}

const hls = (type: string, streams: string[], map: string) => [
  ...streams, '-f', 'hls', '-hls_time', SEGMENT, '-hls_playlist_type', type, '-hls_segment_type', 'mpegts',
  '-hls_segment_filename', 'OUT/v%v/seg_%05d.ts', '-master_pl_name', 'master.m3u8', '-var_stream_map', map, 'OUT/v%v/index.m3u8',
];
const x264 = (i: number, scale: string, kbps: number) => [`-c:v:${i}`, 'libx264', `-filter:v:${i}`, `scale=${scale}`, `-preset:v:${i}`, 'veryfast',
  `-b:v:${i}`, `${kbps}k`, `-maxrate:v:${i}`, `${kbps * 1.5}k`, `-bufsize:v:${i}`, `${kbps * 3}k`, `-force_key_frames:v:${i}`, `expr:gte(t,n_forced*${SEGMENT})`];
const COPY_720 = hls('vod', ['-map', '0:v:0', '-map', '0:a:0', '-c:v', 'copy', '-c:a', 'copy'], 'v:0,a:0');
const ENCODE_720 = hls('vod', ['-map', '0:v:0', '-map', '0:a:0', ...x264(0, '1280:720', 2800), '-c:a', 'aac', '-b:a', '128k'], 'v:0,a:0');
const LADDER = (type: string) =>
  hls(type, ['-map', '0:v:0', '-map', '0:v:0', '-map', '0:a:0', '-map', '0:a:0', ...x264(0, '1280:720', 2800), ...x264(1, '640:360', 800),
    '-c:a', 'aac', '-b:a', '128k'], 'v:0,a:0 v:1,a:1');

runBench({}, async (env) => {
  const [h264, vp9] = await Promise.all([
    makeClip(env.dir, 'h264.mp4', ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '120', '-c:a', 'aac', '-movflags', '+faststart']),
    makeClip(env.dir, 'vp9.webm', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', '-g', '120', '-c:a', 'libopus']),
  ]);
  const socket = await connectJobsSocket(env.app.baseUrl, env.token);
  console.log(`${SECONDS} s 1280x720 30 fps clips from loopback; app = POST → completed event; median of ${RUNS} (alternating app / by hand)`);
  const cases = [
    { label: 'copy path: H.264 mp4, 720p (one copied rendition)', file: h264, format: '720p', hand: COPY_720 },
    { label: 'encode path: VP9 webm, 720p (one encoded rendition)', file: vp9, format: '720p', hand: ENCODE_720 },
    { label: 'encode path: VP9 webm, best (720 + 360 ladder)', file: vp9, format: 'best', hand: LADDER('vod') },
  ];
  for (const c of cases) {
    const app: AppTimes[] = [];
    const hand: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      app.push(await appRun(env, socket, c.file, c.format));
      hand.push((await byHand(env, c.file, c.hand, i === 0)).total);
    }
    const a = median(app.map((t) => t.total));
    const h = median(hand);
    console.log(`  ${c.label}: app ${a} ms, by hand ${h} ms → ${(a / h).toFixed(2)}× (app runs ${app.map((t) => t.total).join(', ')}; by hand ${hand.join(', ')})`);
  }

  // Preview: from the first `transcoding` event to the first event carrying a preview, against the
  // whole transcode; by hand: the same ladder in one ffmpeg run with an EVENT playlist.
  const previews: Array<{ preview: number; transcode: number }> = [];
  const hands: Array<{ first: number; total: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const t = await appRun(env, socket, vp9, 'best');
    previews.push({ preview: t.preview! - t.transcoding!, transcode: t.total - t.transcoding! });
    const h = await byHand(env, vp9, LADDER('event'), i === 0);
    hands.push({ first: h.firstSegment, total: h.total });
  }
  const p = median(previews.map((x) => x.preview));
  const whole = median(previews.map((x) => x.transcode));
  console.log(`  preview (VP9 webm, best): first playable preview ${p} ms after transcoding began, whole transcode ${whole} ms (${((100 * p) / whole).toFixed(0)}%)`);
  console.log(`    runs: ${previews.map((x) => `${x.preview}/${x.transcode}`).join(', ')} ms`);
  const hf = median(hands.map((x) => x.first));
  const ht = median(hands.map((x) => x.total));
  console.log(`    by hand, one ladder run (download included): first segment of v0 at ${hf} ms of ${ht} ms`);
  socket.disconnect();
});
