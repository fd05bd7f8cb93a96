// The shape of src/ (README, "Layout"): which folder owns what, read from the source itself.
import fs from 'node:fs';
import path from 'node:path';

const SRC = __dirname;

function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.spec.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** The folder (or top-level file) under src/ that a path belongs to. */
const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0].replace(/\.ts$/, '');

/** Imports that load code at run time (not `import type`, not an import of types only). */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  const re = /^\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+['"](\.[^'"]+)['"]/gms;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1]) continue;
    const braces = /^\{([^}]*)\}$/.exec(m[2].trim());
    const names = braces?.[1].split(',').map((s) => s.trim()).filter(Boolean) ?? [];
    if (names.length && names.every((n) => n.startsWith('type '))) continue;
    found.push(m[3]);
  }
  return found;
}

/** Pairs of folders that import each other at run time, as "a <-> b" (a < b). */
function folderCycles(): string[] {
  const edges = new Set<string>();
  for (const file of sourceFiles()) {
    for (const spec of runtimeImports(fs.readFileSync(file, 'utf8'))) {
      const [from, to] = [folderOf(file), folderOf(path.resolve(path.dirname(file), spec))];
      if (from !== to) edges.add(`${from} -> ${to}`);
    }
  }
  return [...edges]
    .map((e) => e.split(' -> '))
    .filter(([a, b]) => a < b && edges.has(`${b} -> ${a}`))
    .map(([a, b]) => `${a} <-> ${b}`)
    .sort();
}

it('has no more than two pairs of folders that import each other, and no new one', () => {
  // jobs <-> pipeline: a new job is queued by the jobs service; stages write jobs.
  // metrics <-> pipeline: stages count their outcomes; the exporter names the stages.
  expect(folderCycles()).toEqual(['jobs <-> pipeline', 'metrics <-> pipeline']);
});

it('names every Redis key in a keys file of the folder that owns it', () => {
  const literal = /['`]vp:[a-z]/;
  const outside = sourceFiles()
    .filter((f) => !/-keys\.ts$/.test(f) && !f.endsWith('queue-names.ts'))
    .filter((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .some((line) => literal.test(line) && !/^\s*(\*|\/\/|\/\*)/.test(line)),
    )
    .map((f) => path.relative(SRC, f));
  expect(outside).toEqual([]);
});

it('finds the cycles and keys it looks for (a check of the checks above)', () => {
  expect(runtimeImports("import { a } from '../x';\nimport type { B } from '../y';\nimport { type C } from '../z';\nexport { d } from './w';")).toEqual(['../x', './w']);
  expect(folderOf(path.join(SRC, 'jobs', 'job-keys.ts'))).toBe('jobs');
});
