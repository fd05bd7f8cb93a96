// `npm run bench [sooner|fanout|submit]`: prepares like `npm test`, then runs the benchmarks in bench/.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, ensureInstalled, ensureTools, ensureWebBuilt, root, serverTools } from './prepare.mjs';

ensureTools(serverTools);
ensureInstalled();
ensureBuilt();
ensureWebBuilt();
const wanted = process.argv[2];
for (const name of ['sooner', 'fanout', 'submit'].filter((n) => !wanted || n === wanted)) {
  process.stdout.write(`\n== bench/${name}.bench.ts\n`);
  const res = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), `bench/${name}.bench.ts`], { stdio: 'inherit', cwd: root });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
