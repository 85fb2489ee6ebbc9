import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './engines.js';

/** The commit the benchmark ran at (`git rev-parse --short HEAD`), `-dirty` when the tree had changes. */
export function gitCommit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '-dirty' : ''}`;
}

/**
 * One folder per benchmark run, named by what it measured, its day and its commit, so a figure can
 * always be traced to the code it came from.
 *
 * @example
 * const dir = resultsFolder('bench/results', 'throughput', new Date().toISOString(), gitCommit()); // bench/results/throughput-2026-12-05-fbe277e
 */
export function resultsFolder(base: string, measure: string, startedAt: string, commit: string): string {
  mkdirSync(base, { recursive: true });
  let dir = join(base, `${measure}-${startedAt.slice(0, 10)}-${commit}`);
  // A second run of the same measure at the same commit on the same day gets its start time too.
  try {
    mkdirSync(dir, { recursive: false });
  } catch {
    dir = `${dir}-${startedAt.slice(11, 19).replaceAll(':', '')}`;
    mkdirSync(dir, { recursive: true });
  }
  return dir;
}

/**
 * Writes a run's results into its folder (results.json, results.md, and chart.svg when there is one)
 * and, given `log`, prints the Markdown (without: a script writing what it has after each step).
 *
 * @example
 * writeResults(dir, { json: results, markdown: markdown(results), svg: svgChart(results) }, console.log);
 */
export function writeResults(dir: string, r: { json: unknown; markdown: string; svg?: string }, log?: (line: string) => void): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(r.json, null, 2)}\n`);
  writeFileSync(join(dir, 'results.md'), r.markdown);
  if (r.svg !== undefined) writeFileSync(join(dir, 'chart.svg'), r.svg);
  if (!log) return;
  log('');
  log(r.markdown);
  log(`results: ${dir}`);
}
