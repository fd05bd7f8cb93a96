import { JOB_STATES } from '../jobs/job.types';
import { FIRST_QUEUE, PIPELINE, QUEUE_NAMES, QueueName, STAGE_SPAN, stageJobOptions } from './pipeline';

describe('the declared pipeline', () => {
  it('runs download then transcode, and every queue is reached from the first', () => {
    expect(FIRST_QUEUE).toBe(QueueName.Download);
    expect(QUEUE_NAMES).toEqual([QueueName.Download, QueueName.Transcode]);
    expect(PIPELINE[QueueName.Transcode].next).toBeNull();
  });

  it('gives the running states shares of the percent that follow each other from 0 to 100 in state order', () => {
    const running = JOB_STATES.filter((s) => s in STAGE_SPAN) as (keyof typeof STAGE_SPAN)[];
    expect(running).toEqual(['probing', 'downloading', 'transcoding']);
    expect(STAGE_SPAN[running[0]].from).toBe(0);
    for (let i = 1; i < running.length; i++) expect(STAGE_SPAN[running[i]].from).toBe(STAGE_SPAN[running[i - 1]].to);
    expect(STAGE_SPAN[running[running.length - 1]].to).toBe(100);
  });

  it('takes each stage’s slots from its own setting', () => {
    const config = { downloadConcurrency: 3, transcodeConcurrency: 1 } as Parameters<(typeof PIPELINE)[QueueName]['concurrency']>[0];
    expect(QUEUE_NAMES.map((q) => PIPELINE[q].concurrency(config))).toEqual([3, 1]);
  });

  it('names queue entries per attempt, so a retry is a new entry', () => {
    expect(stageJobOptions('abc', 2).jobId).toBe('abc-a2');
    expect(stageJobOptions('abc', 3).jobId).not.toBe(stageJobOptions('abc', 2).jobId);
  });
});
