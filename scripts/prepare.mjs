// Shared by `npm start` and `npm test`: make sure the machine has the tools, node_modules is
// installed and dist/ is built, doing only what is missing or stale so a second run takes seconds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const say = (msg) => process.stdout.write(`[vidpipe] ${msg}\n`);

function fail(msg) {
  process.stderr.write(`[vidpipe] ${msg}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (res.error) fail(`could not run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${res.status})`);
}

/** Runs a chatty installer with its output captured: on failure, only its last lines are shown. */
function runQuiet(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error) fail(`could not run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) {
    const tail = `${res.stdout ?? ''}${res.stderr ?? ''}`.trimEnd().split('\n').slice(-20).join('\n');
    fail(`${cmd} ${args.join(' ')} failed (exit ${res.status}); the last lines it printed:\n${tail}`);
  }
}

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v "$1"`, 'sh', cmd], { stdio: 'ignore' }).status === 0;

/** tools: [{ command, pkg }]; installs missing ones with apt-get when root on Debian, else explains. */
export function ensureTools(tools) {
  const missing = tools.filter((t) => !onPath(t.command));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((t) => t.pkg))];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    fail(`missing ${missing.map((t) => t.command).join(', ')}. Install them (Debian: sudo apt-get install -y ${pkgs.join(' ')}) and run again.`);
  }
  say(`installing ${pkgs.join(', ')} with apt-get (about a minute)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  runQuiet('apt-get', ['update', '-qq'], { env });
  runQuiet('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env });
}

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};

function newestIn(dir, skip = /node_modules|dist/) {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || skip.test(entry.parentPath)) continue;
    newest = Math.max(newest, mtime(path.join(entry.parentPath, entry.name)));
  }
  return newest;
}

/** npm ci on a fresh clone; npm install when package.json or the lock changed since. */
export function ensureInstalled(dir = root) {
  const marker = path.join(dir, 'node_modules', '.package-lock.json');
  const wanted = Math.max(mtime(path.join(dir, 'package.json')), mtime(path.join(dir, 'package-lock.json')));
  if (mtime(marker) >= wanted && wanted > 0) return;
  const fresh = !fs.existsSync(path.join(dir, 'node_modules'));
  say(`${fresh ? 'installing' : 'updating'} packages in ${path.relative(root, dir) || '.'}…`);
  run('npm', [fresh ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  fs.utimesSync(marker, new Date(), new Date());
}

/** Runs `build` when any of `sources` (files or folders) is newer than the stamp it leaves. */
function buildWhenStale(what, stamp, sources, build) {
  const newest = Math.max(...sources.map((p) => (fs.existsSync(p) && fs.statSync(p).isDirectory() ? newestIn(p) : mtime(p))));
  if (mtime(stamp) >= newest) return;
  say(`building ${what}…`);
  build();
  fs.writeFileSync(stamp, new Date().toISOString());
}

/** tsc for the service when anything under src/ (or the config) changed since the last build. */
export function ensureBuilt() {
  const files = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => path.join(root, f));
  buildWhenStale('the service', path.join(root, 'dist', '.build-stamp'), files, () =>
    run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']),
  );
}

/** The React client (web/, its own packages): vite build when its sources changed. */
export function ensureWebBuilt() {
  const web = path.join(root, 'web');
  ensureInstalled(web);
  const files = [
    ...['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'].map((f) => path.join(web, f)),
    // the client imports the server's job, event and user types, and its API error codes
    path.join(root, 'src', 'jobs'),
    path.join(root, 'src', 'events'),
    path.join(root, 'src', 'users'),
    path.join(root, 'src', 'http'),
  ];
  buildWhenStale('the web client', path.join(web, 'dist', '.build-stamp'), files, () => {
    // Type-checked first: the client shares the server's job and event types.
    run(process.execPath, [path.join(web, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { cwd: web });
    run(process.execPath, [path.join(web, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: web });
  });
}

export const serverTools = [
  { command: 'redis-server', pkg: 'redis-server' },
  { command: 'ffmpeg', pkg: 'ffmpeg' },
  { command: 'ffprobe', pkg: 'ffmpeg' },
  { command: 'yt-dlp', pkg: 'yt-dlp' },
];
