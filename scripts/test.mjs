// `npm test`: the same preparation as `npm start`, then every suite (unit and integration) with
// jest; extra arguments go to jest (`npm test -- test/pipeline`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureBuilt, ensureInstalled, ensureTools, ensureWebBuilt, root, say, serverTools } from './prepare.mjs';

// Chromium drives the web client's end-to-end test.
ensureTools([...serverTools, { command: 'chromium', pkg: 'chromium' }]);
ensureInstalled();
ensureBuilt();
ensureWebBuilt();

// jest only transpiles: the tests, specs and benchmarks are type-checked against the code first.
say('type-checking the tests…');
const typecheck = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.test.json'], { stdio: 'inherit', cwd: root });
if (typecheck.status !== 0) process.exit(typecheck.status ?? 1);

const report = path.join(root, '.test-tmp', 'jest-results.json');
fs.mkdirSync(path.dirname(report), { recursive: true });
fs.rmSync(report, { force: true });
const res = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--json', `--outputFile=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: root, env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : process.env.FORCE_COLOR } },
);
if (fs.existsSync(report)) {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  const broken = r.numRuntimeErrorTestSuites ? `, ${r.numRuntimeErrorTestSuites} suite${r.numRuntimeErrorTestSuites === 1 ? '' : 's'} failed to run` : '';
  process.stdout.write(`\njest: ${r.numPassedTests} passed, ${r.numFailedTests} failed${broken}${skipped ? `, ${skipped} skipped` : ''}\n`);
}
process.exit(res.status ?? 1);
