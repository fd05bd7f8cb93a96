// Wall time from POST /api/jobs to completed for a 30 s 720p clip: H.264 (stream copy) against
// VP9 (re-encoded to H.264), each as `best` (a ladder) and as `720p` (one rendition).
import path from 'node:path';
import { waitForState } from '../test/support/jobs';
import { runOk } from '../test/support/util';
import { runBench } from './bench-env';

async function makeClip(dir: string, name: string, codec: string[]): Promise<string> {
  await runOk('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '30', ...codec, path.join(dir, name)]);
  return name;
}

runBench({}, async ({ dir, server, http }) => {
  const [h264, vp9] = await Promise.all([
    makeClip(dir, 'h264.mp4', ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac']),
    makeClip(dir, 'vp9.webm', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', '-c:a', 'libopus']),
  ]);
  console.log('30 s 1280x720 30 fps clip, served from loopback; POST → completed, median of 3 runs');
  for (const [label, file, format] of [
    ['H.264 mp4, 720p (copy)', h264, '720p'],
    ['H.264 mp4, best (copy 720 + encode 360)', h264, 'best'],
    ['VP9 webm, 720p (encode)', vp9, '720p'],
    ['VP9 webm, best (encode 720 + 360)', vp9, 'best'],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const { body } = await http.post('/api/jobs', { url: server.url(`/${file}`), format });
      const done = await waitForState(http, body.id, ['completed'], 300_000);
      times.push(Date.now() - started);
      if (i === 0) console.log(`  ${label}: renditions ${done.result.renditions.map((r: { height: number }) => r.height).join('/')}, copied ${done.result.videoCopied}`);
    }
    times.sort((a, b) => a - b);
    console.log(`  ${label}: ${(times[1] / 1000).toFixed(2)} s (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
  }
});
