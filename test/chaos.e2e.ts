// Chaos: one api and three workers on one Redis and one DATA_DIR; a dozen jobs; a worker SIGKILLed
// every few seconds (by the pid this suite started) and replaced. Every job completes, no tool
// outlives its worker, no partial file is left, no job stays in a running state.
import fs from 'node:fs';
import path from 'node:path';
import type { AppProcess } from './support/app';
import { waitForState } from './support/jobs';
import { makeLongMp4 } from './support/media';
import { descendantsOf, identify, membersOfGroups, ProcIdentity, stillRunning } from './support/process';
import { useStack } from './support/stack';
import { sleep } from './support/util';

const JOBS = 12;
const KILLS = 5;
const KILL_EVERY_MS = 4000;

let longClip: string;
const stack = useStack({
  dataDir: true,
  media: {
    prepare: async (dir) => (longClip = path.basename(await makeLongMp4(dir, 20))),
    // Slow enough that every kill lands on downloads and transcodes under way.
    server: { bytesPerSecond: 250_000 },
  },
  app: { role: 'api' },
});

const startWorker = () => stack.startApp({ role: 'worker' });

/**
 * A worker's tools, and the process groups they lead: runTool's each have their own; ffmpeg run by
 * fluent-ffmpeg shares the worker's (which is the test runner's too), so that group is left out.
 */
function toolsOf(worker: AppProcess): { tools: ProcIdentity[]; groups: number[] } {
  const own = identify(worker.proc.pid!)?.pgid;
  if (own === undefined) return { tools: [], groups: [] };
  const tools = descendantsOf(worker.proc.pid!);
  return { tools, groups: [...new Set(tools.map((t) => t.pgid).filter((g) => g !== own))] };
}

it('a dozen jobs all complete while workers are SIGKILLed and replaced, leaving no tool and no partial file', async () => {
  const live: AppProcess[] = await Promise.all([startWorker(), startWorker(), startWorker()]);
  const clips = ['clip.mp4', longClip, 'clip.webm'];
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const { status, body } = await stack.admin.post('/api/jobs', { url: stack.server.url(`/${clips[i % clips.length]}`), format: i % 2 ? 'best' : '720p' });
    expect(status).toBe(201);
    ids.push(body.id);
  }

  // Every tool group any worker led, sampled all along: none may outlive the run.
  const groupsSeen = new Set<number>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const w of live) toolsOf(w).groups.forEach((g) => groupsSeen.add(g));
      await sleep(200);
    }
  })();

  const orphans: string[] = [];
  let toolsKilled = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    await sleep(KILL_EVERY_MS * (0.5 + Math.random()));
    const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0];
    const before = toolsOf(victim);
    victim.proc.kill('SIGKILL');
    await victim.exited;
    toolsKilled += before.tools.length;
    // Checked before the replacement starts: its sweep must not be what ends them.
    const left = () => [...stillRunning(before.tools), ...membersOfGroups(before.groups)];
    for (let waited = 0; waited < 3000 && left().length; waited += 50) await sleep(50);
    orphans.push(...left().map((p) => `${p.pid} ${p.cmd.slice(0, 120)}`));
    live.push(await startWorker());
  }

  const final = await Promise.all(ids.map((id) => waitForState(stack.admin, id, ['completed', 'failed', 'cancelled'], 180_000)));
  sampling = false;
  await sampler;
  expect(final.map((j) => `${j.id} ${j.state} ${j.error?.message ?? ''}`.trim())).toEqual(ids.map((id) => `${id} completed`));
  expect(toolsKilled).toBeGreaterThan(0); // the kills did land on running tools
  expect(orphans).toEqual([]);

  // Nothing partial anywhere, and every job's work folder is gone.
  const files = fs.readdirSync(stack.dataDir, { recursive: true }) as string[];
  expect(files.filter((f) => /\.(part|ytdl)$|\.part-Frag|\.temp\./.test(f))).toEqual([]);
  expect(fs.readdirSync(path.join(stack.dataDir, 'media.work'))).toEqual([]);

  await Promise.all(live.map((w) => w.stop()));
  expect(live.flatMap((w) => w.leftBehind)).toEqual([]);
  expect(membersOfGroups(groupsSeen).map((p) => p.cmd)).toEqual([]);
}, 300_000);
