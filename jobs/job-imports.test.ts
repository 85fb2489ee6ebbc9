/**
 * A job is written against the public API only: each shipped job module, and everything it imports
 * in turn, imports nothing but `engine/index.ts`, `jobs/shared/`, its own folder and zod. So the API
 * is all a job of a platform team's own needs, and nothing Kafka-specific leaks into jobs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const jobsDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(jobsDir, '..');
const jobs = readdirSync(jobsDir, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(jobsDir, d.name, 'job.ts'))).map((d) => d.name);

/** Every import of `file` and, within the allowed folders, of what it imports; the ones outside them. */
function outsideImports(job: string): string[] {
  const allowed = (path: string): boolean => path === join(root, 'engine', 'index.ts') || path.startsWith(join(jobsDir, 'shared') + '/') || path.startsWith(join(jobsDir, job) + '/');
  const seen = new Set<string>();
  const bad: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s(?:[^;]*?from\s+)?'([^']+)'/gms)) {
      if (!spec!.startsWith('.')) {
        if (spec !== 'zod') bad.push(`${relative(root, file)} imports ${spec}`);
        continue;
      }
      const target = resolve(dirname(file), spec!).replace(/\.js$/, '.ts');
      if (!allowed(target)) bad.push(`${relative(root, file)} imports ${relative(root, target)}`);
      else if (target !== join(root, 'engine', 'index.ts')) visit(target);
    }
  };
  visit(join(jobsDir, job, 'job.ts'));
  return bad;
}

describe('shipped jobs', () => {
  it('are found', () => {
    expect(jobs).toEqual(expect.arrayContaining(['content-popularity', 'viewer-sessions', 'watch-time-by-region']));
  });

  it.each(jobs)('%s imports only the public API, jobs/shared and its own folder', (job) => {
    expect(outsideImports(job)).toEqual([]);
  });
});
