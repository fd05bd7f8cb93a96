import { newJob, toCancelled, toCompleted, toFailed } from '../jobs/job-lifecycle';
import type { JobResult } from '../jobs/job.types';
import { expiredJobs, retentionSweepEveryMs } from './retention-policy';

const DAY = 86_400_000;
const t0 = Date.parse('2026-11-01T00:00:00Z');
const result: JobResult = { playlistUrl: '/media/x/master.m3u8', posterUrl: null, renditions: [], sizeBytes: 1, durationSec: 6, videoCopied: true } as JobResult;
const job = (id: string, parentId: string | null = null) => newJob({ id, ownerId: 'u1', url: `https://example.com/${id}`, format: 'best', parentId }, new Date(t0));

describe('expiredJobs (RETENTION_DAYS)', () => {
  const now = t0 + 10 * DAY;
  const completedOld = toCompleted(job('completedOld'), result, 'Ready to play', new Date(t0 + 1 * DAY));
  const failedOlder = toFailed(job('failedOlder'), { code: 'stalled', message: 'x' }, new Date(t0));
  const cancelledOld = toCancelled(job('cancelledOld'), new Date(t0 + 2 * DAY));
  const completedRecent = toCompleted(job('completedRecent'), result, 'Ready to play', new Date(t0 + 9 * DAY));
  const running = { ...job('running'), state: 'downloading' as const };
  const childOld = toCompleted(job('childOld', 'parent1'), result, 'Ready to play', new Date(t0));

  it('takes finished jobs past the retention, oldest finish first, whatever their order in', () => {
    const expired = expiredJobs([completedRecent, completedOld, running, cancelledOld, failedOlder], now, 7 * DAY);
    expect(expired.map((j) => j.id)).toEqual(['failedOlder', 'completedOld', 'cancelledOld']);
  });

  it('never takes a job that is still queued or running, however old', () => {
    expect(expiredJobs([{ ...job('queuedOld') }, running], now, DAY)).toEqual([]);
  });

  it("leaves a collection's child to its collection", () => {
    expect(expiredJobs([childOld], now, DAY)).toEqual([]);
  });

  it('keeps a job until exactly the retention has passed', () => {
    expect(expiredJobs([completedRecent], t0 + 9 * DAY + DAY - 1, DAY)).toEqual([]);
    expect(expiredJobs([completedRecent], t0 + 10 * DAY, DAY).map((j) => j.id)).toEqual(['completedRecent']);
  });
});

describe('retentionSweepEveryMs', () => {
  it('looks a twentieth of the retention apart, between every second and hourly', () => {
    expect(retentionSweepEveryMs(30 * DAY)).toBe(3_600_000);
    expect(retentionSweepEveryMs(DAY / 24)).toBe(180_000);
    expect(retentionSweepEveryMs(5000)).toBe(1000);
  });
});
