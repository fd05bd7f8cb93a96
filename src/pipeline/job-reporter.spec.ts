import { emptyProgress, JobSnapshot } from '../jobs/job.types';
import { JobReporter } from './job-reporter';
import { JobSupersededError } from './pipeline-error';

const job = (): JobSnapshot => ({
  id: 'abcdefghijkl', kind: 'video', parentId: null, url: 'https://example.com/v', format: 'best', ownerId: 'u1', state: 'queued', seq: 1,
  attempt: 1, progress: emptyProgress(), message: '', title: null, durationSec: null, thumbnailUrl: null,
  createdAt: '', updatedAt: '', finishedAt: null,
});

/** A writer like the store's: assigns seq, records what a watcher would receive. */
function recordingWriter(refuseAfter = Infinity) {
  const written: JobSnapshot[] = [];
  let seq = 1;
  const write = async (next: JobSnapshot) => {
    if (written.length >= refuseAfter) return null;
    const stored = { ...next, seq: ++seq };
    written.push(stored);
    return stored;
  };
  return { written, write };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JobReporter', () => {
  it('publishes a burst of progress as a few events, the latest value last', async () => {
    const { written, write } = recordingWriter();
    const reporter = new JobReporter(job(), write, 100);
    await reporter.enter('downloading', 'Downloading');
    for (let i = 1; i <= 200; i++) {
      reporter.progress(i / 2);
      if (i % 20 === 0) await sleep(20);
    }
    await sleep(150);
    await reporter.close();
    const progressEvents = written.filter((w) => w.state === 'downloading').length - 1;
    // ~200 ms of updates at one write per 100 ms: a handful of events, not two hundred.
    expect(progressEvents).toBeGreaterThanOrEqual(2);
    expect(progressEvents).toBeLessThanOrEqual(5);
    expect(written[written.length - 1].progress.stagePercent).toBe(100);
  });

  it('never lets whole-job percent go backwards, across stages and within one', async () => {
    const { written, write } = recordingWriter();
    const reporter = new JobReporter(job(), write, 0);
    await reporter.enter('probing', 'Looking');
    reporter.progress(100);
    await reporter.enter('downloading', 'Downloading');
    reporter.progress(80);
    reporter.progress(30); // a second file restarting must not pull the bar back
    await reporter.enter('transcoding', 'Converting');
    reporter.progress(50);
    await reporter.complete({ playlistUrl: '/m', posterUrl: null, renditions: [], sizeBytes: 1, durationSec: 1, videoCopied: true }, 'Done');
    await reporter.close();
    const percents = written.map((w) => w.progress.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents[percents.length - 1]).toBe(100);
    expect(written.map((w) => w.seq)).toEqual(written.map((_, i) => i + 2));
  });

  it('writes state changes at once, even inside a throttle window', async () => {
    const { written, write } = recordingWriter();
    const reporter = new JobReporter(job(), write, 10_000);
    await reporter.enter('downloading', 'Downloading');
    reporter.progress(10);
    await reporter.enter('transcoding', 'Converting');
    await reporter.close();
    expect(written.map((w) => w.state)).toEqual(['downloading', 'transcoding']);
  });

  it('stops and calls back when the store refuses a write (cancelled elsewhere)', async () => {
    const { written, write } = recordingWriter(1);
    let superseded = 0;
    const reporter = new JobReporter(job(), write, 0, () => superseded++);
    await reporter.enter('probing', 'Looking');
    await expect(reporter.enter('downloading', 'Downloading')).rejects.toThrow(JobSupersededError);
    reporter.progress(50);
    await reporter.close();
    expect(written).toHaveLength(1);
    expect(reporter.superseded).toBe(true);
    expect(superseded).toBe(1);
  });
});
