// Faults caused for real, by the pids this suite started: a worker SIGKILLed mid-download and
// mid-transcode, yt-dlp's own ffmpeg, tools left by a dead worker, a source that hangs, a disk
// under its floor. Each case checks the final state, no tool left running, no partial file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { api, ApiHelpers, AppProcess, login, MAIN_JS, startApp } from './support/app';
import { connectJobsSocket, waitForState } from './support/jobs';
import { makeLongMp4, makeMedia, MediaSet } from './support/media';
import { MediaServer, startMediaServer } from './support/media-server';
import { descendantsOf, identify, membersOfGroups, ProcIdentity, stillRunning } from './support/process';
import { RedisHandle, startRedis } from './support/redis';
import { makeTempDir, removeDir, runOk, trackChild, waitUntil } from './support/util';
import { ledgerRoot } from '../src/pipeline/process/tool-ledger';

let redis: RedisHandle;
let media: MediaSet;
let dataDir: string;
let longClip: string;
let mpeg4Clip: string;
let slow: MediaServer;
let apiApp: AppProcess;
let http: ApiHelpers;
const apps: AppProcess[] = [];

beforeAll(async () => {
  [redis, media, dataDir] = await Promise.all([startRedis(), makeMedia(), makeTempDir('faults')]);
  longClip = path.basename(await makeLongMp4(media.dir, 60));
  // MPEG-4 Part 2 is never copied: x264 works on it long enough to be caught mid-way.
  mpeg4Clip = 'mpeg4.mp4';
  await runOk('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '60', '-c:v', 'mpeg4', '-q:v', '8', path.join(media.dir, mpeg4Clip)]);
  slow = await startMediaServer(media.dir, { bytesPerSecond: 150_000 });
  apiApp = await startApp({ redisUrl: redis.url, dataDir, role: 'api' });
  apps.push(apiApp);
  http = api(apiApp.baseUrl, (await login(apiApp.baseUrl)).token);
}, 90_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await slow?.stop();
  await redis?.stop();
  await media?.cleanup();
  if (dataDir) await removeDir(dataDir);
});

async function startWorker(env: Record<string, string> = {}): Promise<AppProcess> {
  const worker = await startApp({ redisUrl: redis.url, dataDir, role: 'worker', env });
  apps.push(worker);
  return worker;
}


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
function partialFiles(): string[] {
  return filesUnder(dataDir).filter((f) => /\.(part|ytdl)$|\.part-Frag|\.temp\./.test(f));
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

const workDirOf = (jobId: string) => path.join(dataDir, 'media.work', jobId);

it('a worker SIGKILLed mid-download takes yt-dlp with it; another takes the job over from a clean folder', async () => {
  const workerA = await startWorker();
  slow.setBytesPerSecond(150_000);
  const { body: job } = await http.post('/api/jobs', { url: slow.url(`/${longClip}`) });
  await waitUntil(async () => (await http.get(`/api/jobs/${job.id}`)).body.progress.downloadedBytes > 100_000, 30_000, 'download progress');
  expect(partialFiles().length).toBeGreaterThan(0); // a .part is being written

  const before = await killHard(workerA);
  expect(before.tools.some((t) => /yt-dlp/.test(t.cmd))).toBe(true);
  await expectAllGone(before);

  slow.setBytesPerSecond(undefined);
  const workerB = await startWorker();
  // BullMQ frees a dead worker's job once its lock lapses (STAGE_WORKER_OPTIONS: 20 s + 5 s).
  const done = await waitForState(http, job.id, ['completed', 'failed'], 90_000);
  expect(done.state).toBe('completed');
  expect(done.progress.percent).toBe(100);
  expect(partialFiles()).toEqual([]);
  expect(fs.existsSync(workDirOf(job.id))).toBe(false);
  await workerB.stop();
}, 150_000);

it('a worker SIGKILLed mid-transcode takes ffmpeg with it; the job still completes', async () => {
  slow.setBytesPerSecond(undefined);
  const workerC = await startWorker();
  const { body: job } = await http.post('/api/jobs', { url: slow.url(`/${mpeg4Clip}`), format: '480p' });
  await waitUntil(() => toolsOf(workerC.proc.pid!).tools.some((t) => /ffmpeg/.test(t.cmd) && /libx264/.test(t.cmd)), 60_000, 'the encode to start');
  const before = await killHard(workerC);
  await expectAllGone(before);

  const workerD = await startWorker();
  const done = await waitForState(http, job.id, ['completed', 'failed'], 120_000);
  expect(done.state).toBe('completed');
  expect(partialFiles()).toEqual([]);
  expect(fs.existsSync(workDirOf(job.id))).toBe(false);
  await workerD.stop();
}, 180_000);

it("yt-dlp's own ffmpeg dies with the worker too (the whole process group goes)", async () => {
  // A stand-in worker: the built runTool under the same guard, yt-dlp handing the fetch to ffmpeg.
  const script = path.join(dataDir, 'stand-in-worker.js');
  fs.writeFileSync(
    script,
    `const { configureToolLaunch, runTool } = require(${JSON.stringify(path.join(path.dirname(MAIN_JS), 'pipeline/process/run-tool.js'))});
configureToolLaunch({ setprivPath: '/usr/bin/setpriv', ledger: null });
runTool('yt-dlp', ['--ignore-config', '--no-cache-dir', '--downloader', 'ffmpeg', '-o', ${JSON.stringify(path.join(dataDir, 'stand-in.%(ext)s'))}, '--', process.argv[2]]);
setInterval(() => undefined, 1000);\n`,
  );
  slow.setBytesPerSecond(100_000);
  const standIn = spawn(process.execPath, [script, slow.url(`/${longClip}`)], { stdio: 'ignore' });
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
  const root = ledgerRoot(dataDir);
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
  const hanging = await startMediaServer(media.dir, { stall: { path: `/${longClip}`, afterBytes: 300_000 } });
  const worker = await startWorker({ STALL_TIMEOUT_SECONDS: '6' });
  try {
    const { body: job } = await http.post('/api/jobs', { url: hanging.url(`/${longClip}`) });
    await waitUntil(() => hanging.stallsDone() > 0, 30_000, 'the source to hang');
    const hungAt = Date.now();
    const failed = await waitForState(http, job.id, ['failed', 'completed'], 40_000);
    expect(failed.state).toBe('failed');
    expect(failed.error.code).toBe('stalled');
    expect(failed.error.message).toMatch(/Nothing arrived from the site for 6 s/);
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
  const { bavail, bsize } = fs.statfsSync(dataDir);
  const free = bavail * bsize;
  const fullApi = await startApp({ redisUrl: redis.url, dataDir, role: 'api', env: { MIN_FREE_DISK_BYTES: String(free * 2) } });
  apps.push(fullApi);
  const refused = await api(fullApi.baseUrl, (await login(fullApi.baseUrl)).token).post('/api/jobs', { url: slow.url(`/${longClip}`) });
  expect(refused.status).toBe(507);
  expect(refused.body.code).toBe('disk_full');
  expect(refused.body.message).toMatch(/almost out of disk space .* free; it keeps .* free/);
  await fullApi.stop();

  // The floor sits 25 MB under what is free now: a 400 MB download crosses it within a second or
  // two, however much other suites sharing this disk free or fill meanwhile (tens of MB).
  const big = path.join(media.dir, 'big.mp4');
  fs.writeFileSync(big, Buffer.alloc(400 * 1024 * 1024, 1));
  slow.setBytesPerSecond(40_000_000);
  const now = fs.statfsSync(dataDir);
  const worker = await startWorker({ MIN_FREE_DISK_BYTES: String(now.bavail * now.bsize - 25 * 1024 * 1024) });
  try {
    const { body: job } = await http.post('/api/jobs', { url: slow.url('/big.mp4') });
    const states = new Set<string>();
    let last: { state: string; error?: { code: string; message: string } } = job;
    await waitUntil(async () => {
      last = (await http.get(`/api/jobs/${job.id}`)).body;
      states.add(last.state);
      return ['failed', 'completed', 'cancelled'].includes(last.state);
    }, 60_000, 'the download to end');
    expect(last.state).toBe('failed');
    expect(last.error?.code).toBe('disk_full');
    expect(last.error?.message).toMatch(/ran out of disk space/);
    expect(states.has('downloading')).toBe(true); // it failed while downloading, not before
    expect(toolsOf(worker.proc.pid!).tools.filter((t) => /yt-dlp|ffmpeg/.test(t.cmd))).toEqual([]);
    await waitUntil(() => !fs.existsSync(workDirOf(job.id)), 5000, 'the work folder to go');
    expect(partialFiles()).toEqual([]);
  } finally {
    await worker.stop();
    fs.rmSync(big, { force: true });
  }
}, 120_000);

it('SIGTERM to an api tells its sockets why before they close, and they reconnect by themselves', async () => {
  const leaving = await startApp({ redisUrl: redis.url, dataDir, role: 'api' });
  apps.push(leaving);
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
