// No cookies file outlives its run, however the run ended: a worker SIGKILLed while yt-dlp runs
// with the owner's cookies in clear (a job and a subscription check against a source that hangs)
// leaves them on disk; the next start on the same DATA_DIR and Redis removes them before it takes
// a job, and nothing else of the user's is lost. Then the sweep itself, folder by folder.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { FolderOwner, ownMarker, OWNER_FILE, removeOrphanPrivateFolders } from '../src/cookies/private-folders';
import { workerKeys } from '../src/workers/worker-keys';
import { addUser, logInAs, type Person } from './support/api';
import { filesContaining, findFiles, makeClip, putCookiesAt } from './support/cookies';
import { waitForState } from './support/jobs';
import { descendantsOf, stillRunning } from './support/process';
import { useStack } from './support/stack';
import { waitUntil } from './support/util';

const SECRET = 'secret-crash-value-77';
const COOKIES = `# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tmember\t${SECRET}\n`;

let clip: string;
const stack = useStack({ dataDir: true, media: { standard: false, prepare: async (dir) => (clip = await makeClip(dir)), server: false }, app: true });
let origin: HangingOrigin;
beforeAll(async () => {
  origin = await startHangingOrigin(await fsp.readFile(clip));
  stack.onTeardown(() => origin.stop());
});

interface HangingOrigin {
  url(p: string): string;
  /** Requests being held unanswered now. */
  held(): number;
  /** From now on: `/video.mp4` and `/clip.mp4` only with the member cookie, `/channel.html` a page with one video. */
  release(): void;
  stop(): Promise<void>;
}

/** A loopback site that answers nothing (yt-dlp waits mid-run) until released. */
async function startHangingOrigin(clip: Buffer): Promise<HangingOrigin> {
  const holding = new Set<http.ServerResponse>();
  let released = false;
  const server = http.createServer((req, res) => {
    if (!released) {
      holding.add(res);
      res.once('close', () => holding.delete(res));
      return;
    }
    if (req.url === '/channel.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return void res.end('<html><head><title>Members channel</title></head><body><video src="/clip.mp4"></video></body></html>');
    }
    if (!(req.headers.cookie ?? '').split(/;\s*/).includes(`member=${SECRET}`)) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      return void res.end('members only\n');
    }
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': clip.length });
    res.end(req.method === 'HEAD' ? undefined : clip);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    held: () => holding.size,
    release: () => void (released = true),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of holding) res.socket?.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Every cookies.txt under the work folder, with the owner its private folder names. */
async function cookiesFilesWithOwners(): Promise<{ file: string; owner: FolderOwner | null }[]> {
  const files = await findFiles(path.join(stack.dataDir, 'media.work'), 'cookies.txt');
  return files.map((file) => {
    const marker = path.join(path.dirname(file), OWNER_FILE);
    return { file, owner: existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as FolderOwner) : null };
  });
}

it("a SIGKILLed worker's cookies files are gone at its restart, and the user keeps everything else", async () => {
  let app = stack.app;
  let user: Person = await addUser(stack.admin, 'crashcookies');
  expect((await putCookiesAt(app, user.token, COOKIES)).status).toBe(204);

  const job = await user.post('/api/jobs', { url: origin.url('/video.mp4') });
  expect(job.status).toBe(201);
  const sub = await user.post('/api/subscriptions', { url: origin.url('/channel.html') }); // checked at once
  expect(sub.status).toBe(201);

  // yt-dlp is mid-run for both, each with the owner's cookies in clear in its private folder.
  await waitUntil(() => origin.held() >= 2, 30_000, 'the job and the check to reach the hanging source');
  const during = await waitUntil(async () => {
    const found = await cookiesFilesWithOwners();
    return found.length === 2 ? found : undefined;
  }, 10_000, 'two cookies files');
  const deadPid = app.proc.pid!;
  expect(during.map((f) => f.owner?.workerId)).toEqual([`${os.hostname()}:${deadPid}`, `${os.hostname()}:${deadPid}`]);
  const places = during.map((f) => path.relative(path.join(stack.dataDir, 'media.work'), f.file));
  expect(places).toContain(path.join(job.body.id, 'a1', 'private', 'cookies.txt'));
  expect(places.some((p) => new RegExp(`^subscriptions/${sub.body.id}/[0-9a-f-]{36}/private/cookies\\.txt$`).test(p))).toBe(true);

  // SIGKILL by the pid we started; its yt-dlp runs die with it (pdeathsig).
  const tools = descendantsOf(deadPid);
  expect(tools.filter((t) => /yt-dlp/.test(t.cmd)).length).toBeGreaterThanOrEqual(2);
  app.proc.kill('SIGKILL');
  await app.exited;
  await waitUntil(() => stillRunning(tools).length === 0, 5_000, "the dead worker's tools to die");
  // What the crash leaves: the cookies in clear, with no process to remove them.
  expect(during.every((f) => existsSync(f.file))).toBe(true);

  origin.release();
  const oldLogs = app.logs();
  app = await stack.startApp();
  // Swept before the restarted worker was ready, let alone took a job (their locks lapse only in 20-30 s).
  expect(during.filter((f) => existsSync(f.file))).toEqual([]);
  expect(await cookiesFilesWithOwners()).toEqual([]);
  expect(app.logs()).toContain(`Removed the private folder (cookies) of job ${job.body.id} (attempt 1): its worker ${os.hostname()}:${deadPid} is no longer running`);
  expect(app.logs()).toContain(`Removed the private folder (cookies) of subscription ${sub.body.id}: its worker`);
  expect(existsSync(path.join(stack.dataDir, 'media.work', 'subscriptions', sub.body.id))).toBe(false);

  // Nothing else of the user's is lost: the account, the cookies (still opened with the same key),
  // the job (which completes with them), the subscription (whose check ends, this time with its find).
  user = await logInAs(app.baseUrl, 'crashcookies');
  expect((await user.get('/api/me/cookies')).body).toMatchObject({ present: true, domains: ['127.0.0.1'] });
  const done = await waitForState(user, job.body.id, ['completed', 'failed'], 90_000);
  expect([done.state, done.error?.message]).toEqual(['completed', undefined]);
  // The check the crash cut short is taken up again once its lock lapses (BullMQ's stalled-job check).
  const checked = await waitUntil(async () => {
    const found = ((await user.get('/api/subscriptions')).body.items as { id: string; lastCheckedAt: string | null }[]).find((s) => s.id === sub.body.id);
    return found?.lastCheckedAt ? found : undefined;
  }, 90_000, 'a check of the subscription to end');
  expect(checked).toMatchObject({ lastError: null, seen: 1 });
  // The check's find is the user's too: it downloads with the same cookies.
  const found = ((await user.get('/api/jobs?limit=100')).body.items as { id: string }[]).filter((j) => j.id !== job.body.id);
  expect(found).toHaveLength(1);
  expect((await waitForState(user, found[0].id, ['completed', 'failed'], 90_000)).state).toBe('completed');

  // And no value in clear anywhere: not on disk, not in either process's logs.
  expect(await findFiles(stack.dataDir, 'cookies.txt')).toEqual([]);
  expect(await filesContaining(stack.dataDir, SECRET)).toEqual([]);
  expect(oldLogs + app.logs()).not.toContain(SECRET);
}, 240_000);

describe('the sweep of private folders', () => {
  let workDir: string;
  let client: Redis;
  const otherHost = 'another-host.example';

  beforeAll(async () => {
    workDir = await stack.tempDir('private-folders');
    client = new Redis(stack.redis.url);
    stack.onTeardown(() => client.disconnect());
  });

  /** A run folder's private folder with `owner`'s marker (none: null) and a cookies file. */
  async function privateFolder(rel: string, owner: FolderOwner | null, ageSeconds = 0): Promise<string> {
    const dir = path.join(workDir, rel, 'private');
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    if (owner) await fsp.writeFile(path.join(dir, OWNER_FILE), JSON.stringify(owner));
    await fsp.writeFile(path.join(dir, 'cookies.txt'), COOKIES, { mode: 0o600 });
    if (ageSeconds) {
      const then = new Date(Date.now() - ageSeconds * 1000);
      await fsp.utimes(dir, then, then);
    }
    return dir;
  }

  it('keeps what a live process owns and removes the rest, saying whose it was', async () => {
    const me = ownMarker();
    // A pid that ran and exited: its marker names a dead process.
    const gone = spawnSync('true').pid as number;
    const dead: FolderOwner = { ...me, workerId: `${me.host}:${gone}`, pid: gone };
    const reused: FolderOwner = { ...me, startTicks: me.startTicks + 1 }; // this pid, another process's start
    const remoteLive: FolderOwner = { workerId: `${otherHost}:41`, host: otherHost, pid: 41, startTicks: 5 };
    const remoteDead: FolderOwner = { workerId: `${otherHost}:42`, host: otherHost, pid: 42, startTicks: 5 };
    await client.set(workerKeys.heartbeat(remoteLive.workerId), '{}', 'EX', 60);

    const kept = [
      await privateFolder('JobLiveOwner/a1', me),
      await privateFolder('JobRemoteLiv/a1', remoteLive),
      await privateFolder('JobUnmarkedN/a1', null, 5), // its run may be writing the marker
      await privateFolder('subscriptions/SubLiveOwner/11111111-1111-4111-8111-111111111111', me),
    ];
    const removed = [
      await privateFolder('JobDeadOwner/a2', dead),
      await privateFolder('JobReusedPid/a1', reused),
      await privateFolder('JobRemoteDed/a3', remoteDead),
      await privateFolder('JobUnmarkedO/a1', null, 120),
      await privateFolder('subscriptions/SubDeadOwner/22222222-2222-4222-8222-222222222222', dead),
    ];
    // A symlink named `private` is never followed: the folder it points to stays.
    const elsewhere = await privateFolder('JobSymTarget/b1', dead); // not a run folder: never scanned
    await fsp.mkdir(path.join(workDir, 'JobSymlinked', 'a1'), { recursive: true });
    await fsp.symlink(elsewhere, path.join(workDir, 'JobSymlinked', 'a1', 'private'));

    const lines: string[] = [];
    expect(await removeOrphanPrivateFolders({ workDir }, client, (line) => lines.push(line))).toBe(removed.length);
    expect(kept.filter((dir) => !existsSync(path.join(dir, 'cookies.txt')))).toEqual([]);
    expect(removed.filter((dir) => existsSync(dir))).toEqual([]);
    expect(existsSync(path.join(elsewhere, 'cookies.txt'))).toBe(true);
    // The subscription's emptied run folder and subscription folder go too; a job's attempt folder is its job's.
    expect(existsSync(path.join(workDir, 'subscriptions', 'SubDeadOwner'))).toBe(false);
    expect(existsSync(path.join(workDir, 'JobDeadOwner', 'a2'))).toBe(true);

    expect(lines.sort()).toEqual([
      `Removed the private folder (cookies) of job JobDeadOwner (attempt 2): its worker ${dead.workerId} is no longer running`,
      `Removed the private folder (cookies) of job JobRemoteDed (attempt 3): its worker ${remoteDead.workerId} has no heartbeat any more`,
      `Removed the private folder (cookies) of job JobReusedPid (attempt 1): its worker ${me.workerId} is no longer running`,
      expect.stringMatching(/^Removed the private folder \(cookies\) of job JobUnmarkedO \(attempt 1\): it names no owner and is 1\d\d s old$/),
      `Removed the private folder (cookies) of subscription SubDeadOwner: its worker ${dead.workerId} is no longer running`,
    ]);
    expect(lines.join('\n')).not.toContain(SECRET);

    // Once the other host's heartbeat expires, its folder goes too; a second sweep finds nothing else.
    await client.del(workerKeys.heartbeat(remoteLive.workerId));
    expect(await removeOrphanPrivateFolders({ workDir }, client)).toBe(1);
    expect(await removeOrphanPrivateFolders({ workDir }, client)).toBe(0);
  });
});
