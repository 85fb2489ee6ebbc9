/**
 * The repository's layering, read from the sources' imports:
 * - the engine depends on no job: nothing the engine ships (its sources and the operator harness;
 *   not its tests and testing/ helpers) imports from jobs/. Jobs depend on the engine, and a job of one's own takes its place;
 *   the demo reaches content-popularity's display through the job definition's `display` hook.
 *   The engine's tests may use the shipped jobs as workloads: they are not part of the package.
 * - a module only tests use is a test helper, and lives in a testing/ folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const DIRS = ['engine', 'connectors', 'jobs', 'deploy', 'bench', 'grafana'];

/** Modules in testing/ folders that the package ships (`eddy/testing`, for jobs' own tests): engine code. */
const SHIPPED_TESTING = new Set(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files
    .filter((f) => !f.startsWith('!') && f.includes('/testing/'))
    .map((f) => f.replace(/^dist\//, '').replace(/\.(\*|js)$/, '.ts')),
);

const inTesting = (path: string): boolean => path.split('/').includes('testing');

/** Tests, and helpers in testing/ folders: code that only tests run. */
const isTestCode = (path: string): boolean => /\.i?test\.ts$/.test(path) || (inTesting(path) && !SHIPPED_TESTING.has(path));

/** The repository files a module imports (relative imports; comments skipped), as repository paths of .ts files. */
function importsOf(source: string, path: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => normalize(join(dirname(path), s)).replace(/\.js$/, '.ts'));
}

function sources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of DIRS) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.ts') && !entry.endsWith('.d.ts') && !entry.split('/').includes('node_modules')) {
        const path = join(dir, entry);
        files.set(path, readFileSync(join(ROOT, path), 'utf8'));
      }
    }
  }
  return files;
}

/**
 * Modules only tests import that are not helpers: each is used on its own, or is the unit its one
 * test is about. A job module (`export default defineJob`) is loaded by path; a script runs from
 * the command line (`process.argv[1]`, bench's `runAsScript`).
 */
function standsAlone(path: string, source: string, importers: readonly string[]): boolean {
  if (/export default defineJob\(/.test(source) || /process\.argv\[1\]|runAsScript\(/.test(source)) return true;
  const own = path.replace(/\.ts$/, '');
  if (importers.every((i) => i === `${own}.test.ts` || i === `${own}.itest.ts`)) return true;
  // A local tool (Prometheus without Docker), documented in deploy/README.md; only tests use it in the code.
  return path === 'deploy/local/prometheus-binary.ts';
}

describe('structure', () => {
  const files = sources();
  const imports = new Map([...files].map(([path, source]) => [path, importsOf(source, path)]));

  it('reads relative imports, static and dynamic, and skips comments', () => {
    const src = "import { a } from '../../jobs/x/job.js';\nexport * from './b.js';\nconst c = await import('../c.js');\n// import { d } from '../../jobs/d.js';\n/** import { e } from '../../jobs/e.js'; */";
    expect(importsOf(src, 'engine/cli/demo.ts')).toEqual(['jobs/x/job.ts', 'engine/cli/b.ts', 'engine/c.ts']);
  });

  it('engine sources import nothing from jobs/', () => {
    const offending = [...imports].filter(([path]) => path.startsWith('engine/') && !isTestCode(path)).flatMap(([path, targets]) => targets.filter((t) => t.startsWith('jobs/')).map((t) => `${path} imports ${t}`));
    expect(offending).toEqual([]);
  });

  it('a module only tests import lives in a testing/ folder', () => {
    const importers = new Map<string, string[]>();
    for (const [path, targets] of imports) for (const t of targets) importers.set(t, [...(importers.get(t) ?? []), path]);
    const misplaced = [...files]
      .filter(([path]) => !isTestCode(path) && !inTesting(path))
      .filter(([path]) => (importers.get(path) ?? []).length > 0 && importers.get(path)!.every(isTestCode))
      .filter(([path, source]) => !standsAlone(path, source, importers.get(path)!))
      .map(([path]) => `${path} (imported by ${importers.get(path)!.join(', ')})`);
    expect(misplaced).toEqual([]);
  });
});
