import { spawnSync } from 'node:child_process';
import { fileRemuxCommand } from './file-args';
import { withProgress } from './progress-args';

describe('withProgress', () => {
  it('makes the silent remux report progress on stdout, where the stall watch listens', () => {
    // The remux's own input options, on a generated input: as it stands it prints nothing at all.
    const { inputOptions } = fileRemuxCommand('video');
    const loglevel = inputOptions.slice(0, 3);
    const run = (opts: string[]) =>
      spawnSync('ffmpeg', [...opts, '-f', 'lavfi', '-i', 'testsrc2=size=160x90:duration=1', '-c:v', 'mpeg4', '-f', 'null', '-'], { encoding: 'utf8' });
    const silent = run(loglevel);
    expect(silent.status).toBe(0);
    expect(silent.stdout + silent.stderr).toBe('');
    const reporting = run(withProgress(loglevel));
    expect(reporting.status).toBe(0);
    expect(reporting.stdout).toMatch(/^progress=end$/m);
  });

  it('leaves options that already ask for progress as they are', () => {
    const opts = ['-hide_banner', '-nostats', '-progress', 'pipe:1'];
    expect(withProgress(opts)).toEqual(opts);
  });
});
