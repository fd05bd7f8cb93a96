import { spawn } from 'node:child_process';
import { countTools, ProcRow, readProcRows } from './running-tools';

describe('tools running under a worker', () => {
  it('counts descendants by name: a yt-dlp, the ffmpeg it started, an ffprobe; not zombies, not forks, not strangers', () => {
    const worker = 100;
    const rows: ProcRow[] = [
      { pid: worker, ppid: 1, comm: 'node', state: 'S' },
      { pid: 101, ppid: worker, comm: 'yt-dlp', state: 'S' },
      { pid: 102, ppid: 101, comm: 'ffmpeg', state: 'R' }, // yt-dlp's merge
      { pid: 103, ppid: 101, comm: 'yt-dlp', state: 'R' }, // yt-dlp's fork before it execs ffmpeg
      { pid: 104, ppid: worker, comm: 'ffprobe', state: 'S' },
      { pid: 105, ppid: worker, comm: 'ffmpeg', state: 'Z' }, // exited, not reaped yet
      { pid: 106, ppid: worker, comm: 'redis-server', state: 'S' },
      { pid: 200, ppid: 1, comm: 'ffmpeg', state: 'R' }, // another worker's, or nobody's
    ];
    expect(countTools(rows, worker)).toEqual({ 'yt-dlp': 1, ffmpeg: 1, ffprobe: 1 });
    expect(countTools(rows, 999)).toEqual({ 'yt-dlp': 0, ffmpeg: 0, ffprobe: 0 });
  });

  it('sees a real ffmpeg this process started, and not once it has gone', async () => {
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5', '-f', 'null', '-'], { stdio: 'ignore' });
    const exited = new Promise((r) => ffmpeg.once('exit', r));
    try {
      await waitFor(() => countTools(readProcRows(), process.pid).ffmpeg === 1);
    } finally {
      ffmpeg.kill('SIGKILL');
    }
    await exited;
    await waitFor(() => countTools(readProcRows(), process.pid).ffmpeg === 0);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
