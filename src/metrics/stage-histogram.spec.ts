import { bucketField, histogramValues, STAGE_DURATION_BUCKETS } from './stage-histogram';
import { deliveryResult, stageOutcome } from './metrics-keys';

describe('a histogram kept as counters in Redis', () => {
  it('puts an observation in the first bucket whose bound it does not pass, and past the last in +Inf', () => {
    expect(bucketField(0)).toBe('le:0.5');
    expect(bucketField(0.5)).toBe('le:0.5'); // Prometheus buckets are "less or equal"
    expect(bucketField(0.51)).toBe('le:1');
    expect(bucketField(4.2)).toBe('le:5');
    expect(bucketField(3600)).toBe('le:3600');
    expect(bucketField(3600.01)).toBe('le:+Inf');
  });

  it('exports cumulative buckets, +Inf equal to the count, the sum and the count', () => {
    // What Redis holds after runs of 0.3 s, 0.4 s, 4 s and two hours (one HINCRBY per run).
    const stored = { 'le:0.5': '2', 'le:5': '1', 'le:+Inf': '1', count: '4', sum: '7204.7' };
    const values = histogramValues('vidpipe_stage_duration_seconds', { stage: 'download', outcome: 'done' }, stored);
    const bucket = (le: number | string) => values.find((v) => v.metricName.endsWith('_bucket') && v.labels.le === le)?.value;
    expect(bucket(0.5)).toBe(2);
    expect(bucket(1)).toBe(2);
    expect(bucket(2)).toBe(2);
    expect(bucket(5)).toBe(3);
    expect(bucket(3600)).toBe(3);
    expect(bucket('+Inf')).toBe(4);
    expect(values.filter((v) => v.metricName.endsWith('_bucket'))).toHaveLength(STAGE_DURATION_BUCKETS.length + 1);
    expect(values.find((v) => v.metricName === 'vidpipe_stage_duration_seconds_sum')).toEqual({
      metricName: 'vidpipe_stage_duration_seconds_sum',
      labels: { stage: 'download', outcome: 'done' },
      value: 7204.7,
    });
    expect(values.find((v) => v.metricName === 'vidpipe_stage_duration_seconds_count')?.value).toBe(4);
  });

  it('reads a stage that never ran as all zeros (the series exist before the first job)', () => {
    const values = histogramValues('h', { stage: 'transcode', outcome: 'failed' }, {});
    expect(values.every((v) => v.value === 0)).toBe(true);
    expect(values).toHaveLength(STAGE_DURATION_BUCKETS.length + 3);
  });
});

describe('how a stage run ended', () => {
  const run = { stopped: false, superseded: false, failed: false, aborted: false };
  it('calls a hand-back at shutdown stopped, whatever else is true', () => {
    expect(stageOutcome({ stopped: true, superseded: true, failed: true, aborted: true })).toBe('stopped');
  });
  it('calls a run superseded by a cancel or retry cancelled, even if it had written a failure', () => {
    expect(stageOutcome({ ...run, superseded: true, failed: true })).toBe('cancelled');
  });
  it('calls a run stopped for its own reason (a stall, a full disk) that wrote a failure failed', () => {
    expect(stageOutcome({ ...run, aborted: true, failed: true })).toBe('failed');
  });
  it('calls an aborted run without a failure cancelled, and the rest done', () => {
    expect(stageOutcome({ ...run, aborted: true })).toBe('cancelled');
    expect(stageOutcome(run)).toBe('done');
  });
});

describe('a webhook delivery result', () => {
  it("is the receiver's status class, or error when it did not answer", () => {
    expect([200, 204, 301, 404, 410, 500, 503].map(deliveryResult)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx']);
    expect(deliveryResult(null)).toBe('error');
    expect(deliveryResult(0)).toBe('error');
  });
});
