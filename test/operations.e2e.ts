// What an operator gets, over HTTP from the built app: an api and a separate worker process in
// JSON-log mode on the suite's own Redis. Metrics after real jobs, METRICS_TOKEN, the workers list
// from heartbeats (and the worker's own healthcheck), JSON logs with jobId and no secrets, and
// live/ready, ready failing once the suite's Redis is stopped by its pid.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CONFIG_KEYS } from '../src/config/config';
import { api, login } from './support/api';
import { type AppProcess, MAIN_JS } from './support/app';
import { waitForState } from './support/jobs';
import { useStack } from './support/stack';
import { run, sleep, terminate, trackChild } from './support/util';

const METRICS_TOKEN = 'metrics-token-for-the-operations-suite';
const HEALTHCHECK_JS = path.join(path.dirname(MAIN_JS), 'healthcheck.js');

const stack = useStack({
  dataDir: true,
  media: {},
  app: { role: 'api', env: { LOG_FORMAT: 'json', METRICS_TOKEN } },
  workers: 1,
});
const worker = (): AppProcess => stack.workers[0];
/** The redis-server the last test starts again on the same port. */
let restarted: ChildProcess | undefined;
stack.onTeardown(() => restarted && terminate(restarted));

/** GET /metrics as Prometheus would (with the token). */
async function scrape(token: string | null = METRICS_TOKEN): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${stack.app.baseUrl}/metrics`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** The value of one sample, e.g. sample(text, 'vidpipe_jobs', { state: 'completed' }); undefined if absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v) && Object.keys(have).length === Object.keys(labels).length) return Number(m[3]);
  }
  return undefined;
}

/** Polls until `check` returns a value that is not undefined/false, or fails with the last one seen. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    last = value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await sleep(250);
  }
}

/** `node dist/healthcheck.js` as the image runs it, with the container's environment. */
function healthcheck(env: Record<string, string>, args: string[] = []) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CONFIG_KEYS.includes(k)));
  return run(process.execPath, [HEALTHCHECK_JS, ...args], { env: { ...clean, ...env }, timeoutMs: 15_000 });
}

/** Every line the process wrote, parsed; fails on any line that is not one JSON object. */
function jsonLines(app: AppProcess): Record<string, unknown>[] {
  return app
    .logs()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      try {
        const parsed = JSON.parse(line) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // reported below
      }
      throw new Error(`not a JSON log line: ${line}`);
    });
}

it('answers live and ready, and /metrics only with the METRICS_TOKEN but without a session', async () => {
  const anonymous = api(stack.app.baseUrl, '');
  expect(await anonymous.get('/api/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
  const ready = await anonymous.get('/api/health/ready');
  expect(ready.status).toBe(200);
  expect(ready.body.details.redis.status).toBe('up');
  // The image's healthcheck for an api is the same readiness.
  const check = await healthcheck({ ROLE: 'api', PORT: String(stack.app.port) });
  expect(check).toMatchObject({ code: 0, stdout: 'healthy: GET /api/health/ready answered 200\n' });

  const without = await scrape(null);
  expect(without.status).toBe(401);
  expect(JSON.parse(without.text)).toMatchObject({ code: 'unauthorized' });
  expect((await scrape('not-the-metrics-token-at-all')).status).toBe(401);
  // A user's session is not the metrics token.
  expect((await scrape(stack.admin.token)).status).toBe(401);
  const ok = await scrape();
  expect(ok.status).toBe(200);
  expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(sample(ok.text, 'vidpipe_redis_up')).toBe(1);
  expect(ok.text).toMatch(/^# TYPE vidpipe_stage_duration_seconds histogram$/m);
  expect(ok.text).toMatch(/^# TYPE vidpipe_webhook_deliveries_total counter$/m);
});

it('lists the live worker process with its slots, tool versions and heartbeat; only to admins', async () => {
  const anonymous = api(stack.app.baseUrl, '');
  expect((await anonymous.get('/api/admin/workers')).status).toBe(401);
  expect((await stack.admin.post('/api/users', { username: 'viewer', password: 'viewer-password', role: 'user' })).status).toBe(201);
  const user = api(stack.app.baseUrl, (await login(stack.app.baseUrl, 'viewer', 'viewer-password')).token);
  expect((await user.get('/api/admin/workers')).status).toBe(403);

  const { body } = await stack.admin.get('/api/admin/workers');
  expect(body.workers).toHaveLength(1); // the api process runs no jobs and is not a worker
  const [w] = body.workers;
  expect(w).toMatchObject({
    pid: worker().proc.pid,
    id: `${w.host}:${worker().proc.pid}`,
    concurrency: { download: 2, transcode: 1 },
    runningJobs: [],
    ytdlp: { version: '2023.03.04', managed: false },
    ffmpeg: { version: expect.stringMatching(/^\d+\.\d+/) },
  });
  expect(Date.now() - Date.parse(w.lastHeartbeatAt)).toBeLessThan(30_000);

  // The container healthcheck of a worker: its heartbeat, read from Redis.
  const check = await healthcheck({ ROLE: 'worker', REDIS_URL: stack.redis.url }, ['--pid', String(worker().proc.pid)]);
  expect(check.stdout).toMatch(new RegExp(`^healthy: worker ${w.id.replace(/[.]/g, '\\.')}, last heartbeat \\d+ s ago`));
  expect(check.code).toBe(0);
});

it('after real jobs, exports jobs by state, stage durations, queue depth, running tools, sockets and relay lag', async () => {
  // A webhook receiver on loopback: each job's end is delivered there and counted.
  const hooks: string[] = [];
  const receiver = http.createServer((req, res) => {
    hooks.push(String(req.headers['x-vidpipe-event']));
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  expect((await stack.admin.post('/api/webhooks', { url: hookUrl })).status).toBe(201);

  const socket = await stack.connect();
  await eventually('one socket client', async () => sample((await scrape()).text, 'vidpipe_socket_clients') === 1);

  // A download slow enough (~4 s) that a heartbeat sees the worker's yt-dlp running.
  stack.server.setBytesPerSecond(Math.ceil(fs.statSync(stack.media.h264Mp4).size / 4));
  const { body: job } = await stack.admin.post('/api/jobs', { url: stack.server.url('/clip.mp4'), format: '720p' });
  // The workers list and the metrics read the same heartbeat: both show the job and its yt-dlp.
  const during = await eventually('the job and its yt-dlp, listed and in the metrics', async () => {
    const [list, metrics] = await Promise.all([stack.admin.get('/api/admin/workers'), scrape()]);
    const w = list.body.workers[0];
    const listed = w?.runningJobs.some((j) => j.id === job.id && j.stage === 'download') && w.runningTools['yt-dlp'] >= 1;
    const t = metrics.text;
    return listed && sample(t, 'vidpipe_running_jobs', { stage: 'download' }) === 1 && (sample(t, 'vidpipe_running_tools', { tool: 'yt-dlp' }) ?? 0) >= 1 && t;
  });
  expect(sample(during, 'vidpipe_worker_slots', { stage: 'download' })).toBe(2);
  expect(sample(during, 'vidpipe_jobs', { state: 'downloading' })).toBe(1);
  expect(sample(during, 'vidpipe_jobs', { state: 'queued' })).toBe(0);
  stack.server.setBytesPerSecond(undefined);
  await waitForState(stack.admin, job.id, ['completed'], 60_000);
  // A second job that fails: the source is gone.
  const { body: failed } = await stack.admin.post('/api/jobs', { url: stack.server.url('/missing.mp4'), format: '720p' });
  await waitForState(stack.admin, failed.id, ['failed'], 60_000);

  const text = await eventually('the finished jobs and their webhooks in the metrics', async () => {
    const t = (await scrape()).text;
    const ended = (state: string) => sample(t, 'vidpipe_jobs_ended_total', { state, kind: 'video' });
    const jobs = ended('completed') === 1 && ended('failed') === 1;
    return jobs && sample(t, 'vidpipe_webhook_deliveries_total', { result: '2xx' }) === 2 && t;
  });
  expect(hooks.sort()).toEqual(['job.completed', 'job.failed']);
  await new Promise((r) => receiver.close(r));
  for (const state of ['queued', 'probing', 'downloading', 'transcoding']) expect({ state, n: sample(text, 'vidpipe_jobs', { state }) }).toEqual({ state, n: 0 });
  expect(sample(text, 'vidpipe_jobs_ended_total', { state: 'cancelled', kind: 'video' })).toBeUndefined();
  for (const stage of ['download', 'transcode']) {
    const count = sample(text, 'vidpipe_stage_duration_seconds_count', { stage, outcome: 'done' });
    expect({ stage, count }).toEqual({ stage, count: 1 });
    expect(sample(text, 'vidpipe_stage_duration_seconds_bucket', { stage, outcome: 'done', le: '+Inf' })).toBe(1);
    expect(sample(text, 'vidpipe_stage_duration_seconds_sum', { stage, outcome: 'done' })).toBeGreaterThan(0);
  }
  // The throttled download took ~4 s: it is counted in a bucket above 2 s and not below.
  expect(sample(text, 'vidpipe_stage_duration_seconds_bucket', { stage: 'download', outcome: 'done', le: '2' })).toBe(0);
  expect(sample(text, 'vidpipe_stage_duration_seconds_count', { stage: 'download', outcome: 'failed' })).toBe(1);
  expect(sample(text, 'vidpipe_queue_jobs', { queue: 'download', state: 'completed' })).toBe(1);
  expect(sample(text, 'vidpipe_queue_jobs', { queue: 'download', state: 'failed' })).toBe(1);
  expect(sample(text, 'vidpipe_queue_jobs', { queue: 'transcode', state: 'completed' })).toBe(1);
  expect(sample(text, 'vidpipe_queue_jobs', { queue: 'download', state: 'waiting' })).toBe(0);
  expect(sample(text, 'vidpipe_queue_jobs', { queue: 'webhooks', state: 'waiting' })).toBe(0);
  expect(sample(text, 'vidpipe_workers')).toBe(1);
  expect(sample(text, 'vidpipe_event_relay_lag_seconds_count')).toBeGreaterThan(4);
  expect(sample(text, 'vidpipe_event_relay_lag_seconds_bucket', { le: '+Inf' })).toBe(sample(text, 'vidpipe_event_relay_lag_seconds_count'));
  await eventually('no tool running once the jobs ended', async () => sample((await scrape()).text, 'vidpipe_running_tools', { tool: 'yt-dlp' }) === 0);

  socket.disconnect();
  await eventually('no socket client after it left', async () => sample((await scrape()).text, 'vidpipe_socket_clients') === 0);

  // JSON logs: one object per line, every line about a job carries its id.
  const workerLines = jsonLines(worker());
  const apiLines = jsonLines(stack.app);
  for (const line of [...workerLines, ...apiLines]) {
    expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String), pid: expect.any(Number) });
    for (const id of [job.id, failed.id]) {
      if (String(line.msg).includes(id)) expect({ msg: line.msg, jobId: line.jobId }).toEqual({ msg: line.msg, jobId: id });
    }
  }
  const about = (id: string) => workerLines.filter((l) => l.jobId === id).map((l) => l.msg);
  expect(about(job.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^download of job \S+: done after/), expect.stringMatching(/^transcode of job \S+: done after/)]));
  expect(about(failed.id)).toEqual(expect.arrayContaining([expect.stringMatching(/failed: source_not_found/)]));
});

it('logs requests with their jobId and without the cookie or bearer token that came with them', async () => {
  const { body: list } = await stack.admin.get('/api/jobs');
  const jobId: string = list.items[0].id;
  // Both credentials on one request, as a browser extension or a proxy might send them.
  const res = await stack.admin.request('GET', `/api/jobs/${jobId}?token=${stack.admin.token}&state=completed`, undefined, { Cookie: stack.admin.cookie });
  expect(res.status).toBe(200);
  const line = await eventually('the request line', async () =>
    jsonLines(stack.app).find((l) => l.context === 'http' && String((l.req as { path?: string })?.path).startsWith(`/api/jobs/${jobId}?`)),
  );
  expect(line).toMatchObject({
    jobId,
    req: { method: 'GET', path: `/api/jobs/${jobId}?token=[redacted]&state=completed` },
    res: { statusCode: 200 },
    userId: expect.any(String),
  });
  const cookieValue = stack.admin.cookie.split('=')[1];
  expect(cookieValue.length).toBeGreaterThan(20);
  for (const app of [stack.app, worker()]) {
    expect(app.logs()).not.toContain(stack.admin.token);
    expect(app.logs()).not.toContain(cookieValue);
    expect(app.logs()).not.toMatch(/authorization|"cookie"/i);
  }
});

it('drops a stopped worker from the list at once, and its healthcheck fails', async () => {
  const pid = worker().proc.pid;
  await worker().stop();
  expect((await stack.admin.get('/api/admin/workers')).body.workers).toEqual([]);
  expect(sample((await scrape()).text, 'vidpipe_workers')).toBe(0);
  const check = await healthcheck({ ROLE: 'worker', REDIS_URL: stack.redis.url }, ['--pid', String(pid)]);
  expect(check.code).toBe(1);
  expect(check.stdout).toMatch(/^unhealthy: no live worker/);
});

it('is not ready while Redis is down, yet live, and still answers /metrics', async () => {
  await stack.redis.stop(); // the suite's own redis-server, by the pid it started
  const anonymous = api(stack.app.baseUrl, '');
  const ready = await anonymous.get('/api/health/ready');
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ code: 'unhealthy', message: 'Not healthy: redis failed.' });
  expect(ready.body.details.redis.status).toBe('down');
  expect(await anonymous.get('/api/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
  expect(await healthcheck({ ROLE: 'api', PORT: String(stack.app.port) })).toMatchObject({ code: 1, stdout: 'unhealthy: GET /api/health/ready answered 503\n' });
  const metrics = await scrape();
  expect(metrics.status).toBe(200);
  expect(sample(metrics.text, 'vidpipe_redis_up')).toBe(0);
  expect(sample(metrics.text, 'vidpipe_socket_clients')).toBe(0);
  expect(sample(metrics.text, 'vidpipe_jobs', { state: 'queued' })).toBeUndefined(); // nothing cluster-wide is made up

  // Redis back on its port (empty): ready again without a restart of the api.
  restarted = spawn('redis-server', ['--port', String(stack.redis.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', stack.dataDir], { stdio: 'ignore' });
  trackChild(restarted);
  await eventually('ready once Redis is back', async () => (await anonymous.get('/api/health/ready')).status === 200, 30_000);
  expect(sample((await scrape()).text, 'vidpipe_redis_up')).toBe(1);
  // The outage was told in JSON lines too, not as raw errors on stderr.
  expect(jsonLines(stack.app).some((l) => l.level === 'warn' && /ECONNREFUSED/.test(String(l.msg)))).toBe(true);
});
