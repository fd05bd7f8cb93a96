// Faults caused for real, by the pids this suite started: a worker SIGKILLed mid-download and
// mid-transcode, yt-dlp's own ffmpeg, tools left by a dead worker, a source that hangs, a disk
// under its floor. Each case checks the final state, no tool left running, no partial file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { api, login } from './support/api';
import { type AppProcess, MAIN_JS } from './support/app';
import { connectJobsSocket, waitForState } from './support/jobs';
import { makeLongMp4 } from './support/media';
import { startMediaServer } from './support/media-server';
import { descendantsOf, identify, membersOfGroups, ProcIdentity, stillRunning } from './support/process';
import { useStack } from './support/stack';
import { makeTempDir, removeDir, run, runOk, trackChild, waitUntil } from './support/util';
import { ledgerRoot } from '../src/process/tool-ledger';

let longClip: string;
let mpeg4Clip: string;
const stack = useStack({
  dataDir: true,
  media: {
    prepare: async (dir) => {
      longClip = path.basename(await makeLongMp4(dir, 60));
      // MPEG-4 Part 2 is never copied: x264 works on it long enough to be caught mid-way.
      mpeg4Clip = 'mpeg4.mp4';
      await runOk('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '60', '-c:v', 'mpeg4', '-q:v', '8', path.join(dir, mpeg4Clip)]);
    },
    server: false,
    servers: { slow: { bytesPerSecond: 150_000 } },
  },
  app: { role: 'api' },
});
/** tmpfs mount points still mounted (a test unmounts its own; the end of the suite any a failure left). */
const mounts: string[] = [];
stack.onTeardown(async () => {
  for (const dir of [...mounts]) await unmountTmpfs(dir).catch(() => run('umount', ['-l', dir]));
});

const startWorker = (env: Record<string, string> = {}) => stack.startApp({ role: 'worker', env });

/** The tools under `pid` (not the private Redis), and the process groups they lead. */
function toolsOf(pid: number): { tools: ProcIdentity[]; groups: Set<number> } {
  const own = identify(pid)?.pgid;
  const tools = descendantsOf(pid).filter((p) => !/redis-server/.test(p.cmd));
  return { tools, groups: new Set(tools.map((t) => t.pgid).filter((g) => g !== own)) };
}

/** SIGKILL, by the pid we started, with what ran under it taken just before. */
async function killHard(app: AppProcess): Promise<{ tools: ProcIdentity[]; groups: Set<number> }> {
  const before = toolsOf(app.proc.pid!);
  app.proc.kill('SIGKILL');
  await app.exited;
  return before;
}

async function expectAllGone(before: { tools: ProcIdentity[]; groups: Set<number> }): Promise<void> {
  const left = () => [...stillRunning(before.tools), ...membersOfGroups(before.groups)];
  await waitUntil(() => left().length === 0, 3000, 'the dead worker\'s tools to die').catch(() => {
    throw new Error(`still running after the worker died:\n${left().map((p) => `${p.pid} ${p.cmd.slice(0, 150)}`).join('\n')}`);
  });
}

/** yt-dlp's and ffmpeg's partial files anywhere under DATA_DIR. */
function partialFiles(root = stack.dataDir): string[] {
  return filesUnder(root).filter((f) => /\.(part|ytdl)$|\.part-Frag|\.temp\./.test(f));
}

/** Every file below `dir`, relative; a folder removed while it is read (a job cleaning up) is skipped. */
function filesUnder(dir: string, prefix = ''): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

const workDirOf = (jobId: string, root = stack.dataDir) => path.join(root, 'media.work', jobId);

const MiB = 1024 * 1024;
const TMPFS_MAGIC = 0x01021994;

/**
 * A tmpfs of `mib` MiB on a fresh folder: a filesystem of the test's own, whose free space nothing
 * else on the machine moves. Mounting needs root: without it the test fails and says so.
 */
async function mountTmpfs(mib: number): Promise<string> {
  const dir = await makeTempDir('faults-tmpfs');
  const args = ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir];
  const res = await run('mount', args).catch((err: Error) => ({ code: null, stderr: err.message, stdout: '' }));
  if (res.code !== 0 || fs.statfsSync(dir).type !== TMPFS_MAGIC) {
    if (res.code === 0) await run('umount', [dir]);
    await removeDir(dir);
    const uid = process.getuid?.();
    throw new Error(
      `This test needs root to mount a tmpfs of its own (running as uid ${uid}; run the integration tests as root). ` +
        `\`mount ${args.join(' ')}\` ${res.code === 0 ? 'did not leave a tmpfs there' : `failed:\n${(res.stderr || res.stdout).trim()}`}`,
    );
  }
  mounts.push(dir);
  return dir;
}

/** Unmounts (call it once the processes using it have stopped) and removes the mount point. */
async function unmountTmpfs(dir: string): Promise<void> {
  await runOk('umount', [dir]);
  mounts.splice(mounts.indexOf(dir), 1);
  await removeDir(dir);
}

/** Bytes an unprivileged writer may still use on the filesystem holding `dir` (what the app reads). */
function freeBytes(dir: string): number {
  const { bavail, bsize } = fs.statfsSync(dir);
  return bavail * bsize;
}

it('a worker SIGKILLed mid-download takes yt-dlp with it; another takes the job over from a clean folder', async () => {
  const workerA = await startWorker();
  stack.servers.slow.setBytesPerSecond(150_000);
  const { body: job } = await stack.admin.post('/api/jobs', { url: stack.servers.slow.url(`/${longClip}`) });
  await waitUntil(async () => (await stack.admin.get(`/api/jobs/${job.id}`)).body.progress.downloadedBytes! > 100_000, 30_000, 'download progress');
  expect(partialFiles().length).toBeGreaterThan(0); // a .part is being written

  const before = await killHard(workerA);
  expect(before.tools.some((t) => /yt-dlp/.test(t.cmd))).toBe(true);
  await expectAllGone(before);

  stack.servers.slow.setBytesPerSecond(undefined);
  const workerB = await startWorker();
  // BullMQ frees a dead worker's job once its lock lapses (STAGE_WORKER_OPTIONS: 20 s + 5 s).
  const done = await waitForState(stack.admin, job.id, ['completed', 'failed'], 90_000);
  expect(done.state).toBe('completed');
  expect(done.progress.percent).toBe(100);
  expect(partialFiles()).toEqual([]);
  // The folder goes right after the final write (kept until then: a death between the two re-runs the stage).
  await waitUntil(() => !fs.existsSync(workDirOf(job.id)), 5000, 'the work folder to go');
  await workerB.stop();
}, 150_000);

it('a worker SIGKILLed mid-transcode takes ffmpeg with it; the job still completes', async () => {
  stack.servers.slow.setBytesPerSecond(undefined);
  const workerC = await startWorker();
  const { body: job } = await stack.admin.post('/api/jobs', { url: stack.servers.slow.url(`/${mpeg4Clip}`), format: '480p' });
  await waitUntil(() => toolsOf(workerC.proc.pid!).tools.some((t) => /ffmpeg/.test(t.cmd) && /libx264/.test(t.cmd)), 60_000, 'the encode to start');
  const before = await killHard(workerC);
  await expectAllGone(before);

  const workerD = await startWorker();
  const done = await waitForState(stack.admin, job.id, ['completed', 'failed'], 120_000);
  expect(done.state).toBe('completed');
  expect(partialFiles()).toEqual([]);
  await waitUntil(() => !fs.existsSync(workDirOf(job.id)), 5000, 'the work folder to go');
  await workerD.stop();
}, 180_000);

it("yt-dlp's own ffmpeg dies with the worker too (the whole process group goes)", async () => {
  // A stand-in worker: the built runTool under the same guard, yt-dlp handing the fetch to ffmpeg.
  const script = path.join(stack.dataDir, 'stand-in-worker.js');
  fs.writeFileSync(
    script,
    `const { configureToolLaunch, runTool } = require(${JSON.stringify(path.join(path.dirname(MAIN_JS), 'process/run-tool.js'))});
configureToolLaunch({ setprivPath: '/usr/bin/setpriv', ledger: null });
runTool('yt-dlp', ['--ignore-config', '--no-cache-dir', '--downloader', 'ffmpeg', '-o', ${JSON.stringify(path.join(stack.dataDir, 'stand-in.%(ext)s'))}, '--', process.argv[2]]);
setInterval(() => undefined, 1000);\n`,
  );
  stack.servers.slow.setBytesPerSecond(100_000);
  const standIn = spawn(process.execPath, [script, stack.servers.slow.url(`/${longClip}`)], { stdio: 'ignore' });
  trackChild(standIn);
  const ffmpegUnderYtdlp = () => {
    const { tools } = toolsOf(standIn.pid!);
    const ytdlp = tools.find((t) => /yt-dlp/.test(t.cmd) && !/vidpipe-tool-guard/.test(t.cmd));
    return ytdlp !== undefined && descendantsOf(ytdlp.pid).some((p) => /^\S*ffmpeg /.test(p.cmd));
  };
  await waitUntil(ffmpegUnderYtdlp, 30_000, "yt-dlp's ffmpeg to start");
  const before = toolsOf(standIn.pid!);
  standIn.kill('SIGKILL');
  await expectAllGone(before);
}, 60_000);

it('a starting worker stops the tools a dead worker of this DATA_DIR left, and only those', async () => {
  // What a worker that died in the instant before its guard took hold leaves: its ledger and a live tool.
  const leftover = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  const bystander = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  const liveWorker = spawn('sleep', ['300'], { stdio: 'ignore' }); // stands for a worker still alive
  [leftover, bystander, liveWorker].forEach(trackChild);
  const dead = spawn('true');
  await new Promise((resolve) => dead.once('exit', resolve));
  const root = ledgerRoot(stack.dataDir);
  const entry = (worker: string, tool: ProcIdentity) => {
    fs.mkdirSync(path.join(root, worker), { recursive: true });
    fs.writeFileSync(path.join(root, worker, `group-${tool.pid}-${tool.startTicks}`), '');
  };
  const [l, b, w] = [leftover, bystander, liveWorker].map((p) => identify(p.pid!)!);
  entry(`${dead.pid}-12345`, l);
  entry(`${w.pid}-${w.startTicks}`, b);

  const worker = await startWorker();
  try {
    expect(stillRunning([l])).toEqual([]);
    expect(stillRunning([b])).toHaveLength(1);
    expect(fs.existsSync(path.join(root, `${dead.pid}-12345`))).toBe(false);
    expect(worker.logs()).toMatch(/Stopped 1 tool\(s\) left running by processes that died/);
  } finally {
    [bystander, liveWorker, leftover].forEach((p) => p.kill('SIGKILL'));
    await worker.stop();
  }
}, 60_000);

it('a source that stops sending fails the job `stalled` after STALL_TIMEOUT_SECONDS, leaving nothing', async () => {
  const hanging = await startMediaServer(stack.mediaDir, { stall: { path: `/${longClip}`, afterBytes: 300_000 } });
  const worker = await startWorker({ STALL_TIMEOUT_SECONDS: '6' });
  try {
    const { body: job } = await stack.admin.post('/api/jobs', { url: hanging.url(`/${longClip}`) });
    await waitUntil(() => hanging.stallsDone() > 0, 30_000, 'the source to hang');
    const hungAt = Date.now();
    const failed = await waitForState(stack.admin, job.id, ['failed', 'completed'], 40_000);
    expect(failed.state).toBe('failed');
    expect(failed.error!.code).toBe('stalled');
    expect(failed.error!.message).toMatch(/Nothing arrived from the site for 6 s/);
    expect(Date.now() - hungAt).toBeGreaterThanOrEqual(4_000); // not long before the timeout
    expect(toolsOf(worker.proc.pid!).tools.filter((t) => /yt-dlp|ffmpeg/.test(t.cmd))).toEqual([]);
    await waitUntil(() => !fs.existsSync(workDirOf(job.id)), 5000, 'the work folder to go');
    expect(partialFiles()).toEqual([]);
  } finally {
    await worker.stop();
    await hanging.stop();
  }
}, 90_000);

it('under MIN_FREE_DISK_BYTES: POST /api/jobs answers 507 disk_full, and a running download fails disk_full leaving nothing', async () => {
  // Its own api and worker on a DATA_DIR in a 64 MiB tmpfs only this test writes to: the floor sits
  // 8 MiB under what that filesystem has free when empty, and nothing outside the test moves it.
  const mount = await mountTmpfs(64);
  const tmpData = path.join(mount, 'data');
  fs.mkdirSync(tmpData);
  const floor = freeBytes(tmpData) - 8 * MiB;
  const big = path.join(stack.mediaDir, 'big.mp4');
  const onTmpfs: AppProcess[] = [];
  const start = async (role: 'api' | 'worker') => {
    const app = await stack.startApp({ dataDir: tmpData, role, env: { MIN_FREE_DISK_BYTES: String(floor) } });
    onTmpfs.push(app);
    return app;
  };
  try {
    const [startedApi, startedWorker] = await Promise.allSettled([start('api'), start('worker')]);
    if (startedApi.status === 'rejected') throw startedApi.reason;
    if (startedWorker.status === 'rejected') throw startedWorker.reason;
    const [tmpApi, worker] = [startedApi.value, startedWorker.value];
    const tmpHttp = api(tmpApi.baseUrl, (await login(tmpApi.baseUrl)).token);
    // What the two processes wrote on starting (launchers, folders) is a few KiB of the 8 MiB.
    expect(freeBytes(tmpData) - floor).toBeGreaterThan(7 * MiB);

    // A ballast file takes the tmpfs 1 MiB under the floor: the api refuses; once it goes, it accepts.
    const ballast = path.join(mount, 'ballast');
    fs.writeFileSync(ballast, Buffer.alloc(freeBytes(tmpData) - floor + MiB, 1));
    expect(freeBytes(tmpData)).toBeLessThan(floor);
    const refused = await tmpHttp.post('/api/jobs', { url: stack.servers.slow.url(`/${longClip}`) });
    expect(refused.status).toBe(507);
    expect(refused.body.code).toBe('disk_full');
    expect(refused.body.message).toMatch(/almost out of disk space .* free; it keeps .* free/);
    fs.rmSync(ballast);

    // A 48 MiB download at 12 MB/s crosses the floor after ~0.7 s and would take 4 s to finish; the
    // tmpfs holds all of it, so the watcher (every second), not ENOSPC, is what stops it.
    fs.writeFileSync(big, Buffer.alloc(48 * MiB, 1));
    stack.servers.slow.setBytesPerSecond(12_000_000);
    const { status, body: job } = await tmpHttp.post('/api/jobs', { url: stack.servers.slow.url('/big.mp4') });
    expect(status).toBe(201);
    const states = new Set<string>();
    let last: { state: string; error?: { code: string; message: string } } = job;
    await waitUntil(async () => {
      last = (await tmpHttp.get(`/api/jobs/${job.id}`)).body;
      states.add(last.state);
      return ['failed', 'completed', 'cancelled'].includes(last.state);
    }, 60_000, 'the download to end');
    expect(last.state).toBe('failed');
    expect(last.error?.code).toBe('disk_full');
    expect(last.error?.message).toMatch(/ran out of disk space/);
    expect(states.has('downloading')).toBe(true); // it failed while downloading, not before
    expect(toolsOf(worker.proc.pid!).tools.filter((t) => /yt-dlp|ffmpeg/.test(t.cmd))).toEqual([]);
    await waitUntil(() => !fs.existsSync(workDirOf(job.id, tmpData)), 5000, 'the work folder to go');
    expect(partialFiles(tmpData)).toEqual([]);
    expect(freeBytes(tmpData)).toBeGreaterThan(floor); // the partial download's space came back
  } finally {
    await Promise.all(onTmpfs.map((a) => a.stop()));
    fs.rmSync(big, { force: true });
    await unmountTmpfs(mount);
  }
}, 120_000);

it('SIGTERM to an api tells its sockets why before they close, and they reconnect by themselves', async () => {
  const leaving = await stack.startApp({ role: 'api' });
  const { token } = await login(leaving.baseUrl);
  const socket = await connectJobsSocket(leaving.baseUrl, token, { reconnection: true, reconnectionDelay: 60_000 });
  try {
    const notice = new Promise((resolve) => socket.once('serverShutdown', resolve));
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    leaving.proc.kill('SIGTERM');
    expect(await notice).toEqual({ reason: 'shutdown', message: expect.stringMatching(/shutting down; reconnect/) });
    // A transport close, not a server-side disconnect: socket.io clients then reconnect on their own.
    expect(await disconnected).toBe('transport close');
    expect(socket.active).toBe(true);
    expect((await leaving.exited).code).toBe(0);
  } finally {
    socket.io.opts.reconnection = false;
    socket.disconnect();
  }
}, 60_000);
