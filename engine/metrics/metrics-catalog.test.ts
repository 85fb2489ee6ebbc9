import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { METRICS, PROCESS_METRICS } from './metrics-catalog.js';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'metrics.md'), 'utf8');

describe('metrics catalog', () => {
  it('names follow Prometheus conventions', () => {
    for (const m of [...METRICS, ...PROCESS_METRICS]) {
      expect(m.name).toMatch(/^eddy_[a-z_]+$/);
      expect(m.name.endsWith('_total'), m.name).toBe(m.type === 'counter');
    }
  });

  it('docs/metrics.md lists every metric with its type and labels', () => {
    for (const m of [...METRICS, ...PROCESS_METRICS]) {
      expect(readme, m.name).toContain(`| \`${m.name}\` | ${m.type} | ${m.labels.join(', ')} |`);
    }
    const documented = [...readme.matchAll(/^\| `(eddy_[a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((x) => x[1]);
    expect(documented.sort()).toEqual([...METRICS, ...PROCESS_METRICS].map((m) => m.name).sort());
  });
});
