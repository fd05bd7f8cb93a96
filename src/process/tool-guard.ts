// How a tool is started so that it dies with the worker that started it, however the worker dies.
// Pure: argv and script builders only, unit-tested; run-tool.ts and ffmpeg.runner.ts use them.

/**
 * The group guard: `setpriv --pdeathsig TERM` makes the kernel signal it when the worker's thread
 * that spawned it dies (Node spawns from its main thread, so: when the worker process dies, by
 * SIGKILL or OOM too). It then kills its whole process group — the tool and whatever the tool
 * started (yt-dlp's ffmpeg for merges and HLS), which a pdeathsig on the tool alone would leave.
 * Otherwise it waits for the tool and exits as it did, re-raising a signal so callers see one.
 */
export const GROUP_GUARD_SCRIPT = [
  "trap 'kill -KILL 0' TERM",
  '"$@" &',
  'wait $!',
  's=$?',
  // 129..192: killed by signal s-128; re-raised so the caller sees exitCode null and the signal.
  'if [ "$s" -gt 128 ] && [ "$s" -le 192 ]; then trap - TERM; kill -$((s - 128)) $$; fi',
  'exit "$s"',
].join('\n');

/** `$0` of the guard shell: what `ps` shows for it. */
export const GROUP_GUARD_NAME = 'vidpipe-tool-guard';

/** The argv that starts `command args` under the group guard (spawn it in its own process group). */
export function guardedArgv(setprivPath: string, command: string, args: readonly string[]): { command: string; args: string[] } {
  return {
    command: setprivPath,
    args: ['--pdeathsig', 'TERM', '--', '/bin/sh', '-c', GROUP_GUARD_SCRIPT, GROUP_GUARD_NAME, command, ...args],
  };
}

/**
 * A launcher for a tool that is spawned by a library we do not control (fluent-ffmpeg runs
 * ffmpeg and ffprobe by path): `exec` keeps the pid, so the library's own kill still reaches the
 * tool, and the tool itself gets the pdeathsig (ffmpeg starts no children of its own).
 */
export function pdeathsigLauncherScript(setprivPath: string, toolPath: string): string {
  return `#!/bin/sh\n# Written by vidpipe: ${toolPath} dies with the worker that started it.\nexec ${shQuote(setprivPath)} --pdeathsig KILL -- ${shQuote(toolPath)} "$@"\n`;
}

/** One argument for /bin/sh, in single quotes. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
