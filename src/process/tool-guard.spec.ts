import { spawn } from 'node:child_process';
import { procStat } from './tool-ledger';
import { GROUP_GUARD_NAME, GROUP_GUARD_SCRIPT, guardedArgv, pdeathsigLauncherScript, shQuote } from './tool-guard';

/** Runs the guard's script under the real /bin/sh (without setpriv: that part needs a dying parent, see test/faults.e2e.ts). */
function runGuard(command: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', GROUP_GUARD_SCRIPT, GROUP_GUARD_NAME, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('close', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('the group guard', () => {
  it('starts setpriv with a parent-death TERM, then the guard shell, then the tool argv untouched', () => {
    expect(guardedArgv('/usr/bin/setpriv', 'yt-dlp', ['-J', '--', 'https://x/a b'])).toEqual({
      command: '/usr/bin/setpriv',
      args: ['--pdeathsig', 'TERM', '--', '/bin/sh', '-c', GROUP_GUARD_SCRIPT, GROUP_GUARD_NAME, 'yt-dlp', '-J', '--', 'https://x/a b'],
    });
  });

  it("passes the tool's output and exit code through as they were", async () => {
    expect(await runGuard('sh', ['-c', 'echo "$1"; exit 3', 'x', 'one arg; $(not run)'])).toEqual({ code: 3, signal: null, out: 'one arg; $(not run)\n' });
  });

  it('reports a tool killed by a signal as killed by that signal (callers read exitCode null)', async () => {
    expect(await runGuard('sh', ['-c', 'kill -KILL $$'])).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(await runGuard('sh', ['-c', 'kill -TERM $$'])).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('on TERM (what the parent-death signal sends) kills the tool and what the tool started', async () => {
    const guard = spawn('/bin/sh', ['-c', GROUP_GUARD_SCRIPT, GROUP_GUARD_NAME, 'sh', '-c', 'sleep 30 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const grandchild = await new Promise<number>((resolve) => guard.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
    guard.kill('SIGTERM');
    await new Promise((resolve) => guard.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(procStat(grandchild)).toBeNull(); // the sleep went with the group (a zombie counts as gone)
  });
});

describe('the ffmpeg launcher for fluent-ffmpeg', () => {
  it('execs the tool under setpriv (same pid, so the library can still kill it), quoting the paths', () => {
    expect(pdeathsigLauncherScript('/usr/bin/setpriv', "/opt/my ff'mpeg")).toBe(
      "#!/bin/sh\n# Written by vidpipe: /opt/my ff'mpeg dies with the worker that started it.\nexec '/usr/bin/setpriv' --pdeathsig KILL -- '/opt/my ff'\\''mpeg' \"$@\"\n",
    );
  });

  it('quotes anything so that /bin/sh reads it back unchanged', async () => {
    const tricky = `it's "$HOME" \`id\` ; \\ done`;
    expect((await runGuard('sh', ['-c', `printf %s ${shQuote(tricky)}`])).out).toBe(tricky);
  });
});
