import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadJob } from '../api/job-definition.js';
import { METRICS, PROCESS_METRICS } from './metrics-catalog.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'docs', 'metrics.md'), 'utf8');
const JOBS_HEADING = "### The shipped jobs' own metrics";
const [catalogPart, jobsPart] = [readme.slice(0, readme.indexOf(JOBS_HEADING)), readme.slice(readme.indexOf(JOBS_HEADING))];
const documented = (text: string): string[] => [...text.matchAll(/^\| `([a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((x) => x[1]!).sort();

describe('metrics catalog', () => {
  it('names follow Prometheus conventions', () => {
    for (const m of [...METRICS, ...PROCESS_METRICS]) {
      expect(m.name).toMatch(/^eddy_[a-z_]+$/);
      expect(m.name.endsWith('_total'), m.name).toBe(m.type === 'counter');
      expect(m.labels, m.name).not.toContain('job');
    }
  });

  it('docs/metrics.md lists every metric with its type and labels', () => {
    expect(readme).toContain(JOBS_HEADING);
    for (const m of [...METRICS, ...PROCESS_METRICS]) {
      expect(catalogPart, m.name).toContain(`| \`${m.name}\` | ${m.type} | ${m.labels.join(', ')} |`);
    }
    expect(documented(catalogPart)).toEqual([...METRICS, ...PROCESS_METRICS].map((m) => m.name).sort());
  });

  it("docs/metrics.md lists the shipped jobs' own metrics with their labels and job", async () => {
    const declared: string[] = [];
    for (const dir of readdirSync(join(root, 'jobs')).sort()) {
      if (!existsSync(join(root, 'jobs', dir, 'job.ts'))) continue;
      const def = await loadJob(join(root, 'jobs', dir, 'job.ts'));
      for (const { spec } of def.metrics ?? []) {
        declared.push(spec.name);
        expect(jobsPart, spec.name).toContain(`| \`${spec.name}\` | ${spec.type} | ${['job_name', ...spec.labels].join(', ')} | ${def.name} |`);
      }
    }
    expect(declared).toContain('eddy_trending_views');
    expect(documented(jobsPart)).toEqual(declared.sort());
  });
});
