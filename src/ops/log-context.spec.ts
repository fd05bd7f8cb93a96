import { enterLogContext, jobIdOfLine, jobIdOfPath, withLogContext } from './log-context';
import { loggablePath } from './request-log';

describe('the job a log line is about', () => {
  it('is the context it runs in, across awaits and timers', async () => {
    const seen = await withLogContext({ jobId: 'Ab3_dE-fGh12' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return jobIdOfLine('Stopping 1 running download job(s)');
    });
    expect(seen).toBe('Ab3_dE-fGh12');
    expect(jobIdOfLine('Stopping 1 running download job(s)')).toBeUndefined();
  });

  it('entered after an await, covers the rest of that function and not its caller', async () => {
    const stage = async () => {
      await Promise.resolve();
      enterLogContext({ jobId: 'Zz9yX8wV7u6T' });
      await new Promise((r) => setTimeout(r, 5));
      return jobIdOfLine('No poster: ffmpeg exited with 1');
    };
    expect(await stage()).toBe('Zz9yX8wV7u6T');
    expect(jobIdOfLine('a line after the stage')).toBeUndefined();
  });

  it('is otherwise the job the message names, as our messages name one', () => {
    expect(jobIdOfLine('Job Ab3_dE-fGh12 failed: source_not_found: The page answered 404.')).toBe('Ab3_dE-fGh12');
    expect(jobIdOfLine('Could not record the failure of job Ab3_dE-fGh12: gone')).toBe('Ab3_dE-fGh12');
    expect(jobIdOfLine('download of job Ab3_dE-fGh12: done after 1.2 s')).toBe('Ab3_dE-fGh12');
  });

  it('is not an English word that happens to follow "job", nor a longer token', () => {
    expect(jobIdOfLine('The job successfully ended')).toBeUndefined();
    expect(jobIdOfLine('job Ab3_dE-fGh12345 is not an id')).toBeUndefined();
  });
});

describe('the job a request is about', () => {
  it('comes from /api/jobs/<id>… and /media/<id>/…', () => {
    expect(jobIdOfPath('/api/jobs/Ab3_dE-fGh12')).toBe('Ab3_dE-fGh12');
    expect(jobIdOfPath('/api/jobs/Ab3_dE-fGh12/events')).toBe('Ab3_dE-fGh12');
    expect(jobIdOfPath('/media/Ab3_dE-fGh12/master.m3u8')).toBe('Ab3_dE-fGh12');
    expect(jobIdOfPath('/api/jobs')).toBeUndefined();
    expect(jobIdOfPath('/api/jobs/too-short')).toBeUndefined();
    expect(jobIdOfPath('/api/users/Ab3_dE-fGh12')).toBeUndefined();
  });
});

describe('a request path as logged', () => {
  it('keeps harmless query values and redacts every other one (a token, a pasted link)', () => {
    expect(loggablePath('/api/jobs?state=failed&limit=20&cursor=17')).toBe('/api/jobs?state=failed&limit=20&cursor=17');
    expect(loggablePath('/api/jobs/x/events?token=s3cr3t&state=completed')).toBe('/api/jobs/x/events?token=[redacted]&state=completed');
    expect(loggablePath('/?url=https%3A%2F%2Fexample.com%2Fwatch%3Fv%3D1')).toBe('/?url=[redacted]');
    expect(loggablePath('/metrics')).toBe('/metrics');
  });
});
