import { ToolStop } from './tool-stop';

describe('ToolStop', () => {
  it("stops when the job's signal aborts, and then has no reason of its own", () => {
    const job = new AbortController();
    const stop = new ToolStop<'limit'>(job.signal);
    job.abort('cancel');
    expect(stop.signal.aborted).toBe(true);
    stop.stop('limit');
    expect(stop.reason).toBeNull();
  });

  it('stops for its own reason without touching the job', () => {
    const job = new AbortController();
    const stop = new ToolStop<'limit'>(job.signal);
    stop.stop('limit');
    expect(stop.signal.aborted).toBe(true);
    expect(job.signal.aborted).toBe(false);
    expect(stop.reason).toBe('limit');
  });

  it('is stopped from the start for a job already aborted, and unhooks on dispose', () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(new ToolStop(aborted.signal).signal.aborted).toBe(true);
    const job = new AbortController();
    const stop = new ToolStop(job.signal);
    stop.dispose();
    job.abort();
    expect(stop.signal.aborted).toBe(false);
  });
});
